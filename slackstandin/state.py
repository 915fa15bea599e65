"""What a person entered in a Block Kit element, as Slack reports it in `state.values` and in
`block_actions`: the browser sends plain values, this shapes them per element type."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

TEXT_INPUTS = ("plain_text_input", "number_input", "email_text_input", "url_text_input", "rich_text_input")
SINGLE_OPTION = ("static_select", "radio_buttons", "overflow")
MANY_OPTIONS = ("multi_static_select", "checkboxes")


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    groups = element.get("option_groups") or []
    return list(element.get("options") or []) + [o for g in groups for o in g.get("options", [])]


def _option(element: dict[str, Any], value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):  # an external select's option, as the app's options listener gave it
        return value
    return next((o for o in options_of(element) if o.get("value") == value), None)


def element_state(element: dict[str, Any], raw: dict[str, Any], tz: str) -> dict[str, Any]:
    kind = element.get("type", "")
    state: dict[str, Any] = {"type": kind}
    if kind in TEXT_INPUTS:
        state["value"] = raw.get("value") or None
    elif kind in SINGLE_OPTION or kind == "external_select":
        state["selected_option"] = _option(element, raw.get("option"))
    elif kind in MANY_OPTIONS or kind == "multi_external_select":
        chosen = [_option(element, value) for value in raw.get("options") or []]
        state["selected_options"] = [o for o in chosen if o]
    elif kind == "users_select":
        state["selected_user"] = raw.get("user") or None
    elif kind == "multi_users_select":
        state["selected_users"] = list(raw.get("users") or [])
    elif kind in ("conversations_select", "channels_select"):
        key = "selected_conversation" if kind == "conversations_select" else "selected_channel"
        state[key] = raw.get("conversation") or None
    elif kind in ("multi_conversations_select", "multi_channels_select"):
        key = "selected_conversations" if kind == "multi_conversations_select" else "selected_channels"
        state[key] = list(raw.get("conversations") or [])
    elif kind == "datepicker":
        state["selected_date"] = raw.get("date") or None
    elif kind == "timepicker":
        state["selected_time"] = raw.get("time") or None
        state["timezone"] = tz
    elif kind == "datetimepicker":
        state["selected_date_time"] = epoch(raw.get("datetime"), tz)
    elif kind == "file_input":
        state["files"] = []
    return state


def epoch(local: Any, tz: str) -> int | None:
    """`2026-12-06T14:30` on the person's own wall clock -> Unix seconds (Slack's datetimepicker value)."""
    if not local:
        return None
    try:
        return int(datetime.fromisoformat(str(local)).replace(tzinfo=ZoneInfo(tz)).timestamp())
    except ValueError:
        return None


def interactive(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every interactive element of `blocks`."""
    for block in blocks:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id"):
                yield block, element
        for key in ("accessory", "element"):
            element = block.get(key)
            if isinstance(element, dict) and element.get("type") not in (None, "image"):
                yield block, element


def find_element(blocks: list[dict[str, Any]], block_id: str, action_id: str) -> dict[str, Any] | None:
    for block, element in interactive(blocks):
        if block.get("block_id") == block_id and element.get("action_id") == action_id:
            return element
    return None


def view_state(blocks: list[dict[str, Any]], raw: dict[str, dict[str, Any]], tz: str) -> dict[str, Any]:
    """`state.values` of a view: every input block's element, from what the browser sent (by block id)."""
    values: dict[str, Any] = {}
    for block in blocks:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        block_id, action_id = block.get("block_id", ""), element.get("action_id", "")
        given = (raw.get(block_id) or {}).get(action_id) or {}
        values[block_id] = {action_id: element_state(element, given, tz)}
    return values


def action(block: dict[str, Any], element: dict[str, Any], raw: dict[str, Any], tz: str, action_ts: str) -> dict:
    """One entry of a block_actions payload's `actions`."""
    entry: dict[str, Any] = {
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id", ""),
        "type": element.get("type"),
        "action_ts": action_ts,
    }
    if element.get("type") == "button":
        entry.update(text=element.get("text"), value=element.get("value"))
        if element.get("style"):
            entry["style"] = element["style"]
        return entry
    entry.update({k: v for k, v in element_state(element, raw, tz).items() if k != "type"})
    return entry
