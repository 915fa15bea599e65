"""Housekeeping: lead drafts left behind by an unanswered duplicate warning are dropped after a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from sqlmodel import select

from scheduler.setup import housekeep
from store.db import transaction
from store.models import Lead
from tests.conftest import RunningBot
from tests.slack.driver import Actor

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _duplicate_warning(bot: RunningBot, rep: Actor, topic: str) -> dict[str, Any]:
    rep.command("/lead")
    pushed = rep.submit(
        bot.slack.last_view("views.open"), {"Topic": topic, "Email": "GIULIA@aurora.example", "Last name": "Other"}
    ).json
    assert pushed["view"]["title"]["text"] == "Possible duplicate"
    return {**pushed["view"], "id": f"V{topic}"}


def _topics(bot: RunningBot, status: str) -> list[str]:
    with transaction(bot.deps.new_session) as session:
        return sorted(lead.topic for lead in session.exec(select(Lead).where(Lead.status == status)))


def test_unanswered_duplicate_drafts_are_dropped_after_a_day(bot: RunningBot) -> None:
    rep = bot.user("U1")
    with time_machine.travel(NOW, tick=False):
        rep.command("/lead")
        rep.submit(
            bot.slack.last_view("views.open"),
            {"Topic": "Original", "Email": "giulia@aurora.example", "Last name": "Bianchi"},
        )
        stale = _duplicate_warning(bot, rep, "Stale")
    with time_machine.travel(NOW + timedelta(hours=20), tick=False):
        fresh = _duplicate_warning(bot, rep, "Fresh")
    assert _topics(bot, "draft") == ["Fresh", "Stale"]

    with time_machine.travel(NOW + timedelta(hours=25), tick=False):
        housekeep(bot.deps)
        assert _topics(bot, "draft") == ["Fresh"]
        rep.click("Create anyway", stale)
        notice = bot.slack.calls_to("views.update")[-1].args
        assert notice["view_id"] == "VStale" and "no longer exists" in str(notice["view"])
        rep.click("Create anyway", fresh)
    assert _topics(bot, "open") == ["Fresh", "Original"] and _topics(bot, "draft") == []
