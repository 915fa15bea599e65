"""Modal input blocks built from field specs (one element per input block, action_id `value`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.leads import FieldSpec
from bot.domain.text import visible
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


class ModalState:
    """The one reader of a submitted modal's `view.state.values`, by block id, whatever the element."""

    def __init__(self, view: Mapping[str, Any]) -> None:
        self.values: dict[str, dict[str, Any]] = {}
        for block_id, elements in ((view.get("state") or {}).get("values") or {}).items():
            self.values[block_id] = (
                (elements.get(INPUT_ACTION) or next(iter(elements.values()), {})) if elements else {}
            )

    def value(self, block_id: str) -> Any:
        """Text for text inputs and single selects, lists for multi-selects and checkboxes, a unix
        time for the datetime picker."""
        return _element_value(self.values.get(block_id, {}))

    def all(self) -> dict[str, Any]:
        return {block_id: _element_value(element) for block_id, element in self.values.items()}

    def text(self, block_id: str) -> str:
        return typed(self.values.get(block_id, {}).get("value") or "")

    def selected(self, block_id: str) -> str:
        return ((self.values.get(block_id, {}).get("selected_option") or {}).get("value") or "").strip()

    def checked(self, block_id: str) -> list[str]:
        return [o.get("value", "") for o in self.values.get(block_id, {}).get("selected_options") or []]

    def date(self, block_id: str) -> str:
        return self.values.get(block_id, {}).get("selected_date") or ""

    def user(self, block_id: str) -> str:
        return self.values.get(block_id, {}).get("selected_user") or ""

    def files(self, block_id: str) -> list[dict[str, Any]]:
        return list(self.values.get(block_id, {}).get("files") or [])

    def raw(self, block_id: str) -> dict[str, Any]:
        return self.values.get(block_id, {})


def submitted_values(state: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten `view.state.values` to {block_id: value} (see ModalState.value)."""
    return ModalState({"state": state}).all()


def _element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons", "external_select"):
        return (element.get("selected_option") or {}).get("value") or ""
    if kind == "multi_static_select":
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "checkboxes":
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "multi_users_select":
        return list(element.get("selected_users") or [])
    if kind == "users_select":
        return element.get("selected_user") or ""
    if kind == "conversations_select":
        return element.get("selected_conversation") or ""
    if kind == "channels_select":
        return element.get("selected_channel") or ""
    if kind == "datetimepicker":
        return element.get("selected_date_time")
    if kind == "datepicker":
        return element.get("selected_date") or ""
    if kind == "file_input":
        return list(element.get("files") or [])
    value = element.get("value") or ""
    return typed(value) if isinstance(value, str) else value


def typed(value: str) -> str:
    """What a person typed, as stored: zero-width-only text counts as empty, and NUL characters (which
    a PostgreSQL text column refuses) are dropped."""
    return visible(value.replace("\x00", ""))


def labelled(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False,
             hint: str = "") -> Block:  # fmt: skip
    """An input block around one element (its action_id is forced to `value`)."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "optional": optional,
        "element": {**element, "action_id": INPUT_ACTION},
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def text_input(
    *, multiline: bool = False, max_length: int = 3000, initial: str = "", placeholder: str = ""
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def select(options: tuple[str, ...] | list[str], *, initial: str = "", placeholder: str = "Choose") -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "static_select",
        "placeholder": plain(placeholder, 150),
        "options": [option(choice) for choice in options][:100],
    }
    if initial in options:
        element["initial_option"] = option(initial)
    return element


def radios(options: tuple[str, ...], *, initial: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {"type": "radio_buttons", "options": [option(choice) for choice in options]}
    if initial in options:
        element["initial_option"] = option(initial)
    return element
