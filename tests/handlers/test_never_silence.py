"""Every failure reaches the user: refusals, expired triggers and response_urls, cards Slack refuses,
unexpected errors (logged with the listener's name). Each test fails without its fix."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from bot.messages import FORM_EXPIRED, GENERIC_ERROR, RECORD_NOT_FOUND
from store.db import transaction
from store.models import Activity, Lead
from tests.conftest import RunningBot
from tests.handlers.test_lead_flow import create_lead
from tests.slack.driver import blocks_text
from tests.slack.fake_slack import Message


def _card(bot: RunningBot) -> Message:
    create_lead(bot)
    return [m for m in bot.slack.messages() if m.channel == "DU1"][-1]


def _said(bot: RunningBot) -> list[str]:
    return [m.text + "\n" + blocks_text(m.blocks) for m in bot.slack.messages()]


def test_expired_trigger_on_slash_command_tells_the_user_to_try_again(bot: RunningBot) -> None:
    bot.slack.fail_next("views.open", error="expired_trigger_id")
    bot.user().command("/lead")
    answer = bot.slack.last_message()
    assert answer.text == FORM_EXPIRED and answer.ephemeral


def test_expired_trigger_on_a_card_button_tells_the_user_to_try_again(bot: RunningBot) -> None:
    card = _card(bot)
    bot.slack.fail_next("views.open", error="expired_trigger_id")
    bot.user().click("Log call", card)
    assert bot.slack.last_message().text == FORM_EXPIRED


def test_expired_response_url_falls_back_to_an_ephemeral_post(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    card = _card(bot)
    bot.slack.fail_next("response_url", status=404, error="expired_url")
    with caplog.at_level(logging.INFO, logger="salesbot.replies"):
        bot.user().click("Timeline", card)
    [failed] = [c for c in bot.slack.calls_to("response_url") if c.args.get("_failed")]
    [fallback] = bot.slack.calls_to("chat.postEphemeral")
    assert fallback.args["channel"] == "DU1" and fallback.args["user"] == "U1"
    assert fallback.args["text"].startswith("Timeline: ")
    assert "response_url answered 404" in caplog.text


def test_expired_response_url_and_refused_ephemeral_fall_back_to_a_dm(bot: RunningBot) -> None:
    card = _card(bot)
    bot.slack.fail_next("response_url", status=404, error="expired_url")
    bot.slack.fail_next("chat.postEphemeral", error="channel_not_found")
    before = len(bot.slack.calls_to("chat.postMessage"))
    bot.user().click("Timeline", card)
    dm = bot.slack.calls_to("chat.postMessage")[before:]
    assert [c.args["channel"] for c in dm] == ["DU1"] and dm[0].args["text"].startswith("Timeline: ")


def test_a_card_slack_refuses_after_the_modal_was_accepted_says_where_the_record_is(bot: RunningBot) -> None:
    bot.slack.fail_next("chat.postMessage", error="invalid_blocks")
    create_lead(bot, Topic="Grinders for Roma")
    with transaction(bot.deps.new_session) as session:
        assert len(session.exec(select(Lead)).all()) == 1
    note = bot.slack.last_message()
    assert note.channel in ("U1", "DU1")
    assert "Grinders for Roma" in note.text and "/lead Grinders for Roma" in note.text


def test_an_oversized_or_malformed_record_id_answers_record_not_found(bot: RunningBot) -> None:
    card = _card(bot)
    for bad in ("lead:" + "9" * 25, "lead:١٢", "lead:-1", "lead:"):
        blocks = [
            {**b, "elements": [{**e, "value": bad} for e in b.get("elements", [])]} if b.get("type") == "actions" else b
            for b in card.blocks
        ]
        bot.user().click("Timeline", Message(blocks=blocks, channel=card.channel, ts=card.ts))
        assert bot.slack.last_message().text == RECORD_NOT_FOUND, bad


def test_a_refusal_reaches_the_user_and_changes_nothing(bot: RunningBot) -> None:
    card = _card(bot)
    opened = len(bot.slack.calls_to("views.open"))
    bot.user("U2").click("Add note", card)
    assert bot.slack.last_message().text == "Only the owner, their manager or an admin can add a note."
    assert len(bot.slack.calls_to("views.open")) == opened
    with transaction(bot.deps.new_session) as session:
        assert [a.kind for a in session.exec(select(Activity)).all()] == ["status"]


def test_an_unexpected_failure_answers_generically_and_logs_the_listener(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    card = _card(bot)
    bot.slack.fail_next("views.open", error="invalid_arguments")
    with caplog.at_level(logging.ERROR, logger="salesbot.listeners"):
        bot.user().click("Add note", card)
    assert bot.slack.last_message().text == GENERIC_ERROR
    [record] = [r for r in caplog.records if r.name == "salesbot.listeners"]
    assert "open_record_modal" in record.getMessage() and record.exc_info is not None
