"""Modal input blocks built from field specs (one element per input block, action_id `value`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.leads import FieldSpec
from bot.ids import INPUT_ACTION
from bot.views.blocks import Block, option, plain


def input_block(spec: FieldSpec, *, initial: str = "", optional: bool = True) -> Block:
    return {
        "type": "input",
        "block_id": spec.key,
        "label": plain(spec.label, 2000),
        "optional": optional,
        "element": _element(spec, initial),
    }


def _element(spec: FieldSpec, initial: str) -> dict[str, Any]:
    element: dict[str, Any]
    if spec.kind == "select":
        element = {
            "type": "static_select",
            "action_id": INPUT_ACTION,
            "placeholder": plain(f"Choose {spec.label.lower()}", 150),
            "options": [option(choice) for choice in spec.options],
        }
        if initial in spec.options:
            element["initial_option"] = option(initial)
        return element
    element = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "multiline": spec.kind == "long_text",
        "max_length": spec.max_length,
    }
    if spec.placeholder:
        element["placeholder"] = plain(spec.placeholder, 150)
    if initial:
        element["initial_value"] = initial[: spec.max_length]
    return element


def submitted_values(state: Mapping[str, Any]) -> dict[str, str]:
    """Flatten `view.state.values` to {block_id: text} for text inputs and static selects."""
    values: dict[str, str] = {}
    for block_id, elements in state.get("values", {}).items():
        element: dict[str, Any] = elements.get(INPUT_ACTION) or next(iter(elements.values()), {})
        if element.get("type") == "static_select":
            selected = element.get("selected_option") or {}
            values[block_id] = selected.get("value") or ""
        else:
            values[block_id] = element.get("value") or ""
    return values
