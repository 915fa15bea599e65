"""A NUL character in a submitted field (Slack never sends one; a forged request can) is dropped, not
stored: PostgreSQL text cannot hold it, and the submission must not fail."""

from __future__ import annotations

from tests.conftest import RunningBot
from tests.handlers.test_lead_flow import create_lead, leads


def test_a_nul_in_a_field_is_dropped(bot: RunningBot) -> None:
    create_lead(bot, Topic="20\x00 espresso\x00", Company="Caffè\x00 Aurora")
    assert [(lead.topic, lead.company) for lead in leads(bot)] == [("20 espresso", "Caffè Aurora")]
