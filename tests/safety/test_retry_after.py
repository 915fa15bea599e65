"""Slack's Retry-After holds across the dispatcher's threads: a cool-down only extends, and it is checked
right before each call (after the render), so no message goes out inside one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlmodel import select

from bot.slack_client import make_client
from scheduler.cooldowns import CoolDowns, key_of, workspace_key
from scheduler.dispatcher import CHANNEL_INTERVAL, Dispatcher
from store.appointments import create_appointment
from store.db import transaction
from store.models import Outbox
from tests.conftest import RunningBot
from tests.slack.fake_slack import Call

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RETRY_AFTER = 3


def _reminders_due_at_t0(bot: RunningBot, owners: list[str]) -> None:
    with transaction(bot.deps.new_session) as session:
        for number, owner in enumerate(owners):
            create_appointment(
                session, team_id="T1", record_type="lead", record_id=1000 + number, owner_id=owner,
                subject=f"Visit {number}", start_at=T0 + timedelta(minutes=15), duration_minutes=30,
                attendees=[], location="", default_minutes_before=15, now=T0 - timedelta(hours=1),
            )  # fmt: skip


def calls_inside_cool_downs(calls: list[Call]) -> list[Call]:
    """Posts Slack received for a channel before it was free again: inside a Retry-After it had
    answered for that channel, or less than CHANNEL_INTERVAL after the previous post there."""
    free_at: dict[str, float] = {}
    inside = []
    for call in (c for c in calls if c.method == "chat.postMessage"):
        channel = str(call.args["channel"])
        if call.at < free_at.get(channel, float("-inf")):
            inside.append(call)
        wait = RETRY_AFTER if call.args.get("_failed") else CHANNEL_INTERVAL.total_seconds()
        free_at[channel] = max(free_at.get(channel, float("-inf")), call.at + wait)
    return inside


def test_429s_racing_across_threads_leave_no_call_inside_a_cool_down(bot: RunningBot) -> None:
    owners = ["U1", "U2", "U3"] * 3
    _reminders_due_at_t0(bot, owners)
    bot.slack.latency["users.info"] = 0.2  # the renders overlap: every thread is between check and call
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=RETRY_AFTER, times=2)
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    dispatcher = Dispatcher(bot.deps, client, threads=8, plan=False)
    try:
        for step in range(0, 21):
            now = T0 + timedelta(seconds=step * 0.5)
            with time_machine.travel(now, tick=False):
                dispatcher.dispatch_once(now)
    finally:
        dispatcher.close()
    posts = bot.slack.calls_to("chat.postMessage")
    assert len([p for p in posts if p.args.get("_failed")]) == 2
    assert calls_inside_cool_downs(bot.slack.calls) == []
    with transaction(bot.deps.new_session) as session:
        rows = list(session.exec(select(Outbox)))
    assert sorted(row.status for row in rows) == ["sent"] * len(owners)  # every reminder, once
    assert len([p for p in posts if not p.args.get("_failed")]) == len(owners)


def test_a_cool_down_only_ever_extends() -> None:
    cool = CoolDowns()
    u1, u2 = key_of("T1", "U1"), key_of("T1", "U2")  # keys are per workspace
    assert cool.extend(u1, T0 + timedelta(seconds=3)) == T0 + timedelta(seconds=3)
    assert cool.extend(u1, T0 + timedelta(seconds=1)) == T0 + timedelta(seconds=3)  # a shorter one is ignored
    assert cool.reserve(u1, T0 + timedelta(seconds=1), CHANNEL_INTERVAL) == T0 + timedelta(seconds=3)
    assert cool.reserve(u1, T0 + timedelta(seconds=3), CHANNEL_INTERVAL) is None  # free: the slot is taken
    assert cool.reserve(u1, T0 + timedelta(seconds=3.5), CHANNEL_INTERVAL) == T0 + timedelta(seconds=4)
    cool.extend(workspace_key("T1"), T0 + timedelta(seconds=10))
    assert cool.blocked(u2, T0 + timedelta(seconds=5)) == T0 + timedelta(seconds=10)
    assert cool.reserve(u2, T0 + timedelta(seconds=10), CHANNEL_INTERVAL) is None
    assert cool.blocked(key_of("T2", "U2"), T0 + timedelta(seconds=5)) is None  # another workspace flows on
