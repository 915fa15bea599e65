"""Small Block Kit helpers that keep Slack's limits (text lengths, elements per block)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.text import shorten
from bot.views.markup import escape as escape

Block = dict[str, Any]

SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
HEADER_MAX = 150
TITLE_MAX = 24
ACTIONS_PER_BLOCK = 25


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": shorten(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": shorten(text, limit) or " "}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def section(text: str, *, accessory: dict[str, Any] | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def open_line(line: str, action_id: str, value: str) -> Block:
    """A list's line and its `Open` button: `section(line, accessory=button("Open", ...))` in one literal
    (20 per `/lead list`, 40 per `/opp list`, where the helpers' calls were a tenth of the ack's CPU).
    `line` is mrkdwn with the user's text already escaped."""
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": shorten(line, SECTION_TEXT_MAX)},
        "accessory": {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open", "emoji": True},
            "action_id": action_id,
            "value": value,
        },
    }


def fields(pairs: Sequence[tuple[str, str]]) -> list[Block]:
    """Label/value pairs as section fields, ten per section (Slack's limit)."""
    items = [mrkdwn(f"*{label}*\n{value}", FIELD_TEXT_MAX) for label, value in pairs]
    return [{"type": "section", "fields": items[i : i + 10]} for i in range(0, len(items), 10)]


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(text)]}


def divider() -> Block:
    return {"type": "divider"}


def button(label: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(label, BUTTON_TEXT_MAX),
        "action_id": action_id,
    }
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def actions(elements: Sequence[dict[str, Any]], *, block_id: str | None = None, per_block: int = 5) -> list[Block]:
    """Buttons in rows of `per_block` (Slack shows at most ~5 per row legibly; hard limit 25)."""
    rows = []
    for index in range(0, len(elements), per_block):
        row: Block = {"type": "actions", "elements": list(elements[index : index + per_block])}
        if block_id:
            row["block_id"] = f"{block_id}_{index // per_block}"
        rows.append(row)
    return rows


def option(text: str, value: str | None = None) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_MAX), "value": (value or text)[:150]}


def modal(
    title: str, blocks: list[Block], *, callback_id: str, submit: str | None = None, metadata: str = ""
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, TITLE_MAX),
        "close": plain("Cancel", TITLE_MAX),
        "blocks": blocks,
    }
    if submit:
        view["submit"] = plain(submit, TITLE_MAX)
    if metadata:
        view["private_metadata"] = metadata
    return view
