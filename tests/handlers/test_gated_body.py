"""The gate parses a request once and Bolt's listeners read that parse (bot.gate.parse_request,
bot.server.GatedRequest): what the gate checked is what the listeners see."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.conftest import RunningBot
from tests.handlers.test_lead_flow import create_lead


def test_a_search_for_the_word_payload_is_answered(bot: RunningBot) -> None:
    """Bolt's own parse reads any form whose bytes contain "payload" as an interactive payload, and
    finding none, gave the listeners an empty body: `/lead payload` went unanswered."""
    create_lead(bot, **{"Topic": "Payload scales"})
    response = bot.user().command("/lead", "payload")
    assert response.status == 200
    assert "Payload scales" in response.text


def test_a_repeated_field_is_checked_as_the_listeners_read_it(bot: RunningBot) -> None:
    """A form field given twice: listeners read the last value (as Bolt does), and so does the gate."""
    fields = bot.user().command_fields("/lead", "list")
    before = len(bot.slack.calls)
    response = bot.driver.post(urlencode(fields) + "&user_id=", content_type="application/x-www-form-urlencoded")
    assert response.status == 400
    assert bot.slack.calls[before:] == []


def test_the_last_of_a_repeated_text_is_the_command(bot: RunningBot) -> None:
    create_lead(bot, **{"Topic": "Grinders"})
    fields = bot.user().command_fields("/lead", "nothing matches this")
    body = urlencode(fields) + "&text=grinders"
    response = bot.driver.post(body, content_type="application/x-www-form-urlencoded")
    assert response.status == 200 and "Grinders" in response.text
