"""Junk at /slack/events: unsigned is refused (401) before anything parses it; signed but malformed is a
400 with one log line; never a 5xx, never a traceback."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest

from tests.conftest import RunningBot

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

MALFORMED = [
    ("payload={not json", FORM),
    ("payload=" + quote("[1,2,3]"), FORM),
    ("payload=" + quote('{"type": "block_actions", "actions": [{"action_id"'), FORM),
    ("payload=null", FORM),
    ("payload=" + quote('"a string"'), FORM),
    ("payload=" + quote("{}"), FORM),
    ("payload=" + quote('{"type": 5}'), FORM),
    ("payload=" + quote('{"type": "block_actions", "actions": "nope", "user": 3}'), FORM),
    ("payload=" + quote('{"type": "view_submission", "view": null}'), FORM),
    ("payload=" + quote('{"type": "block_actions", "actions": [null]}'), FORM),
    ("{not json", JSON),
    ("[1,2,3]", JSON),
    ("null", JSON),
    ('{"type": "event_callback", "event": "x"}', JSON),
    ("\xff\xfe", FORM),
    ("", FORM),
]


@pytest.mark.parametrize("body,content_type", MALFORMED)
def test_unsigned_junk_is_refused_before_parsing(bot: RunningBot, body: str, content_type: str) -> None:
    before = len(bot.slack.calls)
    response = bot.driver.post(body, content_type=content_type, signature="v0=" + "0" * 64)
    assert response.status == 401
    assert bot.slack.calls[before:] == []


@pytest.mark.parametrize("body,content_type", MALFORMED)
def test_signed_junk_gets_a_400_and_one_log_line(
    bot: RunningBot, body: str, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = len(bot.slack.calls)
    response = bot.driver.post(body, content_type=content_type)
    assert response.status == 400
    assert "Traceback" not in response.body
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    refused = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert len(refused) == 1
    assert bot.slack.calls[before:] == []
