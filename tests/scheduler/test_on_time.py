"""Rows falling due between two ticks are sent at their due time, not at the next tick: the tick waits
for them, claims and renders them ahead (PREPARE_AHEAD) and posts each at its time. The clock is
time-machine's; the dispatcher's sleep moves it instead of sleeping."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from bot.slack_client import make_client
from scheduler.dispatcher import PREPARE_AHEAD, Dispatcher
from scheduler.setup import start_scheduler
from store.db import transaction
from store.models import Outbox
from store.outbox import enqueue
from tests.conftest import RunningBot
from tests.scheduler.together import run_together

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a tick; the ticks are 1 s apart (SCHEDULER_TICK_SECONDS)


def _dm(bot: RunningBot, key: str, after: float, recipient: str) -> None:
    with transaction(bot.deps.new_session) as session:
        enqueue(session, team_id="T1", kind="dm", recipient=recipient, due_at=T0 + timedelta(seconds=after),
                dedupe_key=key, payload={"text": f"Reminder {key}"})  # fmt: skip


def _rows(bot: RunningBot) -> dict[str, Outbox]:
    with transaction(bot.deps.new_session) as session:
        return {row.dedupe_key: row for row in session.exec(select(Outbox))}


def _posted_at(bot: RunningBot) -> dict[str, datetime]:
    """When the fake Slack received each post (time-machine's time), by text."""
    return {c.args["text"]: datetime.fromtimestamp(c.at, UTC) for c in bot.slack.calls_to("chat.postMessage")}


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def tick_at(bot: RunningBot, slept: list[float]) -> Iterator[Callable[[float], int]]:
    """`tick_at(s)`: one tick of a one-thread dispatcher at T0 + s seconds, its sleeps moving the clock."""
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)

    def tick_at(after: float) -> int:
        with time_machine.travel(T0 + timedelta(seconds=after), tick=False) as traveller:

            def sleep(seconds: float) -> None:
                slept.append(seconds)
                traveller.shift(seconds)

            dispatcher = Dispatcher(bot.deps, client, plan=False, threads=1, sleep=sleep)
            try:
                return dispatcher.tick()
            finally:
                dispatcher.close()

    yield tick_at


def test_a_reminder_due_0_3_s_after_a_tick_is_sent_at_its_due_time_not_at_the_next_tick(
    bot: RunningBot, tick_at: Callable[[float], int], slept: list[float]
) -> None:
    _dm(bot, "soon", 0.3, "U1")
    assert tick_at(0) == 1
    assert slept == [pytest.approx(0.3)]  # claimed and rendered at once (under PREPARE_AHEAD away), then posted
    assert _posted_at(bot) == {"Reminder soon": T0 + timedelta(seconds=0.3)}
    row = _rows(bot)["soon"]
    assert row.status == "sent" and row.sent_at == T0 + timedelta(seconds=0.3)


def test_a_row_due_within_the_margin_of_the_next_tick_is_left_to_it(
    bot: RunningBot, tick_at: Callable[[float], int], slept: list[float]
) -> None:
    _dm(bot, "next tick", 0.96, "U1")
    assert tick_at(0) == 0 and slept == [] and not bot.slack.calls_to("chat.postMessage")
    assert _rows(bot)["next tick"].status == "pending"
    assert tick_at(1) == 1
    assert _posted_at(bot) == {"Reminder next tick": T0 + timedelta(seconds=1)}


def test_rows_due_one_after_another_between_ticks_are_each_sent_at_their_time(
    bot: RunningBot, tick_at: Callable[[float], int]
) -> None:
    _dm(bot, "a", 0.3, "U1")
    _dm(bot, "b", 0.7, "U2")  # claimed with a (within PREPARE_AHEAD of it), posted 0.4 s after it
    _dm(bot, "c", 1.6, "U3")  # falls due 0.9 s after b was sent: waited for too, claimed and sent on its own
    assert tick_at(0) == 3
    assert _posted_at(bot) == {
        f"Reminder {key}": T0 + timedelta(seconds=s) for key, s in (("a", 0.3), ("b", 0.7), ("c", 1.6))
    }
    assert {row.status for row in _rows(bot).values()} == {"sent"}


