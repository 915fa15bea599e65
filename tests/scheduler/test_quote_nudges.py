"""An approval left unanswered is nudged through the outbox after APPROVAL_NUDGE_HOURS, at most once a
day, and never once the quote is decided (tests call the dispatcher's tick with a chosen `now`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.slack_client import make_client
from scheduler.dispatcher import tick
from store.db import transaction
from store.models import Outbox, Quote
from tests.conftest import RunningBot
from tests.handlers.quote_helpers import (
    approval_request,
    create_quote,
    opportunity_with_products,
    team_with_manager,
    write_rules,
)
from tests.handlers.test_quote_approvals import more_waiting
from tests.slack.driver import blocks_text


@pytest.fixture
def bot_settings(tmp_path: Path) -> dict[str, object]:
    return {"process_file": write_rules(tmp_path), "approval_nudge_hours": 6}


def _nudges(bot: RunningBot) -> list[str]:
    return [c.args["text"] for c in bot.slack.calls_to("chat.postMessage") if "Still waiting" in c.args.get("text", "")]


def _tick(bot: RunningBot, hours: float) -> None:
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    tick(bot.deps, client, bot.deps.clock() + timedelta(hours=hours), plan=False)


def test_unanswered_approval_is_nudged_once_a_day_until_decided(bot: RunningBot) -> None:
    team_with_manager(bot)
    opportunity_with_products(bot)
    bot.user().click("Submit for approval", create_quote(bot, **{"Quote discount %": "20"}))
    _tick(bot, 5)
    assert _nudges(bot) == []
    _tick(bot, 6.1)
    assert len(_nudges(bot)) == 1 and "Quote Q-00001 rev 1" in _nudges(bot)[0]
    nudge = [c for c in bot.slack.calls_to("chat.postMessage") if "Still waiting" in c.args.get("text", "")][-1]
    assert nudge.args["channel"] in ("UM", "DUM")
    _tick(bot, 12)  # the same day: no second nudge
    assert len(_nudges(bot)) == 1
    _tick(bot, 30.2)  # a day after the first
    assert len(_nudges(bot)) == 2
    bot.user("UM").click("Approve", approval_request(bot))
    _tick(bot, 60)
    assert len(_nudges(bot)) == 2
    with transaction(bot.deps.new_session) as session:
        rows = session.exec(select(Outbox).where(Outbox.kind == "quote_approval_nudge").order_by(Outbox.id)).all()
    assert [row.status for row in rows] == ["sent", "sent", "cancelled"]


def test_the_manager_digest_lists_quotes_waiting_for_approval(bot: RunningBot) -> None:
    team_with_manager(bot)
    opportunity_with_products(bot)
    bot.user().click("Submit for approval", create_quote(bot, **{"Quote discount %": "20", "Name": "Big <deal>"}))
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    morning = (bot.deps.clock() + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    for hours in range(4):  # 06:00 to 09:00 UTC: 08:00 in the manager's zone, whichever it is
        tick(bot.deps, client, morning + timedelta(hours=hours), plan=True)
    digests = [c.args for c in bot.slack.calls_to("chat.postMessage") if c.args.get("text", "").startswith("Team")]
    assert digests, [c.args.get("text") for c in bot.slack.calls_to("chat.postMessage")]
    text = blocks_text(digests[-1]["blocks"])
    assert "Quotes waiting for your approval" in text and "Quote Q-00001 rev 1* Big &lt;deal&gt;" in text


def test_the_digest_lists_the_first_waiting_quotes_and_counts_the_rest(bot: RunningBot) -> None:
    team_with_manager(bot)
    opportunity_with_products(bot)
    bot.user().click("Submit for approval", create_quote(bot, **{"Quote discount %": "20"}))
    more_waiting(bot, 30)
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    morning = (bot.deps.clock() + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    loaded: list[int] = []

    def count(target: Quote, _: object) -> None:
        loaded.append(target.number)

    sa.event.listen(Quote, "load", count)
    try:
        for hours in range(4):
            tick(bot.deps, client, morning + timedelta(hours=hours), plan=True)
    finally:
        sa.event.remove(Quote, "load", count)
    digests = [c.args for c in bot.slack.calls_to("chat.postMessage") if c.args.get("text", "").startswith("Team")]
    text = blocks_text(digests[-1]["blocks"])
    assert "Waiting 13" in text and "Waiting 14" not in text and "…and 16 more" in text  # 31 waiting, 15 listed
    assert loaded.count(1) <= 2 and len(loaded) - loaded.count(1) <= 14  # the digest's 15 (and the nudge's)
