"""What the opportunity modals submit, read into plain values with the field errors (keyed by block id)
that need nothing but the form. The checks that need the database (a product still on the price list,
a lost reason still offered…) stay in bot/services/opportunities.py, which adds its errors to these."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bot.domain import revenue
from bot.domain.parsing import ParseError, parse_amount
from bot.domain.process import Stage, Step
from bot.views.inputs import ModalState
from store.models import Opportunity

_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_URL = re.compile(r"^https?://\S+$")
Errors = dict[str, str]


@dataclass(frozen=True)
class NewOpportunity:
    topic: str
    account: str
    contact: str
    estimated_close_date: date | None
    estimated_revenue: Decimal | None
    description: str


def read_new(state: ModalState) -> tuple[NewOpportunity | None, Errors]:
    errors: Errors = {}
    topic = state.text("topic")
    if not topic:
        errors["topic"] = "Enter a topic, such as what the customer wants to buy."
    amount = _amount(state, "estimated_revenue", errors)
    close = _date(state.date("estimated_close_date"), "estimated_close_date", errors)
    _limit_lengths(state, errors)
    if errors:
        return None, errors
    return NewOpportunity(
        topic, state.text("account"), state.text("contact"), close, amount, state.text("description")
    ), {}


# --- Edit stage -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageForm:
    first_block: str  # where an error about the whole form is shown
    values: dict[str, str]  # value step name -> the text stored
    ticked: set[str]  # the indexes (in the stage) of the boxes ticked


def parse_step_value(step: Step, state: ModalState, block_id: str, currency: str) -> str:
    """The text stored for a value step, or ParseError naming what is wrong."""
    match step.type:
        case "date":
            text = state.date(block_id)
            if text:
                try:
                    date.fromisoformat(text)
                except ValueError:
                    raise ParseError("Pick a date.") from None
            return text
        case "choice":
            text = state.selected(block_id)
            if text and text not in step.options:
                raise ParseError(f"Choose one of: {', '.join(step.options)}.")
            return text
        case "user":
            return state.user(block_id)
        case "amount":
            amount = parse_amount(state.text(block_id))
            return "" if amount is None else revenue.format_money(amount, currency)
        case "number":
            text = state.text(block_id)
            if text and not _NUMBER.match(text):
                raise ParseError("Enter a number such as 12 or 1,250.5.")
            return text
        case _:
            text = state.text(block_id)
            if len(text) > 2000:
                raise ParseError("Keep it under 2000 characters.")
            return text


def read_stage(state: ModalState, stage: Stage, currency: str) -> tuple[StageForm, Errors]:
    """The value steps as stored (step name -> text), the boxes ticked, and the field errors."""
    values: dict[str, str] = {}
    errors: Errors = {}
    for index, step in enumerate(stage.steps):
        if step.is_checkbox:
            continue
        try:
            values[step.name] = parse_step_value(step, state, f"step_{index}", currency)
        except ParseError as error:
            errors[f"step_{index}"] = error.message
    ticked = {value for key in state.values if key.startswith("checklist_") for value in state.checked(key)}
    return StageForm(_first_input(state), values, ticked), errors


# --- products and closing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductForm:
    product_id: int | None
    quantity: Decimal | None
    discount: Decimal


def read_product(state: ModalState) -> tuple[ProductForm, Errors]:
    errors: Errors = {}
    product_id = state.selected("product")
    if not product_id.isdigit():
        errors["product"] = "Choose a product."
    quantity = None
    try:
        quantity = revenue.parse_quantity(state.text("quantity"))
    except ParseError as error:
        errors["quantity"] = error.message
    discount = _amount(state, "discount", errors) or Decimal(0)
    return ProductForm(int(product_id) if product_id.isdigit() else None, quantity, discount), errors


@dataclass(frozen=True)
class WonForm:
    actual_revenue: Decimal | None
    close_date: date | None


def read_won(state: ModalState) -> tuple[WonForm, Errors]:
    errors: Errors = {}
    amount = _amount(state, "actual_revenue", errors)
    if amount is None and "actual_revenue" not in errors:
        errors["actual_revenue"] = "Enter the actual revenue, such as 2,598.00."
    close = _date(state.date("close_date"), "close_date", errors)
    if close is None and "close_date" not in errors:
        errors["close_date"] = "Pick the close date."
    return WonForm(amount, close), errors


@dataclass(frozen=True)
class LostForm:
    reason: str
    competitor: str
    description: str


def read_lost(state: ModalState) -> tuple[LostForm, Errors]:
    errors: Errors = {}
    competitor = state.text("competitor")
    if len(competitor) > 200:
        errors["competitor"] = "Keep it under 200 characters."
    description = state.text("description")
    if len(description) > 2000:
        errors["description"] = "Keep it under 2000 characters."
    return LostForm(state.selected("reason"), competitor, description), errors


# --- Edit ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditForm:
    topic: str
    amount: Decimal | None
    close: date | None
    mode: str
    owner: str
    process_name: str
    removing: frozenset[int]
    account: str
    contact: str
    description: str


def read_edit(state: ModalState, opp: Opportunity) -> tuple[EditForm, Errors]:
    """The Edit modal's values; what is left unset keeps the opportunity's revenue mode and owner."""
    errors: Errors = {}
    topic = state.text("topic")
    if not topic:
        errors["topic"] = "Enter a topic."
    elif len(topic) > 300:
        errors["topic"] = "Keep it under 300 characters."
    amount = _amount(state, "estimated_revenue", errors)
    close = _date(state.date("estimated_close_date"), "estimated_close_date", errors)
    removing = frozenset(int(v) for v in state.checked("remove_lines") if v.isdigit())
    owner = state.user("owner") or opp.owner_id
    if not owner.isalnum():
        errors["owner"] = "Choose a person."
    _limit_lengths(state, errors)
    mode = state.selected("revenue_mode") or opp.revenue_mode
    return EditForm(topic, amount, close, mode, owner, state.selected("process"), removing,
                    state.text("account"), state.text("contact"), state.text("description")), errors  # fmt: skip


# --- literature and files ---------------------------------------------------------------------------------------


def read_literature(state: ModalState) -> tuple[list[int] | None, Errors]:
    """The ids of the library items ticked."""
    chosen = [
        int(v) for key in state.values if key.startswith("literature_") for v in state.checked(key) if v.isdigit()
    ]
    if not chosen:
        return None, {_first_input(state) or "literature_0": "Pick at least one item to send."}
    return chosen, {}


@dataclass(frozen=True)
class AttachmentForm:
    url: str
    title: str
    step: str
    files: list[dict[str, Any]]


def read_attachment(state: ModalState) -> tuple[AttachmentForm | None, Errors]:
    url, files = state.text("url"), state.files("file")
    errors: Errors = {}
    if url and not _URL.match(url):
        errors["url"] = "Enter a link starting with https://"
    if not url and not files:
        errors["url"] = "Give a link or upload a file."
    if errors:
        return None, errors
    return AttachmentForm(url, state.text("title"), state.selected("step"), files), {}


# --- helpers ----------------------------------------------------------------------------------------------------


def _limit_lengths(state: ModalState, errors: Errors) -> None:
    for key, limit in (("account", 200), ("contact", 200), ("description", 3000)):
        if len(state.text(key)) > limit:
            errors[key] = f"Keep it under {limit} characters."


def _amount(state: ModalState, block_id: str, errors: Errors) -> Decimal | None:
    try:
        return parse_amount(state.text(block_id))
    except ParseError as error:
        errors[block_id] = error.message
        return None


def _date(text: str, block_id: str, errors: Errors) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[block_id] = "Pick a date."
        return None


def _first_input(state: ModalState) -> str:
    return next(iter(state.values), "")