def test_rows_are_claimed_and_rendered_before_their_due_time_and_posted_at_it(
    bot: RunningBot, tick_at: Callable[[float], int], slept: list[float]
) -> None:
    """The render's own calls (users.info: the recipients' time zones are not known yet) are made
    PREPARE_AHEAD before the due time; at the due time only the posts are left."""
    from store.appointments import create_appointment

    with transaction(bot.deps.new_session) as session:
        create_appointment(
            session, team_id="T1", record_type="lead", record_id=0, owner_id="U1", subject="Tasting at Aurora",
            start_at=T0 + timedelta(minutes=15, seconds=0.8), duration_minutes=30, attendees=["U2"],
            location="Milano", default_minutes_before=15, now=T0,
        )  # fmt: skip
    due = T0 + timedelta(seconds=0.8)
    assert {row.due_at for row in _rows(bot).values()} == {due}  # the owner's and the attendee's reminder
    assert tick_at(0) == 2
    assert slept == [pytest.approx(0.8 - PREPARE_AHEAD), pytest.approx(PREPARE_AHEAD)]
    lookups = bot.slack.calls_to("users.info")
    assert sorted(c.args["user"] for c in lookups) == ["U1", "U2"]
    assert {datetime.fromtimestamp(c.at, UTC) for c in lookups} == {due - timedelta(seconds=PREPARE_AHEAD)}
    posts = bot.slack.calls_to("chat.postMessage")
    assert sorted(c.args["channel"] for c in posts) == ["U1", "U2"]
    assert all("Tasting at Aurora" in c.args["text"] for c in posts)
    assert {datetime.fromtimestamp(c.at, UTC) for c in posts} == {due}
    assert all(row.status == "sent" and row.sent_at == due for row in _rows(bot).values())


def test_a_429_between_ticks_is_retried_after_its_retry_after_not_before(
    bot: RunningBot, tick_at: Callable[[float], int]
) -> None:
    _dm(bot, "limited", 0.3, "U1")
    bot.slack.fail_next("chat.postMessage", status=429, error="ratelimited", retry_after=1)
    assert tick_at(0) == 1  # put back to 1.3 s: past the next tick, so this tick stops waiting
    row = _rows(bot)["limited"]
    assert row.status == "pending" and row.due_at == T0 + timedelta(seconds=1.3) and row.last_error == "ratelimited"
    assert len(bot.slack.calls_to("chat.postMessage")) == 1
    assert tick_at(1) == 1  # the next tick waits for the Retry-After, and posts right then
    calls = bot.slack.calls_to("chat.postMessage")
    assert [datetime.fromtimestamp(c.at, UTC) for c in calls] == [T0 + timedelta(seconds=s) for s in (0.3, 1.3)]
    assert _rows(bot)["limited"].status == "sent"


def test_two_dispatchers_claiming_ahead_send_every_row_exactly_once(bot: RunningBot) -> None:
    for n in range(40):
        _dm(bot, f"r{n}", 0.3, f"U{n:03d}")
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    dispatchers = [
        Dispatcher(bot.deps, client, worker=f"host-{n}:1", batch=5, threads=4, plan=False, sleep=lambda s: None)
        for n in (1, 2)
    ]
    handled: list[int] = []
    run_together(dispatchers, T0, lambda dispatcher: handled.append(dispatcher.tick()))
    assert sum(handled) == 40
    texts = Counter(str(c.args["text"]) for c in bot.slack.calls_to("chat.postMessage"))
    assert texts == Counter(f"Reminder r{n}" for n in range(40))  # each once, none lost
    assert {row.status for row in _rows(bot).values()} == {"sent"}


def test_stop_cuts_a_tick_waiting_for_a_row_short_and_leaves_the_row_to_the_next_dispatcher(bot: RunningBot) -> None:
    """A tick may wait up to TICK_BUDGET for rows falling due; a shutdown must not wait with it."""
    settings = bot.deps.settings.model_copy(update={"scheduler_tick_seconds": 60.0})
    deps = dataclasses.replace(bot.deps, settings=settings)
    _dm(bot, "later", 30, "U1")
    waiting, handled = threading.Event(), []

    def sleep(seconds: float) -> None:
        waiting.set()
        dispatcher.pause(seconds)

    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    dispatcher = Dispatcher(deps, client, plan=False, threads=1, sleep=sleep)
    with time_machine.travel(T0, tick=False):
        ticking = threading.Thread(target=lambda: handled.append(dispatcher.tick()))
        ticking.start()
        assert waiting.wait(10)  # the tick waits for the row due in 30 s
        dispatcher.stop()
        ticking.join(5)
    assert not ticking.is_alive() and handled == [0]
    assert _rows(bot)["later"].status == "pending"  # neither claimed nor sent early
    assert bot.slack.calls_to("chat.postMessage") == []


def test_the_schedulers_shutdown_stops_its_dispatcher(bot: RunningBot) -> None:
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    dispatcher = Dispatcher(bot.deps, client, plan=False, threads=2)
    running = start_scheduler(bot.deps, dispatcher=dispatcher)
    assert dispatcher.pause(0) is False
    running.shutdown()
    assert dispatcher.pause(0) is True
