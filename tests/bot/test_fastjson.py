"""bot.fastjson: orjson on the ack path, with the standard library's answer wherever orjson refuses what
json accepts, so the gate accepts and the acks carry exactly what they did with json alone."""

from __future__ import annotations

import json
import math

import pytest

from bot import fastjson
from tests.conftest import RunningBot
from tests.handlers.test_lead_flow import create_lead

VALUES = [
    {"text": 'Müller · Łódź 株式会社 \u2028 "quoted" <b>&amp;</b> \\ \n\t\x01', "n": [1, -2, 3.5, True, None]},
    [],
    {"nested": [{"a": {"b": ["é"]}}]},
]


@pytest.mark.parametrize("value", VALUES)
def test_dumps_decodes_to_the_same_value_as_json(value: object) -> None:
    text = fastjson.dumps(value)
    assert json.loads(text.encode("utf-8")) == value == fastjson.loads(text)


def test_what_orjson_refuses_to_encode_comes_out_as_json_would_write_it() -> None:
    value = {"lone": "a\ud800b", "big": 2**70}
    text = fastjson.dumps(value)
    assert text == json.dumps(value)
    assert json.loads(text.encode("utf-8")) == value  # a lone surrogate leaves escaped: still UTF-8


def test_what_orjson_refuses_to_decode_is_read_as_json_reads_it() -> None:
    text = '{"big": 123456789012345678901234567890, "lone": "\\ud800", "nan": NaN}'
    value = fastjson.loads(text)
    assert value["big"] == 123456789012345678901234567890 and value["lone"] == "\ud800"
    assert math.isnan(value["nan"])


@pytest.mark.parametrize("junk", ["{", "", "[1,]", "{'a': 1}", "\ud800"])
def test_junk_is_a_value_error(junk: str) -> None:
    with pytest.raises(ValueError):
        fastjson.loads(junk)


def test_a_payload_only_json_accepts_reaches_the_listeners(bot: RunningBot) -> None:
    """A number past 64 bits in a click's payload: orjson alone would make the gate answer 400."""
    payload = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "api_app_id": "A1",
               "actions": [{"action_id": "unknown_action", "value": "x"}], "trigger_id": "1.1",
               "container": {"type": "message"}, "big": 2**70}  # fmt: skip
    response = bot.driver.post_payload(payload)
    assert response.status != 400


def test_a_list_ack_is_utf8_json_with_the_leads_names(bot: RunningBot) -> None:
    create_lead(bot, **{"Topic": "Łódź 株式会社 \u2028 <b>"})
    response = bot.user().command("/lead", "list")
    assert response.status == 200
    assert "Łódź 株式会社 \u2028 &lt;b&gt;" in json.dumps(response.json, ensure_ascii=False)
