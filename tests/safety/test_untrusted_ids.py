"""Ids that come back from Slack (button values, block ids, private_metadata) are untrusted input:
out-of-range or garbled ones answer "That record no longer exists…", never an exception in the background."""

from __future__ import annotations

import copy
import logging

import pytest

from bot.ids import decode_ref, parse_id
from bot.messages import LEAD_NOT_FOUND, RECORD_NOT_FOUND
from tests.conftest import RunningBot
from tests.handlers.test_lead_flow import create_lead
from tests.slack.fake_slack import Message

HUGE = "9" * 25
BAD_VALUES = [
    f"lead:{HUGE}",
    f"opportunity:{HUGE}",
    "lead:9223372036854775808",  # one past the largest 64-bit id
    "lead:-1",
    "lead:١٢",  # Arabic-Indic digits: str.isdigit() says yes
    "lead:1.5",
    "lead:",
    "lead:1e9",
    "lead:" + "9" * 3000,
    "quote:1",
]


def _card(bot: RunningBot) -> Message:
    create_lead(bot)
    return bot.slack.wait_for("chat.postMessage") and bot.slack.last_message()


def _with_values(message: Message, value: str) -> Message:
    forged = copy.deepcopy(message)
    for block in forged.blocks:
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                element["value"] = value
    return forged


def test_parse_id_keeps_ids_inside_the_databases_integer_range() -> None:
    assert parse_id("12") == 12
    assert parse_id(str(2**63 - 1)) == 2**63 - 1
    for bad in (HUGE, str(2**63), "", "-3", "١٢", "1 ", "0x10", "3.5"):
        assert parse_id(bad) is None
    for bad in BAD_VALUES:
        with pytest.raises(ValueError):
            decode_ref(bad)


@pytest.mark.parametrize("label", ["Log call", "Timeline", "Qualify", "Edit", "Share"])
def test_button_with_an_oversized_record_id_answers_not_found(
    bot: RunningBot, label: str, caplog: pytest.LogCaptureFixture
) -> None:
    card = _card(bot)
    caplog.set_level(logging.ERROR)
    before = len(bot.slack.calls)
    response = bot.user().click(label, _with_values(card, f"lead:{HUGE}"))
    assert response.status == 200
    answers = [c for c in bot.slack.calls[before:] if c.method in ("response_url", "chat.postEphemeral")]
    gone = LEAD_NOT_FOUND if label in ("Qualify", "Edit") else RECORD_NOT_FOUND  # lead-only buttons say "lead"
    assert [c.args.get("text") for c in answers] == [gone]
    assert not [r for r in caplog.records if r.exc_info], "an exception reached the log"


@pytest.mark.parametrize("value", BAD_VALUES)
def test_garbled_record_values_answer_not_found(bot: RunningBot, value: str) -> None:
    card = _card(bot)
    before = len(bot.slack.calls)
    assert bot.user().click("Add note", _with_values(card, value)).status == 200
    answers = [c for c in bot.slack.calls[before:] if c.method in ("response_url", "chat.postEphemeral")]
    assert [c.args.get("text") for c in answers] == [RECORD_NOT_FOUND]
    assert "views.open" not in [c.method for c in bot.slack.calls[before:]]


FORGED_ACTIONS = [
    ("task_done", HUGE),
    ("task_snooze", f"task:{HUGE}"),
    ("appointment_done", HUGE),
    ("reminder_snooze", "-1"),
    ("assistant_open", f"opportunity:{HUGE}"),
    ("timeline_page", f"lead:{HUGE}|{HUGE}"),
    ("timeline_page", "lead:1|-5"),
    ("sequence_edit", HUGE),
    ("pipeline_stage", f"{HUGE}|x|y"),
    ("pipeline_page", "garbage"),
    ("opp_view_stage", f"opportunity:{HUGE}|{HUGE}"),
    ("opp_tick_1", "x"),
]


@pytest.mark.parametrize("action_id,value", FORGED_ACTIONS)
def test_forged_button_values_are_answered_without_an_exception(
    bot: RunningBot, action_id: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    user = bot.user()
    action = {"action_id": action_id, "block_id": f"opp_steps:{HUGE}:0:1", "value": value, "type": "button",
              "selected_option": {"value": value}, "selected_options": [{"value": value}]}  # fmt: skip
    payload = {
        "type": "block_actions", "user": user._user(), "team": user._team(), "api_app_id": "A1", "token": "t",
        "trigger_id": "1.1.trigger", "actions": [action], "response_url": bot.slack.response_url(),
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "C1", "is_ephemeral": True},
        "channel": {"id": "C1", "name": "sales"},
    }  # fmt: skip
    response = bot.driver.post_payload(payload)
    assert response.status == 200
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
