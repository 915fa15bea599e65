"""The outbox dispatcher: due rows are claimed once, sent, and their outcome recorded; time is controlled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlmodel import Session, select

from bot.slack_client import make_client
from scheduler.dispatcher import LEASE, MAX_ATTEMPTS, Dispatcher, dispatch_due
from store.claims import claim_due, settle_many
from store.db import transaction
from store.models import Outbox
from store.outbox import cancel, enqueue
from tests.conftest import RunningBot

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _enqueue(
    bot: RunningBot, key: str = "r1", due: datetime = T0 + timedelta(minutes=10), recipient: str = "U1"
) -> None:
    with transaction(bot.deps.new_session) as session:
        enqueue(
            session,
            team_id="T1",
            kind="dm",
            recipient=recipient,
            due_at=due,
            dedupe_key=key,
            payload={"text": f"Reminder {key}"},
        )


def _rows(bot: RunningBot) -> list[Outbox]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(Outbox).order_by(Outbox.id)))


def _client(bot: RunningBot):  # type: ignore[no-untyped-def]
    return make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)


def test_nothing_is_sent_before_it_is_due_and_once_after(bot: RunningBot) -> None:
    _enqueue(bot)
    with time_machine.travel(T0 + timedelta(minutes=9), tick=False):
        assert dispatch_due(bot.deps, _client(bot)) == 0
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert dispatch_due(bot.deps, _client(bot)) == 1
        assert dispatch_due(bot.deps, _client(bot)) == 0
    [post] = bot.slack.calls_to("chat.postMessage")
    assert post.args == {**post.args, "channel": "U1", "text": "Reminder r1"}  # Slack posts it in the app's DM
    assert bot.slack.messages()[-1].channel == "DU1" and not bot.slack.calls_to("conversations.open")
    [row] = _rows(bot)
    assert row.status == "sent" and row.sent_ts == post.args["_ts"] and row.attempts == 1


def test_enqueue_with_the_same_key_reschedules_instead_of_duplicating(bot: RunningBot) -> None:
    _enqueue(bot, due=T0)
    _enqueue(bot, due=T0 + timedelta(hours=1))
    [row] = _rows(bot)
    assert row.due_at == T0 + timedelta(hours=1)
    with transaction(bot.deps.new_session) as session:
        assert cancel(session, team_id="T1", dedupe_key="r1") is True
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert dispatch_due(bot.deps, _client(bot)) == 0


def test_rate_limit_reschedules_at_retry_after_without_sleeping(bot: RunningBot) -> None:
    _enqueue(bot, due=T0)
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=30)
    with time_machine.travel(T0, tick=False):
        dispatch_due(bot.deps, _client(bot))
    [row] = _rows(bot)
    assert row.status == "pending" and row.due_at == T0 + timedelta(seconds=30)
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        assert dispatch_due(bot.deps, _client(bot)) == 1
    assert _rows(bot)[0].status == "sent"


def test_fatal_slack_errors_fail_at_once_and_visibly(bot: RunningBot) -> None:
    _enqueue(bot, due=T0)
    bot.slack.fail_next("chat.postMessage", error="channel_not_found", times=2)  # to U1, then to the DM opened
    with time_machine.travel(T0, tick=False):
        dispatch_due(bot.deps, _client(bot))
        row, notice = _rows(bot)
        assert row.status == "failed" and row.last_error == "channel_not_found" and row.attempts == 1
        # the owner is told once, in DM; the notice itself is an outbox row like any other
        assert notice.kind == "delivery_failed" and notice.recipient == "U1" and notice.status == "pending"
        assert dispatch_due(bot.deps, _client(bot)) == 1
        assert dispatch_due(bot.deps, _client(bot)) == 0
    told = bot.slack.calls_to("chat.postMessage")[-1]
    assert "channel_not_found" in told.args["text"] and len(_rows(bot)) == 2


def test_server_errors_back_off_then_fail(bot: RunningBot) -> None:
    _enqueue(bot, due=T0)
    bot.slack.fail_next("chat.postMessage", status=503, times=100)
    now = T0
    for _ in range(MAX_ATTEMPTS):
        with time_machine.travel(now, tick=False):
            dispatch_due(bot.deps, _client(bot))
        row = _rows(bot)[0]
        now = max(now, row.due_at)
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS
    gaps = [b.args for b in bot.slack.calls_to("chat.postMessage")]
    assert len(gaps) >= MAX_ATTEMPTS  # slack-sdk's own 5xx retry adds calls inside one attempt


def test_a_claim_whose_worker_died_is_taken_again_after_the_lease(bot: RunningBot) -> None:
    _enqueue(bot, due=T0)
    with transaction(bot.deps.new_session) as session:
        [claimed] = claim_due(session, now=T0, worker="dead-worker", lease=LEASE)
    assert claimed.status == "claimed"
    with time_machine.travel(T0 + LEASE / 2, tick=False):
        assert dispatch_due(bot.deps, _client(bot)) == 0
    with time_machine.travel(T0 + LEASE + timedelta(seconds=1), tick=False):
        assert dispatch_due(bot.deps, _client(bot)) == 1
    assert _rows(bot)[0].status == "sent" and len(bot.slack.calls_to("chat.postMessage")) == 1


def test_a_batched_outcome_never_overwrites_a_row_another_worker_claimed_since(bot: RunningBot) -> None:
    for index in range(3):
        _enqueue(bot, key=f"k{index}", due=T0)
    with transaction(bot.deps.new_session) as session:
        first = claim_due(session, now=T0, worker="slow-worker", lease=LEASE)
    later = T0 + LEASE + timedelta(seconds=1)
    with transaction(bot.deps.new_session) as session:  # the slow worker's lease ran out on one row
        session.execute(
            sa.update(Outbox).where(Outbox.id == first[1].id).values(claimed_at=T0 - LEASE - timedelta(seconds=1))
        )
        [taken] = claim_due(session, now=T0, worker="other-worker", lease=LEASE, limit=1)
    assert taken.id == first[1].id
    sent = {"status": "sent", "sent_at": later, "sent_ts": "1.1", "last_error": ""}
    with transaction(bot.deps.new_session) as session:
        assert settle_many(session, [(row.id or 0, sent) for row in first], worker="slow-worker") == 2
    assert [(r.status, r.claimed_by) for r in _rows(bot)] == [
        ("sent", "slow-worker"),
        ("claimed", "other-worker"),
        ("sent", "slow-worker"),
    ]


def test_concurrent_claims_never_hand_out_a_row_twice(bot: RunningBot) -> None:
    from concurrent.futures import ThreadPoolExecutor

    for index in range(60):
        _enqueue(bot, key=f"k{index}", due=T0)

    def claim(worker: str) -> list[int]:
        with transaction(bot.deps.new_session) as session:
            return [r.id or 0 for r in claim_due(session, now=T0, worker=worker, lease=LEASE, limit=7)]

    with ThreadPoolExecutor(4) as pool:
        batches = list(pool.map(claim, [f"w{i}" for i in range(12)]))
    claimed = [row_id for batch in batches for row_id in batch]
    assert len(claimed) == len(set(claimed)) == 60


def test_a_moved_appointment_reminds_again_but_the_same_time_never_twice(bot: RunningBot) -> None:
    with transaction(bot.deps.new_session) as session:
        enqueue(session, team_id="T1", kind="dm", recipient="U1", due_at=T0, dedupe_key="appt", payload={"text": "x"})
    with time_machine.travel(T0, tick=False):
        assert dispatch_due(bot.deps, _client(bot)) == 1
    with transaction(bot.deps.new_session) as session:
        again = enqueue(session, team_id="T1", kind="dm", recipient="U1", due_at=T0, dedupe_key="appt", rearm=True)
        assert again.status == "sent"
        moved = enqueue(
            session,
            team_id="T1",
            kind="dm",
            recipient="U1",
            due_at=T0 + timedelta(days=1),
            dedupe_key="appt",
            payload={"text": "x"},
            rearm=True,
        )
        assert moved.status == "pending" and moved.attempts == 0


def test_a_user_id_slack_refuses_is_posted_to_the_dm_conversations_open_gives_and_cached(bot: RunningBot) -> None:
    _enqueue(bot, key="a", due=T0)
    _enqueue(bot, key="b", due=T0 + timedelta(seconds=2))
    bot.slack.fail_next("chat.postMessage", error="channel_not_found")
    dispatcher = Dispatcher(bot.deps, _client(bot), threads=1, plan=False)
    try:
        with time_machine.travel(T0, tick=False):
            assert dispatcher.dispatch_once() == 1  # the first row uses the fallback
        with time_machine.travel(T0 + timedelta(seconds=2), tick=False):  # a later tick, same dispatcher
            assert dispatcher.dispatch_once() == 1
    finally:
        dispatcher.close()
    posts = [(c.args["channel"], bool(c.args.get("_failed"))) for c in bot.slack.calls_to("chat.postMessage")]
    assert posts == [("U1", True), ("DU1", False), ("DU1", False)]
    assert len(bot.slack.calls_to("conversations.open")) == 1
    assert [r.status for r in _rows(bot)] == ["sent", "sent"]


def test_outcomes_of_a_batch_are_recorded_in_one_transaction(bot: RunningBot) -> None:
    commits = 0

    def count(connection: object) -> None:
        nonlocal commits
        commits += 1

    def dispatch(rows: int, at: datetime) -> int:
        nonlocal commits
        for index in range(rows):
            _enqueue(bot, key=f"{at.isoformat()}-{index}", due=at, recipient=f"C{index}")
        commits = 0
        with time_machine.travel(at, tick=False):
            assert dispatch_due(bot.deps, _client(bot), limit=50) == rows
        return commits

    sa.event.listen(bot.deps.engine, "commit", count)
    try:
        one, twenty = dispatch(1, T0), dispatch(20, T0 + timedelta(minutes=1))
    finally:
        sa.event.remove(bot.deps.engine, "commit", count)
    assert one == twenty <= 3  # the claim, and one commit for all the outcomes
    assert [r.status for r in _rows(bot)] == ["sent"] * 21


def test_when_the_batch_cannot_be_recorded_each_row_is_recorded_alone(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One row's outcome failing to record loses nothing: the others are recorded; that row stays
    claimed and, after its lease, is sent once more (the documented at-least-once duplicate)."""
    from scheduler import dispatcher as module

    for index in range(3):
        _enqueue(bot, key=f"k{index}", due=T0, recipient=f"C{index}")
    real_settle, real_settle_many = module.settle, module.settle_many
    bad = _rows(bot)[1].id

    def settle(session: Session, row_id: int, **values: object) -> bool:
        if row_id == bad:
            raise sa.exc.OperationalError("UPDATE outbox", {}, Exception("disk I/O error"))
        return real_settle(session, row_id, **values)  # type: ignore[arg-type]

    def settle_many(session: Session, outcomes: list[tuple[int, dict[str, object]]], *, worker: str) -> int:
        if any(row_id == bad for row_id, _ in outcomes):
            raise sa.exc.OperationalError("UPDATE outbox", {}, Exception("disk I/O error"))
        return real_settle_many(session, outcomes, worker=worker)

    monkeypatch.setattr(module, "settle", settle)
    monkeypatch.setattr(module, "settle_many", settle_many)
    with time_machine.travel(T0, tick=False):
        assert dispatch_due(bot.deps, _client(bot)) == 3
    assert [r.status for r in _rows(bot)] == ["sent", "claimed", "sent"]
    monkeypatch.setattr(module, "settle", real_settle)
    monkeypatch.setattr(module, "settle_many", real_settle_many)
    with time_machine.travel(T0 + LEASE + timedelta(seconds=1), tick=False):
        assert dispatch_due(bot.deps, _client(bot)) == 1
    assert [r.status for r in _rows(bot)] == ["sent", "sent", "sent"]
    texts = [c.args["text"] for c in bot.slack.calls_to("chat.postMessage")]
    assert sorted(texts) == ["Reminder k0", "Reminder k1", "Reminder k1", "Reminder k2"]


