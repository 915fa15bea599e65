"""Opportunity card, its modals and lists: pure Block Kit builders."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from bot.domain import revenue
from bot.domain.process import Process, Stage, Step, StepState, is_complete, missing_steps, percent_text, process_bar
from bot.domain.process import probability as process_probability
from bot.ids import (
    INPUT_ACTION,
    OPP_BUTTONS,
    OPP_OPEN,
    OPP_PRODUCT_SEARCH,
    OPP_REOPEN,
    OPP_TICK_PREFIX,
    OPP_VIEW_STAGE,
    VIEW_NEW_OPP,
    VIEW_OPP_ADD_PRODUCT,
    VIEW_OPP_ATTACH,
    VIEW_OPP_CLOSE_LOST,
    VIEW_OPP_CLOSE_WON,
    VIEW_OPP_EDIT,
    VIEW_OPP_EDIT_STAGE,
    VIEW_OPP_LITERATURE,
    Metadata,
    RecordRef,
    ref_value,
    steps_block_id,
)
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    fields,
    header,
    modal,
    open_line,
    option,
    plain,
    section,
)
from bot.views.inputs import labelled, text_input
from bot.views.leads import count_text
from bot.views.people import CardPeople, people_blocks
from bot.views.quotes import order_list, quote_list
from store.catalog import PricedProduct
from store.models import Attachment, Literature, Opportunity, OpportunityLine, Quote, SalesOrder
from store.opportunity_lists import OpportunitySummary

Listed = Opportunity | OpportunitySummary  # a list line reads the same fields of either

CHECKBOXES_MAX = 10
STATIC_SELECT_MAX = 100
LOST_REASONS = ("Canceled", "Out-sold")
REVENUE_MODES = (("system", "System-calculated"), ("user", "User-provided"))
STATUS_LABELS = {"open": "Open", "won": "Won", "lost": "Lost"}


@dataclass
class OpportunityData:
    """Everything a card shows, read in one transaction."""

    opportunity: Opportunity
    process: Process
    states: dict[tuple[str, str], StepState] = field(default_factory=dict)
    lines: list[OpportunityLine] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    orders: list[SalesOrder] = field(default_factory=list)
    people: CardPeople | None = None  # stakeholder and competitor rows

    @property
    def ref(self) -> str:
        return RecordRef("opportunity", self.opportunity.id or 0).encode()

    @property
    def probability(self) -> Decimal:
        opp = self.opportunity
        return process_probability(self.process, opp.stage, status=opp.status)

    @property
    def current_value(self) -> Decimal | None:
        opp = self.opportunity
        value = opp.actual_revenue if opp.status == "won" and opp.actual_revenue is not None else opp.estimated_revenue
        return revenue.current_value(value, self.probability, opp.currency)


def metadata(ref: str, **extra: Any) -> str:
    return Metadata(ref=ref, extra={k: str(v) for k, v in extra.items()}).encode()


# --- the card --------------------------------------------------------------------------------------


def opportunity_card_text(opp: Opportunity) -> str:
    who = opp.account_name or opp.contact_name
    return f"Opportunity: {escape(opp.topic)}" + (f" — {escape(who)}" if who else "")


def opportunity_card(data: OpportunityData) -> list[Block]:
    opp, process = data.opportunity, data.process
    blocks: list[Block] = [header(opp.topic), *fields(_card_fields(data))]
    if opp.description:
        blocks.append(section(f"*Description*\n{escape(opp.description)}"))
    if data.lines:
        blocks.append(section(products_text(data.lines, opp.currency)))
    if data.attachments:
        blocks.append(section(files_text(data.attachments)))
    if data.quotes:
        blocks.extend(quote_list(data.quotes))
    if data.orders:
        blocks.extend(order_list(data.orders, limit=3))
    blocks.append(divider())
    closed = opp.status != "open"
    bar = process_bar(process, opp.stage, closed=closed)
    if closed:
        bar += f" › *{STATUS_LABELS.get(opp.status, opp.status)}*"
    blocks.append(section(f"*{escape(process.name)}*\n{bar}"))
    blocks.append({"type": "actions", "block_id": f"opp_view_stage:{opp.id}", "elements": [_view_stage_select(data)]})
    if not closed:
        blocks.extend(_checklist(data))
    blocks.append(context(_card_context(data)))
    buttons_rows = -(-len(_buttons(data)) // 5)
    blocks.extend(people_blocks(data.people, budget=50 - len(blocks) - buttons_rows))
    blocks.extend(
        actions(
            [button(label, action_id, data.ref) for label, action_id in _buttons(data)],
            block_id=f"opp_buttons:{opp.id}",
        )
    )
    return blocks


def _card_fields(data: OpportunityData) -> list[tuple[str, str]]:
    opp = data.opportunity
    mode = "system-calculated" if opp.revenue_mode == "system" else "user-provided"
    estimated = revenue.format_money(opp.estimated_revenue, opp.currency)
    if opp.estimated_revenue is not None:
        estimated += f" ({mode})"
    pairs = [
        ("Account", escape(opp.account_name) or "–"),
        ("Contact", escape(opp.contact_name) or "–"),
        ("Owner", f"<@{opp.owner_id}>"),
        ("Estimated close date", opp.estimated_close_date.isoformat() if opp.estimated_close_date else "–"),
        ("Estimated revenue", estimated),
        ("Probability", f"{percent_text(data.probability)} %"),
        ("Calculated current value", revenue.format_money(data.current_value, opp.currency)),
        ("Lead score", f"{opp.lead_score} ({opp.lead_grade})" if opp.lead_score is not None else "–"),
        ("Status", _status(opp)),
        ("Budget", revenue.format_money(opp.budget_amount, opp.currency)),
    ]
    if opp.status == "won":
        pairs.append(("Actual revenue", revenue.format_money(opp.actual_revenue, opp.currency)))
    if opp.decision_date:
        pairs.append(("Decision date", opp.decision_date.isoformat()))
    return pairs


def _status(opp: Opportunity) -> str:
    label = STATUS_LABELS.get(opp.status, opp.status)
    when = f" {opp.actual_close_date.isoformat()}" if opp.actual_close_date and opp.status != "open" else ""
    if opp.status == "lost" and opp.close_reason:
        to = f" to {escape(opp.close_competitor)}" if opp.close_competitor else ""
        return f"{label}{when} — {opp.close_reason}{to}"
    return label + when


def products_text(lines: Sequence[OpportunityLine], currency: str) -> str:
    rows = []
    for line in lines[:20]:
        amount = revenue.line_amount(revenue.Line(line.quantity, line.unit_price, line.discount), line.currency)
        discount = f" − {revenue.format_money(line.discount, line.currency)}" if line.discount else ""
        rows.append(
            f"• {revenue.format_quantity(line.quantity)} × {escape(line.product_name)} @ "
            f"{revenue.format_money(line.unit_price, line.currency)} / {escape(line.unit)}{discount} = "
            f"{revenue.format_money(amount, line.currency)}"
        )
    if len(lines) > 20:
        rows.append(f"… and {len(lines) - 20} more")
    return "*Products*\n" + "\n".join(rows)


def files_text(attachments: Sequence[Attachment]) -> str:
    rows = []
    for item in attachments[:15]:
        title = escape(item.title)
        link = f"<{item.url}|{title}>" if item.url.startswith(("http://", "https://")) else title
        rows.append(f"• {link}" + (f" — _{escape(item.step)}_" if item.step else ""))
    return "*Files*\n" + "\n".join(rows)


def _view_stage_select(data: OpportunityData) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": OPP_VIEW_STAGE,
        "placeholder": plain("View stage", 150),
        "options": [option(stage.name, f"{data.ref}|{index}") for index, stage in enumerate(data.process.stages)],
    }


def _checklist(data: OpportunityData) -> list[Block]:
    opp, process = data.opportunity, data.process
    stage = process.current(opp.stage)
    blocks: list[Block] = []
    checkboxes = [(index, step) for index, step in enumerate(stage.steps) if step.is_checkbox]
    stage_index = process.index(stage.name)
    for number, start in enumerate(range(0, len(checkboxes), CHECKBOXES_MAX)):
        chunk = checkboxes[start : start + CHECKBOXES_MAX]
        options = [_step_option(data.ref, stage_index, index, step) for index, step in chunk]
        element: dict[str, Any] = {"type": "checkboxes", "action_id": f"{OPP_TICK_PREFIX}{number}", "options": options}
        chosen = _completed(data, stage, chunk, options)
        if chosen:
            element["initial_options"] = chosen
        blocks.append(
            {"type": "actions", "block_id": steps_block_id(opp.id or 0, stage_index, number), "elements": [element]}
        )
    values = [step for step in stage.steps if not step.is_checkbox]
    if values:
        pairs = [(_step_label(step), _step_value(step, data.states.get((stage.name, step.name)))) for step in values]
        blocks.extend(fields(pairs))
    return blocks


def _step_option(ref: str, stage_index: int, index: int, step: Step) -> dict[str, Any]:
    item = option(step.name, f"{ref}|{stage_index}|{index}")
    if step.required:
        item["description"] = plain("Required to move on", 75)
    return item


def _step_label(step: Step) -> str:
    return escape(step.name) + (" (required)" if step.required else "")


def _step_value(step: Step, state: StepState | None) -> str:
    if state is None:
        return "–"
    if step.is_checkbox:
        return "✓ done" if state.done else "–"
    value = state.value.strip()
    if not value:
        return "✓ done" if state.done else "–"
    if step.type == "user" and value.isalnum():
        return f"<@{value}>"
    return escape(value)


def _card_context(data: OpportunityData) -> str:
    opp, process = data.opportunity, data.process
    stage = process.current(opp.stage)
    position = process.index(stage.name) + 1
    parts = [f"Opportunity #{opp.id}"]
    if opp.status == "open":
        done = sum(1 for s in stage.steps if is_complete(s, data.states.get((stage.name, s.name))))
        parts.append(f"stage {position} of {len(process.stages)}: {done}/{len(stage.steps)} steps done")
        parts.append(f"completed {stage.completed} % · chance {stage.chance} %")
        missing = missing_steps(stage, data.states)
        if missing:
            parts.append("to move on: " + ", ".join(missing))
    return " · ".join(parts)


def _buttons(data: OpportunityData) -> list[tuple[str, str]]:
    opp, process = data.opportunity, data.process
    if opp.status != "open":
        keep = {"Add note", "Share", "Timeline"}
        closed = [(label, action_id) for label, action_id in OPP_BUTTONS if label in keep]
        return [("Reopen", OPP_REOPEN), *closed]
    else:
        keep = {label for label, _ in OPP_BUTTONS} - {"Reopen"}
        # Previous stage stays in the first stage too ("always allowed"): it then says there is none.
        keep.discard("Next stage" if process.is_last(opp.stage) else "Finish")
    return [(label, action_id) for label, action_id in OPP_BUTTONS if label in keep]


# --- View stage (what a stage recorded) ------------------------------------------------------------


def stage_record(data: OpportunityData, stage: Stage) -> list[Block]:
    opp = data.opportunity
    rows = []
    for step in stage.steps:
        state = data.states.get((stage.name, step.name))
        mark = "✓" if is_complete(step, state) else "◻︎"
        value = "" if step.is_checkbox or state is None or not state.value else f": {_step_value(step, state)}"
        rows.append(f"{mark} {escape(step.name)}{value}" + (" _(required)_" if step.required else ""))
    where = "active" if opp.status == "open" and stage.name == opp.stage else "stage"
    title = f"*{escape(opp.topic)}* — {escape(stage.name)} ({where})"
    return [section(title), section("\n".join(rows) or "_This stage has no steps._")]


# --- lists -------------------------------------------------------------------------------------------


class StageGroup(NamedTuple):
    """A stage of `/opp list`: how many of the deals read are in it, their money per currency, and
    those of them shown (the list shows the first 40 in stage order)."""

    stage: str
    deals: int
    totals: dict[str, Decimal]
    shown: Sequence[Listed]


def opportunity_list(groups: Sequence[StageGroup], *, title: str, total: int) -> list[Block]:
    """Opportunities grouped by stage, with each group's count and per-currency total; `total` is how many
    there are in all (exact, store/owner_counts.py) when the groups hold only the first of them."""
    blocks: list[Block] = [section(f"*{escape(title)}*")]
    shown = 0
    for group in groups:
        totals = group.totals.items()
        money = ", ".join(revenue.format_money(v, c) for c, v in sorted(totals)) or "no revenue yet"
        blocks.append(section(f"*{escape(group.stage)}* · {group.deals} · {money}"))
        blocks += [list_line(opp) for opp in group.shown]
        shown += len(group.shown)
    if total > shown:
        blocks.append(context(f"Showing {shown} of {count_text(total)}. Narrow it down with `/opp TEXT`."))
    return blocks


def list_line(opp: Listed) -> Block:
    """One deal of a list and its `Open` button; the close date and money as either driver returns them."""
    who = opp.account_name or opp.contact_name or "–"
    amount = money_text(opp.estimated_revenue, opp.currency)
    closes = opp.estimated_close_date
    when = "" if not closes else f" · closes {closes[:10] if isinstance(closes, str) else closes.isoformat()}"
    state = opp.stage if opp.status == "open" else STATUS_LABELS.get(opp.status, opp.status)
    # One escape of the user's texts and the line's own markup (`*`, `·`: nothing to escape in them).
    line = escape(f"*{opp.topic}*\n{who} · {state}") + f" · {amount}{when}"
    return open_line(line, OPP_OPEN, ref_value("opportunity", opp.id or 0))


def money_text(value: Decimal | float | None, currency: str) -> str:
    """`revenue.format_money` of a money column as either driver returns it: SQLite's float (or int) of at
    most two decimals is formatted as it is for a currency with cents (the digits of its Decimal)."""
    if value is None or isinstance(value, Decimal):
        return revenue.format_money(value, currency)
    if _has_cents(currency):
        return f"{value:,.2f} {currency}".strip()
    return revenue.format_money(Decimal(f"{value:.2f}"), currency)


@functools.lru_cache(maxsize=256)
def _has_cents(currency: str) -> bool:
    return revenue.minor_unit(currency) == 2


def search_results(hits: Sequence[Listed], query: str, orders: Sequence[SalesOrder] = ()) -> list[Block]:
    """The matching opportunities and, for an account's deals, their orders."""
    blocks: list[Block] = [section(f"*Opportunities matching “{escape(query[:100])}”*")]
    blocks += [list_line(opp) for opp in hits[:10]]
    if orders:
        blocks.append(section(f"*Orders ({len(orders)})*"))
        blocks.extend(order_list(orders, limit=10))
    return blocks


