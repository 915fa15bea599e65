"""bot.fast_ack.FastAck answers exactly what Bolt's Ack answers (status, content type, the JSON value),
for every shape of answer a listener gives; only the encoding of the most common ones differs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_bolt import Ack, BoltResponse
from slack_sdk.models.blocks import DividerBlock, SectionBlock
from slack_sdk.models.views import View

from bot.fast_ack import FastAck

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": '*Müller* · 株式会社 <ok> "q" \ud800'}}]
VIEW = {"type": "modal", "callback_id": "v", "title": {"type": "plain_text", "text": "Ä"}, "blocks": BLOCKS}

CALLS: list[dict[str, Any]] = [
    {},
    {"text": "plain"},
    {"text": "ephemeral", "response_type": "ephemeral"},
    {"text": "Your deals", "blocks": BLOCKS, "response_type": "ephemeral"},
    {"text": "", "blocks": BLOCKS},
    {"text": "objects", "blocks": [SectionBlock(text="hi"), DividerBlock()]},
    {"text": "dicts and objects", "blocks": [*BLOCKS, DividerBlock()]},
    {"text": "a tuple of dicts", "blocks": tuple(BLOCKS)},
    {"text": "empty blocks", "blocks": []},
    {"text": "with attachments", "attachments": [{"text": "a"}]},
    {"text": "unfurl", "blocks": BLOCKS, "unfurl_links": False},
    {"options": [{"text": {"type": "plain_text", "text": "o"}, "value": "1"}]},
    {"option_groups": []},
    {"response_action": "errors", "errors": {"block": "Ünknown"}},
    {"response_action": "update", "view": VIEW},
    {"response_action": "update", "view": View(type="modal", title="t", blocks=[DividerBlock()])},
    {"response_action": "push", "view": VIEW},
    {"response_action": "clear"},
    {"errors": [{"name": "f", "error": "dialog"}]},
    {"text": {"text": "whole", "blocks": BLOCKS}},
]


def answered(ack: Ack, call: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    response: BoltResponse = ack(**call)
    assert ack.response is response
    value = json.loads(response.body) if response.body.startswith("{") else response.body
    return response.status, value, response.first_headers()


@pytest.mark.parametrize("call", CALLS, ids=[str(n) for n in range(len(CALLS))])
def test_fast_ack_answers_as_bolts_ack(call: dict[str, Any]) -> None:
    assert answered(FastAck(), call) == answered(Ack(), dict(call))


def test_the_common_answers_are_encoded_by_orjson() -> None:
    """Compact, non-ASCII as is: the standard library escapes it (and costs ~10× more for a long list)."""
    response = FastAck()(text="Ü", blocks=[{"type": "divider"}], response_type="ephemeral")
    assert response.body == '{"text":"Ü","response_type":"ephemeral","blocks":[{"type":"divider"}]}'


def test_errors_without_errors_is_bolts_value_error() -> None:
    for ack in (Ack(), FastAck()):
        with pytest.raises(ValueError, match="errors field is required"):
            ack(response_action="errors")
