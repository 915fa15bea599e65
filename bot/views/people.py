"""Stakeholder and competitor rows on lead and opportunity cards (each with an `Edit` / `Remove`
overflow; at most ROWS_SHOWN of each, then "+N more"), and the modals that edit one row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.domain.activities import STAKEHOLDER_ROLES
from bot.domain.text import shorten
from bot.ids import PERSON_ROW, VIEW_EDIT_COMPETITOR, VIEW_EDIT_STAKEHOLDER
from bot.views.blocks import Block, context, escape, modal, option, section
from bot.views.inputs import labelled, select, text_input
from store.models import Competitor, Stakeholder

ROWS_SHOWN = 5


@dataclass(frozen=True)
class CardPeople:
    stakeholders: Sequence[Stakeholder] = field(default_factory=list)
    competitors: Sequence[Competitor] = field(default_factory=list)
    contact: tuple[int, str] | None = None  # an opportunity's own contact (id, name), unless a stakeholder row links it


def stakeholder_text(row: Stakeholder) -> str:
    who = f"<@{row.slack_user_id}>" if row.slack_user_id else escape(row.name)
    if row.slack_user_id and row.name:
        who += f" ({escape(row.name)})"
    contact = " · _contact_" if row.contact_id else ""
    return f"{who}{contact} — {escape(row.role)}"


def competitor_text(row: Competitor) -> str:
    parts = [f"*{escape(row.name)}*"]
    if row.strengths:
        parts.append("strengths: " + escape(shorten(row.strengths, 150)))
    if row.weaknesses:
        parts.append("weaknesses: " + escape(shorten(row.weaknesses, 150)))
    return " · ".join(parts)


def people_blocks(people: CardPeople | None, *, budget: int = 14) -> list[Block]:
    """The card's `Stakeholders` and `Competitors` rows, in at most `budget` blocks (a message holds 50)."""
    if people is None or budget < 4:
        return []
    blocks: list[Block] = []
    shown = min(ROWS_SHOWN, (budget - 4) // 2) if budget < 14 else ROWS_SHOWN
    own = [] if people.contact is None else [(people.contact[0], f"{escape(people.contact[1])} · _contact_", True)]
    groups = (
        ("Stakeholders", "stakeholder",
         own + [(r.id or 0, stakeholder_text(r), bool(r.contact_id)) for r in people.stakeholders]),
        ("Competitors", "competitor", [(r.id or 0, competitor_text(r), False) for r in people.competitors]),
    )  # fmt: skip
    for title, kind, rows in groups:
        if not rows:
            continue
        blocks.append(context(f"*{title}*"))
        for index, (row_id, text, linked) in enumerate(rows[:shown]):
            if own and kind == "stakeholder" and index == 0:
                menu = _contact_menu(row_id, len(blocks))
            else:
                menu = _row_menu(kind, row_id, len(blocks), contact=linked)
            blocks.append(section(text, accessory=menu))
        if len(rows) > shown:
            blocks.append(context(f"+{len(rows) - shown} more"))
    return blocks


def _row_menu(kind: str, row_id: int, number: int, *, contact: bool = False) -> dict[str, Any]:
    options = [option("Edit", f"{kind}:edit:{row_id}"), option("Remove", f"{kind}:remove:{row_id}")]
    if contact:  # the account's contact this stakeholder is: its card has `Delete`
        options.append(option("Open contact", f"{kind}:contact:{row_id}"))
    return {"type": "overflow", "action_id": f"{PERSON_ROW}_{number}", "options": options}


def _contact_menu(contact_id: int, number: int) -> dict[str, Any]:
    """The opportunity's own contact: not a stakeholder row, so only its card opens from here."""
    options = [option("Open contact", f"contact:open:{contact_id}")]
    return {"type": "overflow", "action_id": f"{PERSON_ROW}_{number}", "options": options}


def parse_row_value(value: str) -> tuple[str, str, int] | None:
    """`stakeholder:edit:12` -> ("stakeholder", "edit", 12); None for anything else (untrusted input)."""
    kind, _, rest = value.partition(":")
    verb, _, raw_id = rest.partition(":")
    allowed = {"stakeholder": ("edit", "remove", "contact"), "competitor": ("edit", "remove"), "contact": ("open",)}
    if verb not in allowed.get(kind, ()):
        return None
    if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19):
        return None
    return kind, verb, int(raw_id)


@dataclass(frozen=True)
class RowContext:
    """private_metadata of a row's edit modal: the record, the row, and the card to refresh."""

    ref: str
    row_id: int
    channel: str = ""
    ts: str = ""
    response_url: str = ""

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))[:3000]

    @staticmethod
    def decode(text: str) -> RowContext | None:
        try:
            data = json.loads(text or "{}")
            return RowContext(
                ref=str(data["ref"]),
                row_id=int(data["row_id"]),
                channel=str(data.get("channel", "")),
                ts=str(data.get("ts", "")),
                response_url=str(data.get("response_url", "")),
            )
        except (ValueError, TypeError, KeyError):
            return None


def edit_stakeholder_modal(ctx: RowContext, row: Stakeholder) -> dict[str, Any]:
    person: dict[str, Any] = {"type": "users_select", "placeholder": {"type": "plain_text", "text": "A Slack user"}}
    if row.slack_user_id:
        person["initial_user"] = row.slack_user_id
    blocks = [
        labelled("person", "Person", person, optional=True),
        labelled("name", "Name", text_input(max_length=200, initial=row.name), optional=True),
        labelled("role", "Role", select(STAKEHOLDER_ROLES, initial=row.role)),
    ]
    return modal("Edit stakeholder", blocks, callback_id=VIEW_EDIT_STAKEHOLDER, submit="Save", metadata=ctx.encode())


def edit_competitor_modal(ctx: RowContext, row: Competitor) -> dict[str, Any]:
    blocks = [
        labelled("name", "Name", text_input(max_length=200, initial=row.name)),
        labelled(
            "strengths", "Strengths", text_input(multiline=True, max_length=2000, initial=row.strengths), optional=True
        ),  # fmt: skip
        labelled(
            "weaknesses",
            "Weaknesses",
            text_input(multiline=True, max_length=2000, initial=row.weaknesses),
            optional=True,
        ),  # fmt: skip
    ]
    return modal("Edit competitor", blocks, callback_id=VIEW_EDIT_COMPETITOR, submit="Save", metadata=ctx.encode())
