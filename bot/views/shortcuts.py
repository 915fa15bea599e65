"""Modals of the message shortcuts: prefilled New lead, and Log message to…"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.ids import VIEW_LOG_MESSAGE, VIEW_NOTICE, RecordRef
from bot.views.blocks import Block, context, escape, modal, option, plain, section
from bot.views.inputs import labelled
from store.records import RecordTitle

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_MENTION = re.compile(r"<[@#!][^>]*>")


def lead_prefill(text: str, author_name: str) -> dict[str, str]:
    """New lead fields guessed from a message: its first line as topic, its author, an email in it."""
    plain_text = _MENTION.sub("", text).strip()
    first_line = next((line.strip() for line in plain_text.splitlines() if line.strip()), "")
    first, _, last = author_name.strip().rpartition(" ") if " " in author_name.strip() else ("", "", author_name)
    prefill = {"topic": first_line[:120], "description": plain_text[:3000], "first_name": first, "last_name": last}
    if email := _EMAIL.search(plain_text):
        prefill["email"] = email.group(0)
    return {key: value for key, value in prefill.items() if value}


def log_message_modal(
    leads: Sequence[RecordTitle], opportunities: Sequence[RecordTitle], *, metadata: str, excerpt: str
) -> dict[str, Any]:
    groups = []
    for label, records in (("Leads", leads), ("Opportunities", opportunities)):
        options = [option(_record_label(r), RecordRef(r.record_type, r.id).encode()) for r in records]
        if options:
            groups.append({"label": plain(label, 75), "options": options[:50]})
    blocks: list[Block] = [context(f"> {escape(excerpt[:280])}")]
    if not groups:
        blocks.append(section("You have no lead or opportunity to log it to yet. Create one with `/lead`."))
        return modal("Log message to…", blocks, callback_id=VIEW_NOTICE)
    select = {"type": "static_select", "placeholder": plain("Pick a lead or opportunity", 150), "option_groups": groups}
    blocks.append(labelled("record", "Record", select))
    return modal("Log message to…", blocks, callback_id=VIEW_LOG_MESSAGE, submit="Log", metadata=metadata)


def _record_label(record: RecordTitle) -> str:
    return f"{record.topic} — {record.extra}" if record.extra else record.topic
