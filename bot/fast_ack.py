"""Bolt's `ack`, with the answers listeners give most encoded by orjson (bot.fastjson).

Bolt's Ack builds the answer's dict and BoltResponse encodes it with the standard library's json.dumps
(ASCII escapes, circular-reference checks): for the 20-50 lines of an `/opp list` answer that was a
sixth of a worker's CPU (py-spy, docs/performance.md "Shared ack plumbing"). The app puts a `FastAck`
in every request's context (bot.app.SalesApp._init_context), so every listener's `ack(...)` gets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, BoltResponse
from slack_bolt.util.utils import convert_to_dict, convert_to_dict_list

from bot import fastjson


class FastAck(Ack):
    """A message (text with blocks, response_type) and a modal's answer (response_action with errors
    or a view) are built as Bolt builds them (slack_bolt.context.ack.internals._set_response) and
    encoded with orjson; any other answer is Bolt's own."""

    def __call__(  # type: ignore[override]  # the same parameters, Bolt's defaults
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        attachments: Sequence[Any] | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        response_type: str | None = None,
        options: Sequence[Any] | None = None,
        option_groups: Sequence[Any] | None = None,
        response_action: str | None = None,
        errors: dict[str, str] | None = None,
        view: Any = None,
    ) -> BoltResponse:
        others = (attachments, unfurl_links, unfurl_media, options, option_groups)
        body = None
        if isinstance(text, str) and all(other is None for other in others):
            body = _message(text, blocks, response_type) if blocks else _modal_answer(response_action, errors, view)
        if body is None:
            return super().__call__(
                text, blocks, attachments, unfurl_links, unfurl_media, response_type, options, option_groups,
                response_action, errors, view,
            )  # fmt: skip
        self.response = BoltResponse(status=200, body=fastjson.dumps(body))
        return self.response


def _message(text: str, blocks: Sequence[Any], response_type: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text}
    if response_type:
        body["response_type"] = response_type
    # Our views build dicts: convert_to_dict_list's call per block is for Block Kit objects.
    body["blocks"] = blocks if all(type(block) is dict for block in blocks) else convert_to_dict_list(blocks)
    return body


def _modal_answer(response_action: str | None, errors: dict[str, str] | None, view: Any) -> dict[str, Any] | None:
    """None for what Bolt answers otherwise (no response_action; "errors" without errors: its ValueError)."""
    if not response_action or (response_action == "errors" and not errors):
        return None
    if response_action == "errors":
        return {"response_action": response_action, "errors": convert_to_dict(errors)}  # type: ignore[arg-type]
    body: dict[str, Any] = {"response_action": response_action}
    if view:
        body["view"] = convert_to_dict(view)
    return body