# --- modals ------------------------------------------------------------------------------------------


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = True,
    max_length: int = 200,
    placeholder: str = "",
) -> Block:
    element = text_input(multiline=multiline, max_length=max_length, initial=initial, placeholder=placeholder)
    return labelled(block_id, label, element, optional=optional)


def _date_input(block_id: str, label: str, *, initial: date | None = None, optional: bool = True) -> Block:
    element: dict[str, Any] = {"type": "datepicker", "action_id": INPUT_ACTION}
    if initial:
        element["initial_date"] = initial.isoformat()
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "optional": optional,
        "element": element,
    }


def _select_input(
    block_id: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    *,
    initial: str = "",
    optional: bool = True,
    radio: bool = False,
) -> Block:
    options = [option(text, value) for value, text in choices]
    element: dict[str, Any] = {
        "type": "radio_buttons" if radio else "static_select",
        "action_id": INPUT_ACTION,
        "options": options,
    }
    if not radio:
        element["placeholder"] = plain(f"Choose {label.lower()}", 150)
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "optional": optional,
        "element": element,
    }


def new_opportunity_modal() -> dict[str, Any]:
    blocks = [
        _text_input("topic", "Topic", optional=False, max_length=300, placeholder="e.g. 20 espresso machines"),
        _text_input("account", "Account", placeholder="The customer company"),
        _text_input("contact", "Contact", placeholder="The customer person, e.g. Giulia Rossi"),
        _date_input("estimated_close_date", "Estimated close date"),
        _text_input("estimated_revenue", "Estimated revenue", max_length=30, placeholder="e.g. 25,000.00"),
        _text_input("description", "Description", multiline=True, max_length=3000),
    ]
    return modal("New opportunity", blocks, callback_id=VIEW_NEW_OPP, submit="Create")