def test_a_batch_renders_from_one_read_per_table_and_keeps_workspaces_apart(bot: RunningBot) -> None:
    """Reminders of a batch are rendered from rows read once for the whole batch; a row naming another
    workspace's appointment finds nothing and is cancelled, not sent."""
    from store.appointments import create_appointment

    with transaction(bot.deps.new_session) as session:
        appointment = create_appointment(
            session, team_id="T1", record_type="lead", record_id=0, owner_id="U1", subject="Tasting at Aurora",
            start_at=T0 + timedelta(minutes=30), duration_minutes=30, attendees=["U2"], location="Milano",
            default_minutes_before=15, now=T0,
        )  # fmt: skip
        enqueue(
            session, team_id="T2", kind="appointment_reminder", recipient="U9", due_at=T0 + timedelta(minutes=15),
            dedupe_key="forged", payload={"appointment_id": appointment.id},
        )  # fmt: skip
    with time_machine.travel(T0 + timedelta(minutes=15), tick=False):
        assert dispatch_due(bot.deps, _client(bot)) == 3
    posted = {c.args["channel"]: c.args["text"] for c in bot.slack.calls_to("chat.postMessage")}
    assert set(posted) == {"U1", "U2"} and all("Tasting at Aurora" in text for text in posted.values())
    forged = next(row for row in _rows(bot) if row.team_id == "T2" and row.dedupe_key == "forged")
    assert forged.status == "cancelled"
