"""The dispatcher's concurrent sends: at most DISPATCHER_SEND_THREADS calls with Slack at once, over
kept-alive connections; the next batch goes out while the previous one is still with Slack; and
however the batches of two dispatchers overlap, every row is sent exactly once."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from sqlmodel import Session, select

from bot.slack_client import make_client
from scheduler.dispatcher import Dispatcher
from scheduler.setup import make_dispatcher
from store.db import transaction
from store.models import Outbox
from store.outbox import enqueue
from tests.conftest import RunningBot
from tests.scheduler.together import run_together

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _due_now(bot: RunningBot, count: int, *, recipient: str = "U") -> None:
    """`count` DMs due at T0, each to a recipient of its own (no channel pacing between them)."""
    with transaction(bot.deps.new_session) as session:
        for n in range(count):
            enqueue(session, team_id="T1", kind="dm", recipient=f"{recipient}{n:03d}", due_at=T0,
                    dedupe_key=f"r{n}", payload={"text": f"Reminder {n}"})  # fmt: skip


def _statuses(bot: RunningBot) -> list[str]:
    with transaction(bot.deps.new_session) as session:
        return sorted(row.status for row in session.exec(select(Outbox)))


def _posted_texts(bot: RunningBot) -> Counter[str]:
    return Counter(str(call.args["text"]) for call in bot.slack.calls_to("chat.postMessage"))


def test_no_more_calls_in_flight_than_send_threads_over_kept_alive_connections(bot: RunningBot) -> None:
    _due_now(bot, 12)
    bot.slack.latency["chat.postMessage"] = 0.2  # every send overlaps the others still waiting
    connections_before = bot.slack.connections
    dispatcher = make_dispatcher(bot.deps, threads=4, plan=False)
    try:
        with time_machine.travel(T0, tick=False):
            assert dispatcher.tick(T0) == 12
    finally:
        dispatcher.close()
    assert bot.slack.peak_in_flight == 4
    assert bot.slack.connections - connections_before <= 4  # 12 calls, at most one connection per thread
    assert _posted_texts(bot) == Counter(f"Reminder {n}" for n in range(12))
    assert _statuses(bot) == ["sent"] * 12


def test_the_send_threads_setting_bounds_the_dispatcher_the_scheduler_starts(bot: RunningBot) -> None:
    settings = bot.deps.settings.model_copy(update={"dispatcher_send_threads": 3})
    dispatcher = make_dispatcher(replace(bot.deps, settings=settings), plan=False)
    try:
        _due_now(bot, 9)
        bot.slack.latency["chat.postMessage"] = 0.2
        with time_machine.travel(T0, tick=False):
            assert dispatcher.tick(T0) == 9
    finally:
        dispatcher.close()
    assert bot.slack.peak_in_flight == 3 and _statuses(bot) == ["sent"] * 9


def test_the_next_batch_is_sent_while_the_previous_one_is_still_with_slack(bot: RunningBot) -> None:
    _due_now(bot, 20)
    bot.slack.latency["chat.postMessage"] = 0.3
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    dispatcher = Dispatcher(bot.deps, client, batch=5, threads=10, plan=False)
    try:
        with time_machine.travel(T0, tick=False):
            assert dispatcher.tick(T0) == 20
    finally:
        dispatcher.close()
    assert bot.slack.peak_in_flight == 10  # two batches of 5 at once: one at a time would peak at 5
    assert _posted_texts(bot) == Counter(f"Reminder {n}" for n in range(20))


def test_two_dispatchers_with_overlapping_batches_send_every_row_exactly_once(bot: RunningBot) -> None:
    _due_now(bot, 60, recipient="C")
    bot.slack.latency["chat.postMessage"] = 0.02
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    dispatchers = [Dispatcher(bot.deps, client, worker=f"host-{n}:1", batch=5, threads=8, plan=False) for n in (1, 2)]
    handled: list[int] = []
    run_together(dispatchers, T0, lambda dispatcher: handled.append(dispatcher.tick(T0)))
    assert sum(handled) == 60
    assert _posted_texts(bot) == Counter(f"Reminder {n}" for n in range(60))  # each once, none lost
    assert _statuses(bot) == ["sent"] * 60


def test_a_claim_failing_while_a_batch_is_with_slack_still_records_that_batch(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Otherwise the batch Slack accepted would stay claimed and be sent again after the lease."""
    from scheduler import dispatcher as module

    _due_now(bot, 10)
    real_claim, claims = module.claim_due, []

    def claim_due(session: Session, **kwargs: Any) -> list[Outbox]:
        claims.append(kwargs["now"])
        if len(claims) == 2:  # the next batch's claim, made while the first is being sent
            raise sa.exc.OperationalError("UPDATE outbox", {}, Exception("database is locked"))
        return real_claim(session, **kwargs)

    monkeypatch.setattr(module, "claim_due", claim_due)
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    dispatcher = Dispatcher(bot.deps, client, batch=5, threads=5, plan=False)
    try:
        with time_machine.travel(T0, tick=False), pytest.raises(sa.exc.OperationalError):
            dispatcher.tick(T0)
    finally:
        dispatcher.close()
    assert _statuses(bot) == ["pending"] * 5 + ["sent"] * 5
    assert len(bot.slack.calls_to("chat.postMessage")) == 5