def edit_modal(data: OpportunityData, processes: Sequence[Process]) -> dict[str, Any]:
    opp = data.opportunity
    blocks = [
        _text_input("topic", "Topic", initial=opp.topic, optional=False, max_length=300),
        _text_input("account", "Account", initial=opp.account_name),
        _text_input("contact", "Contact", initial=opp.contact_name),
        _date_input("estimated_close_date", "Estimated close date", initial=opp.estimated_close_date),
        _select_input(
            "revenue_mode",
            "Revenue",
            [(v, t) for v, t in REVENUE_MODES],
            initial=opp.revenue_mode,
            optional=False,
            radio=True,
        ),
        _text_input(
            "estimated_revenue",
            "Estimated revenue",
            max_length=30,
            initial=f"{opp.estimated_revenue:,.2f}" if opp.estimated_revenue is not None else "",
        ),
        {
            "type": "input",
            "block_id": "owner",
            "label": plain("Owner"),
            "optional": False,
            "element": {"type": "users_select", "action_id": INPUT_ACTION, "initial_user": opp.owner_id},
        },
    ]
    if len(processes) > 1:
        choices = [(p.name, p.name) for p in processes]
        blocks.append(_select_input("process", "Sales process", choices, initial=data.process.name, optional=False))
    if data.lines:
        blocks.append(_remove_lines_input(data))
    blocks.append(_text_input("description", "Description", initial=opp.description, multiline=True, max_length=3000))
    blocks.append(
        context("System-calculated revenue is the sum of the products' amounts; choose User-provided to type your own.")
    )
    return modal("Edit opportunity", blocks, callback_id=VIEW_OPP_EDIT, submit="Save", metadata=metadata(data.ref))


