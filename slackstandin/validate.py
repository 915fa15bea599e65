"""Block Kit checks: slack_sdk.models validation plus the documented limits it does not check."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
CHECKBOX_OPTIONS_MAX = 10
MODAL_TITLE_MAX = 24


def validate_payload(method: str, args: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if isinstance(args.get("view"), dict):
        problems += validate_view(args["view"])
    if "blocks" in args and args["blocks"] is not None:
        problems += validate_message_blocks(args["blocks"])
    if method in ("chat.postMessage", "chat.update", "chat.postEphemeral") and not args.get("text"):
        problems.append("no top-level text (notifications and screen readers need it)")
    return problems


def validate_message_blocks(blocks: Any) -> list[str]:
    if not isinstance(blocks, list):
        return [f"blocks is not a list: {type(blocks).__name__}"]
    problems = [] if len(blocks) <= MESSAGE_BLOCKS_MAX else [f"{len(blocks)} blocks > {MESSAGE_BLOCKS_MAX}"]
    return problems + _validate_blocks(blocks)


def validate_view(view: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError, KeyError) as error:
        problems.append(f"view invalid: {error}")
    blocks = view.get("blocks") or []
    if len(blocks) > VIEW_BLOCKS_MAX:
        problems.append(f"{len(blocks)} blocks > {VIEW_BLOCKS_MAX} in a view")
    if view.get("type") == "modal":
        title = (view.get("title") or {}).get("text", "")
        if not 0 < len(title) <= MODAL_TITLE_MAX:
            problems.append(f"modal title {title!r} not 1-{MODAL_TITLE_MAX} characters")
        if any(b.get("type") == "input" for b in blocks) and not view.get("submit"):
            problems.append("modal with input blocks has no submit button")
    return problems + _validate_blocks(blocks)


def _validate_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    block_ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        problems.append(f"duplicate block_id in {block_ids}")
    for index, raw in enumerate(blocks):
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                problems.append(f"block {index}: unknown type {raw.get('type')!r}")
                continue
            parsed.to_dict()
        except (SlackObjectFormationError, TypeError, KeyError) as error:
            problems.append(f"block {index} ({raw.get('type')}): {error}")
        problems += [f"block {index}: {p}" for p in _limits(raw)]
    return problems


def _limits(block: dict[str, Any]) -> list[str]:
    problems = []
    if block.get("type") == "section":
        text = (block.get("text") or {}).get("text", "")
        if len(text) > SECTION_TEXT_MAX:
            problems.append(f"section text {len(text)} > {SECTION_TEXT_MAX}")
        problems += [
            f"section field {len(f.get('text', ''))} > {FIELD_TEXT_MAX}"
            for f in block.get("fields") or []
            if len(f.get("text", "")) > FIELD_TEXT_MAX
        ]
    for element in _elements(block):
        if element.get("type") == "button":
            label = (element.get("text") or {}).get("text", "")
            if len(label) > BUTTON_TEXT_MAX:
                problems.append(f"button text {len(label)} > {BUTTON_TEXT_MAX}")
        if element.get("type") == "checkboxes" and len(element.get("options", [])) > CHECKBOX_OPTIONS_MAX:
            problems.append(f"checkboxes with {len(element['options'])} options > {CHECKBOX_OPTIONS_MAX}")
        for opt in element.get("options") or []:
            if len((opt.get("text") or {}).get("text", "")) > OPTION_TEXT_MAX:
                problems.append(f"option text > {OPTION_TEXT_MAX}")
    return problems


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(block.get("elements") or [])
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            found.append(block[key])
    return [e for e in found if isinstance(e, dict)]
