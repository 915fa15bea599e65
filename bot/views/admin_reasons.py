"""`/salesbot admin` → `Lost and disqualify reasons`: each reason with `Rename` / `Retire` (a retired
one: `Rename` / `Offer again`), `Add reason`, and the modals that name one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.ids import BLOCK_ADMIN_REASON_TOOLS, VIEW_ADMIN_REASONS
from bot.services.reasons import DISQUALIFY, KIND_LABELS, LOST, NAME_MAX, ReasonRow
from bot.views.blocks import Block, actions, button, context, escape, header, modal, option, section
from bot.views.inputs import labelled, radios, text_input

ADMIN_REASON_ROW = "admin_reason_row"  # + _N: one overflow per row
ADMIN_REASON_ADD = "admin_reason_add"
VIEW_REASON_ADD = "admin_reason_add_modal"
VIEW_REASON_RENAME = "admin_reason_rename_modal"
KIND_CHOICES = {"Lost reason": LOST, "Disqualify reason": DISQUALIFY}
ROWS_SHOWN = 40


def reasons_modal(lost: Sequence[ReasonRow], disqualify: Sequence[ReasonRow]) -> dict[str, Any]:
    blocks: list[Block] = []
    for title, rows in (("Lost reasons", lost), ("Disqualify reasons", disqualify)):
        blocks.append(header(title))
        for row in rows[:ROWS_SHOWN]:
            text = f"~{escape(row.name)}~ _retired_" if row.retired else escape(row.name)
            blocks.append(section(text, accessory=_row_menu(row, len(blocks))))
    blocks.append(context("Records keep the reason they were given; a retired reason is no longer offered."))
    blocks.extend(actions([button("Add reason", ADMIN_REASON_ADD)], block_id=BLOCK_ADMIN_REASON_TOOLS))
    return modal("Reasons", blocks[:100], callback_id=VIEW_ADMIN_REASONS)


def _row_menu(row: ReasonRow, number: int) -> dict[str, Any]:
    last = option("Offer again", f"restore:{row.id}") if row.retired else option("Retire", f"retire:{row.id}")
    return {
        "type": "overflow",
        "action_id": f"{ADMIN_REASON_ROW}_{number}",
        "options": [option("Rename", f"rename:{row.id}"), last],
    }


def parse_row_value(value: str) -> tuple[str, int] | None:
    """`retire:12` -> ("retire", 12); None for anything else (untrusted input)."""
    verb, _, raw_id = (value or "").partition(":")
    if verb not in ("rename", "retire", "restore") or not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19):
        return None
    return verb, int(raw_id)


def add_reason_modal(parent_view_id: str) -> dict[str, Any]:
    blocks = [
        labelled("kind", "Kind", radios(tuple(KIND_CHOICES), initial="Lost reason")),
        labelled("name", "Name", text_input(max_length=NAME_MAX, placeholder="e.g. No budget")),
    ]
    metadata = json.dumps({"parent": parent_view_id})
    return modal("Add reason", blocks, callback_id=VIEW_REASON_ADD, submit="Add", metadata=metadata)


def rename_reason_modal(parent_view_id: str, row: ReasonRow, kind: str) -> dict[str, Any]:
    blocks = [
        context(f"{KIND_LABELS[kind]} · records that have “{escape(row.name)}” keep it."),
        labelled("name", "Name", text_input(max_length=NAME_MAX, initial=row.name)),
    ]
    metadata = json.dumps({"parent": parent_view_id, "reason": row.id})
    return modal("Rename reason", blocks, callback_id=VIEW_REASON_RENAME, submit="Rename", metadata=metadata)