def _remove_lines_input(data: OpportunityData) -> Block:
    options = [
        option(f"{revenue.format_quantity(line.quantity)} × {line.product_name}", str(line.id))
        for line in data.lines[:CHECKBOXES_MAX]
    ]
    return {
        "type": "input",
        "block_id": "remove_lines",
        "label": plain("Remove products"),
        "optional": True,
        "element": {"type": "checkboxes", "action_id": INPUT_ACTION, "options": options},
    }


def edit_stage_modal(data: OpportunityData) -> dict[str, Any]:
    opp = data.opportunity
    stage = data.process.current(opp.stage)
    blocks: list[Block] = [section(f"*{escape(opp.topic)}* — {escape(stage.name)}")]
    checkboxes = [(index, step) for index, step in enumerate(stage.steps) if step.is_checkbox]
    for number, start in enumerate(range(0, len(checkboxes), CHECKBOXES_MAX)):
        blocks.append(_checklist_input(data, stage, checkboxes[start : start + CHECKBOXES_MAX], number))
    for index, step in enumerate(stage.steps):
        if not step.is_checkbox:
            blocks.append(step_input(step, index, data.states.get((stage.name, step.name)), opp.currency))
    if len(blocks) == 1:
        blocks.append(section("_This stage has no steps._"))
    return modal(
        "Edit stage",
        blocks,
        callback_id=VIEW_OPP_EDIT_STAGE,
        submit="Save",
        metadata=metadata(data.ref, stage=stage.name),
    )


def _completed(
    data: OpportunityData, stage: Stage, chunk: list[tuple[int, Step]], options: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The options of the chunk's steps that are complete: a checklist's initial_options."""
    return [
        opt
        for (_, step), opt in zip(chunk, options, strict=True)
        if is_complete(step, data.states.get((stage.name, step.name)))
    ]


def _checklist_input(data: OpportunityData, stage: Stage, chunk: list[tuple[int, Step]], number: int) -> Block:
    """One checkboxes input of at most CHECKBOXES_MAX checkbox steps, the completed ones ticked."""
    options = []
    for index, step in chunk:
        item = option(step.name, str(index))
        if step.required:
            item["description"] = plain("Required to move on", 75)
        options.append(item)
    element: dict[str, Any] = {"type": "checkboxes", "action_id": INPUT_ACTION, "options": options}
    chosen = _completed(data, stage, chunk, options)
    if chosen:
        element["initial_options"] = chosen
    label = "Checklist" if number == 0 else f"Checklist ({number + 1})"
    return {
        "type": "input",
        "block_id": f"checklist_{number}",
        "label": plain(label),
        "optional": True,
        "element": element,
    }


def step_input(step: Step, index: int, state: StepState | None, currency: str) -> Block:
    block_id, label = f"step_{index}", step.name
    value = state.value if state else ""
    match step.type:
        case "date":
            try:
                initial = date.fromisoformat(value) if value else None
            except ValueError:
                initial = None
            return _date_input(block_id, label, initial=initial)
        case "choice":
            return _select_input(block_id, label, [(o, o) for o in step.options], initial=value)
        case "user":
            element: dict[str, Any] = {"type": "users_select", "action_id": INPUT_ACTION}
            if value.isalnum():
                element["initial_user"] = value
            return {
                "type": "input",
                "block_id": block_id,
                "label": plain(label, 2000),
                "optional": True,
                "element": element,
            }
        case "amount":
            return _text_input(
                block_id,
                label,
                initial=value.removesuffix(currency).strip(),
                max_length=30,
                placeholder="e.g. 25,000.00",
            )
        case "number":
            return _text_input(block_id, label, initial=value, max_length=30, placeholder="e.g. 12")
        case "text":
            return _text_input(block_id, label, initial=value, multiline=True, max_length=2000)
        case _:
            return _text_input(block_id, label, initial=value)


def product_option(item: PricedProduct) -> dict[str, Any]:
    """`Café S-100 — 1,299.00 EUR / unit`."""
    text = f"{item.product.name} — {revenue.format_money(item.price, item.currency)} / {item.product.unit}"
    return option(text, str(item.product.id))


def add_product_modal(
    ref: str, products: Sequence[PricedProduct], *, price_list: str, currency: str, total: int
) -> dict[str, Any]:
    if total <= STATIC_SELECT_MAX:
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": INPUT_ACTION,
            "placeholder": plain("Choose a product", 150),
            "options": [product_option(item) for item in products[:STATIC_SELECT_MAX]],
        }
    else:
        element = {
            "type": "external_select",
            "action_id": OPP_PRODUCT_SEARCH,
            "min_query_length": 1,
            "placeholder": plain("Type to search products", 150),
        }
    blocks = [
        {"type": "input", "block_id": "product", "label": plain("Product"), "optional": False, "element": element},
        _text_input("quantity", "Quantity", initial="1", optional=False, max_length=20),
        _text_input("discount", "Discount", max_length=30, placeholder=f"Amount off this line, e.g. 100.00 {currency}"),
        context(
            f"Prices from the *{escape(price_list)}* price list ({currency}). "
            "Line amount = quantity × price − discount."
        ),
    ]
    return modal("Add product", blocks, callback_id=VIEW_OPP_ADD_PRODUCT, submit="Add", metadata=metadata(ref))


def close_won_modal(data: OpportunityData, today: date) -> dict[str, Any]:
    opp = data.opportunity
    initial = f"{opp.estimated_revenue:,.2f}" if opp.estimated_revenue is not None else ""
    blocks = [
        _text_input(
            "actual_revenue",
            "Actual revenue",
            initial=initial,
            optional=False,
            max_length=30,
            placeholder=f"e.g. 2,598.00 ({opp.currency})",
        ),
        _date_input("close_date", "Close date", initial=today, optional=False),
    ]
    return modal("Close as won", blocks, callback_id=VIEW_OPP_CLOSE_WON, submit="Close", metadata=metadata(data.ref))


def close_lost_modal(
    data: OpportunityData, today: date, competitors: Sequence[str], reasons: Sequence[str] = LOST_REASONS
) -> dict[str, Any]:
    hint = ("Known: " + ", ".join(competitors[:5])) if competitors else "The competitor that won, if any"
    blocks = [
        _select_input("reason", "Reason", [(r, r) for r in reasons][:100], optional=False),
        _text_input("competitor", "Competitor", placeholder=hint[:150]),
        _text_input("description", "Description", multiline=True, max_length=2000),
    ]
    return modal(
        "Close as lost",
        blocks,
        callback_id=VIEW_OPP_CLOSE_LOST,
        submit="Close",
        metadata=metadata(data.ref, today=today.isoformat()),
    )


def literature_modal(ref: str, items: Sequence[Literature], covered: set[int]) -> dict[str, Any]:
    blocks: list[Block] = [
        section(
            "Pick what to send; items covering this opportunity's products come first. "
            "I'll DM you the files and links to forward."
        )
    ]
    for number, start in enumerate(range(0, min(len(items), 50), CHECKBOXES_MAX)):
        options = []
        for item in items[start : start + CHECKBOXES_MAX]:
            entry = option(item.title, str(item.id))
            hint = "Fits this opportunity's products" if item.id in covered else item.description
            if hint:
                entry["description"] = plain(hint, 75)
            options.append(entry)
        label = "Literature" if number == 0 else f"More literature ({number + 1})"
        blocks.append(
            {
                "type": "input",
                "block_id": f"literature_{number}",
                "label": plain(label),
                "optional": True,
                "element": {"type": "checkboxes", "action_id": INPUT_ACTION, "options": options},
            }
        )
    return modal("Send literature", blocks, callback_id=VIEW_OPP_LITERATURE, submit="Send", metadata=metadata(ref))


def attach_modal(data: OpportunityData) -> dict[str, Any]:
    steps = [(s.name, f"{stage.name}: {s.name}") for stage in data.process.stages for s in stage.steps if s.is_checkbox]
    blocks: list[Block] = [
        _text_input("title", "Title", placeholder="e.g. Proposal v2"),
        _text_input("url", "Link", max_length=3000, placeholder="https://…"),
        {
            "type": "input",
            "block_id": "file",
            "label": plain("File"),
            "optional": True,
            "element": {"type": "file_input", "action_id": INPUT_ACTION, "max_files": 1},
        },
    ]
    if steps:
        blocks.append(_select_input("step", "For step", steps[:100]))
    blocks.append(context("Give a link or upload a file. Attaching it to a step (e.g. Develop proposal) ticks it."))
    return modal("Attach file", blocks, callback_id=VIEW_OPP_ATTACH, submit="Attach", metadata=metadata(data.ref))
