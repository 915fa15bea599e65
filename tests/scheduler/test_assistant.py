"""The assistant's deliveries with a controlled clock: tests call `tick(now)` directly, never sleep."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from bot.services.sequences import complete_task, start_enrollment
from bot.slack_client import make_client
from bot.views.assistant import SECTION_ITEMS
from scheduler.dispatcher import Dispatcher, tick
from store import appointments as appointment_store
from store.db import transaction
from store.models import Appointment, Lead, Opportunity, Outbox, SlackUser, Task
from store.outbox import enqueue
from store.planning import STALE_COUNT_CAP
from store.sequences import end_enrollments, save_sequence
from tests import factories as make
from tests.conftest import RunningBot
from tests.orm_loads import orm_loads
from tests.slack.driver import blocks_text, button_labels
from tests.slack.fake_slack import UserProfile

# 10 March 2026: New York is already on summer time (since 8 March), Rome not yet (29 March).
START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def _client(bot: RunningBot):  # type: ignore[no-untyped-def]
    return make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)


def _tick(bot: RunningBot, now: datetime) -> int:
    return tick(bot.deps, _client(bot), now)


def _rows(bot: RunningBot, **where: Any) -> list[Outbox]:
    with transaction(bot.deps.new_session) as session:
        rows = list(session.exec(select(Outbox).order_by(Outbox.id)))  # type: ignore[arg-type]
    return [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]


def _posts(bot: RunningBot, channel: str | None = None) -> list[dict[str, Any]]:
    calls = [c.args for c in bot.slack.calls_to("chat.postMessage") if not c.args.get("_failed")]
    return [c for c in calls if channel is None or c.get("_channel", c["channel"]) == channel]  # where it landed


def _users(bot: RunningBot, *users: SlackUser) -> None:
    with transaction(bot.deps.new_session) as session:
        session.add_all(users)


def _lead(bot: RunningBot, owner: str = "U1", topic: str = "Espresso machines for 12 cafés") -> int:
    with transaction(bot.deps.new_session) as session:
        lead = Lead(team_id="T1", owner_id=owner, topic=topic, company="Caffè Aurora")
        session.add(lead)
        session.flush()
        return lead.id or 0


def _appointment(
    bot: RunningBot, lead_id: int, *, start: datetime = START, now: datetime, attendees: list[str] | None = None
) -> int:
    with transaction(bot.deps.new_session) as session:
        appointment = appointment_store.create_appointment(
            session,
            team_id="T1",
            record_type="lead",
            record_id=lead_id,
            owner_id="U1",
            subject="Tasting at Aurora",
            start_at=start,
            duration_minutes=45,
            attendees=attendees or [],
            location="Via Roma 1",
            default_minutes_before=bot.deps.settings.reminder_minutes_before,
            now=now,
        )
        return appointment.id or 0


def test_reminders_at_the_right_instant_in_each_recipients_zone_across_dst(bot: RunningBot) -> None:
    bot.slack.users["U1"] = UserProfile(tz="Europe/Rome")
    bot.slack.users["U2"] = UserProfile(tz="America/New_York")
    _users(bot, SlackUser(team_id="T1", user_id="U2", reminder_minutes=30))
    lead_id = _appointment(bot, _lead(bot), now=START - timedelta(days=2), attendees=["U2"])

    assert _tick(bot, START - timedelta(minutes=31)) == 0
    assert _tick(bot, START - timedelta(minutes=30)) == 1
    [ny] = _posts(bot)
    assert ny["channel"] == "U2" and "10:00 EDT" in ny["text"] and "starts in 30 min" in ny["text"]
    assert button_labels(ny["blocks"]) == ["Open", "Snooze 10 min", "Log outcome"]
    assert "Lead *Espresso machines for 12 cafés (Caffè Aurora)*" in blocks_text(ny["blocks"])

    assert _tick(bot, START - timedelta(minutes=16)) == 0
    assert _tick(bot, START - timedelta(minutes=15)) == 1
    rome = _posts(bot)[-1]
    assert rome["channel"] == "U1" and "15:00 CET" in rome["text"]
    assert _tick(bot, START) == 0 and len(_posts(bot)) == 2
    assert {r.status for r in _rows(bot, kind="appointment_reminder")} == {"sent"}
    # time zones came from users.info once per user and are cached on slack_user
    assert len(bot.slack.calls_to("users.info")) == 2
    with transaction(bot.deps.new_session) as session:
        zones = dict(session.exec(select(SlackUser.user_id, SlackUser.tz)).all())
    assert zones == {"U1": "Europe/Rome", "U2": "America/New_York"}
    assert lead_id


def test_after_the_european_change_rome_is_six_hours_ahead_again(bot: RunningBot) -> None:
    bot.slack.users["U1"] = UserProfile(tz="Europe/Rome")
    start = datetime(2026, 3, 30, 14, 0, tzinfo=UTC)  # Rome is on CEST (UTC+2) from 29 March
    _appointment(bot, _lead(bot), start=start, now=start - timedelta(days=1))
    assert _tick(bot, start - timedelta(minutes=15)) == 1
    assert "16:00 CEST" in _posts(bot)[-1]["text"]


def test_created_inside_the_window_reminds_at_once_rescheduled_moves_cancelled_stays_silent(bot: RunningBot) -> None:
    lead_id = _lead(bot)
    now = START - timedelta(minutes=5)
    _appointment(bot, lead_id, now=now)
    assert _tick(bot, now) == 1 and "starts in 5 min" in _posts(bot)[-1]["text"]

    moved_id = _appointment(bot, lead_id, now=START - timedelta(days=1))
    later = START + timedelta(hours=3)
    with transaction(bot.deps.new_session) as session:
        moved = session.get(Appointment, moved_id)
        assert moved is not None
        moved.start_at = later
        appointment_store.schedule_reminders(session, moved, default_minutes_before=15, now=START - timedelta(days=1))
    assert _tick(bot, START - timedelta(minutes=15)) == 0
    assert _tick(bot, later - timedelta(minutes=15)) == 1

    cancelled_id = _appointment(bot, lead_id, start=START + timedelta(days=1), now=START)
    with transaction(bot.deps.new_session) as session:
        cancelled = session.get(Appointment, cancelled_id)
        assert cancelled is not None
        appointment_store.cancel_appointment(session, cancelled)
        # a row that escaped cancellation (e.g. a snoozed copy) is dropped at send time, not sent
        enqueue(
            session,
            team_id="T1",
            kind="appointment_reminder",
            recipient="U1",
            due_at=START,
            dedupe_key="appointment:stray",
            payload={"appointment_id": cancelled_id},
        )
    before = len(_posts(bot))
    _tick(bot, START + timedelta(days=1))
    assert len(_posts(bot)) == before
    assert {r.status for r in _rows(bot) if r.payload.get("appointment_id") == cancelled_id} == {"cancelled"}


def test_rate_limited_row_waits_for_retry_after_while_others_go_out(bot: RunningBot) -> None:
    for user in ("U1", "U2", "U3"):
        with transaction(bot.deps.new_session) as session:
            enqueue(
                session,
                team_id="T1",
                kind="dm",
                recipient=user,
                due_at=START,
                dedupe_key=f"k{user}",
                payload={"text": f"hello {user}"},
            )
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=30)
    assert _tick(bot, START) == 3
    limited, *others = _rows(bot)
    assert limited.status == "pending" and limited.due_at == START + timedelta(seconds=30) and limited.attempts == 0
    assert [r.status for r in others] == ["sent", "sent"]
    assert _tick(bot, START + timedelta(seconds=29)) == 0
    assert _tick(bot, START + timedelta(seconds=30)) == 1
    assert [r.status for r in _rows(bot)] == ["sent"] * 3 and len(_posts(bot)) == 3


def test_server_errors_back_off_exponentially_then_fail_and_tell_the_owner_once(bot: RunningBot) -> None:
    lead_id = _lead(bot, owner="U1")
    with transaction(bot.deps.new_session) as session:
        enqueue(
            session,
            team_id="T1",
            kind="dm",
            recipient="U2",
            due_at=START,
            dedupe_key="k",
            payload={"text": "x"},
            record_type="lead",
            record_id=lead_id,
        )
    bot.slack.fail_next("chat.postMessage", status=500, times=5)
    now, gaps = START, []
    for _ in range(5):
        _tick(bot, now)
        row = _rows(bot, dedupe_key="k")[0]
        gaps.append((row.due_at - now).total_seconds())
        now = row.due_at
    assert gaps[:4] == [10, 20, 40, 80] and row.status == "failed" and row.last_error == "internal_error"
    _tick(bot, now)
    [notice] = _posts(bot)
    assert notice["channel"] == "U1" and "<@U2>" in notice["text"] and "internal_error" in notice["text"]
    _tick(bot, now + timedelta(hours=1))
    assert len(_posts(bot)) == 1


def test_user_not_found_fails_at_once(bot: RunningBot) -> None:
    with transaction(bot.deps.new_session) as session:
        enqueue(
            session, team_id="T1", kind="dm", recipient="UGONE", due_at=START, dedupe_key="k", payload={"text": "x"}
        )
    bot.slack.fail_next("chat.postMessage", error="channel_not_found")  # the user id is refused
    bot.slack.fail_next("conversations.open", error="user_not_found")  # and so is opening the DM
    _tick(bot, START)
    row = _rows(bot, dedupe_key="k")[0]
    assert row.status == "failed" and row.last_error == "user_not_found" and row.attempts == 1


def test_a_restart_loses_nothing_and_duplicates_nothing(bot: RunningBot) -> None:
    for index in range(5):
        with transaction(bot.deps.new_session) as session:
            enqueue(
                session,
                team_id="T1",
                kind="dm",
                recipient=f"U{index}",
                due_at=START + timedelta(minutes=index),
                dedupe_key=f"k{index}",
                payload={"text": f"r{index}"},
            )
    first = Dispatcher(bot.deps, _client(bot), worker="first", threads=1)
    assert first.tick(START + timedelta(minutes=1)) == 2
    first.close()  # the process stops; pending rows stay in the database
    second = Dispatcher(bot.deps, _client(bot), worker="second", threads=4)
    assert second.tick(START + timedelta(minutes=10)) == 3
    assert second.tick(START + timedelta(minutes=11)) == 0
    second.close()
    texts = sorted(p["text"] for p in _posts(bot))
    assert texts == [f"r{i}" for i in range(5)]


def test_a_crash_between_claim_and_send_is_sent_once_after_the_lease(bot: RunningBot) -> None:
    from scheduler.dispatcher import LEASE
    from store.claims import claim_due

    with transaction(bot.deps.new_session) as session:
        enqueue(session, team_id="T1", kind="dm", recipient="U1", due_at=START, dedupe_key="k", payload={"text": "x"})
    with transaction(bot.deps.new_session) as session:
        claim_due(session, now=START, worker="crashed", lease=LEASE)  # ...and the process dies here
    assert _tick(bot, START + LEASE - timedelta(seconds=1)) == 0
    assert _tick(bot, START + LEASE + timedelta(seconds=1)) == 1
    assert _tick(bot, START + LEASE * 3) == 0
    assert len(_posts(bot)) == 1 and _rows(bot)[0].status == "sent"


def test_sequence_steps_are_announced_when_due_and_end_with_the_record(bot: RunningBot) -> None:
    lead_id = _lead(bot)
    with transaction(bot.deps.new_session) as session:
        sequence = save_sequence(
            session,
            team_id="T1",
            name="Trade fair follow-up",
            description="",
            steps=[
                {"kind": "call", "description": "Thank them", "wait_minutes": 0},
                {"kind": "wait", "description": "", "wait_minutes": 2 * 24 * 60},
                {"kind": "email", "description": "Send brochure", "wait_minutes": 0},
            ],
            user_id="UM",
        )
        start_enrollment(
            session, team_id="T1", sequence=sequence, record_type="lead", record_id=lead_id, owner_id="U1", now=START
        )
    assert _tick(bot, START) == 1
    announcement = _posts(bot)[-1]
    assert "Call: Thank them" in announcement["text"]
    assert button_labels(announcement["blocks"]) == ["Done", "Skip", "Snooze", "Open"]
    with transaction(bot.deps.new_session) as session:
        task = session.exec(select(Task)).one()
        following = complete_task(session, task, outcome="done", now=START + timedelta(hours=1))
        assert following is not None and following.due_at == START + timedelta(days=2, hours=1)
    assert _tick(bot, START + timedelta(days=2)) == 0
    assert _tick(bot, START + timedelta(days=2, hours=1)) == 1
    with transaction(bot.deps.new_session) as session:
        assert end_enrollments(session, team_id="T1", record_type="lead", record_id=lead_id, now=START) == 1
        assert [t.status for t in session.exec(select(Task).order_by(Task.id))] == ["done", "cancelled"]  # type: ignore[arg-type]


def _seed_team(bot: RunningBot) -> dict[str, int]:
    """Manager UM in Rome with reps U2, U3; yesterday (Mon 30 March, Rome) and today's agenda."""
    _users(
        bot,
        make.user("UM", role="manager", profile_fetched_at=DAY_8AM),
        make.user("U2", manager_id="UM", profile_fetched_at=DAY_8AM),
        make.user("U3", manager_id="UM", profile_fetched_at=DAY_8AM),
        make.user("UX", profile_fetched_at=DAY_8AM),
    )
    yesterday, long_ago = DAY_8AM - timedelta(days=1), DAY_8AM - timedelta(days=60)
    with transaction(bot.deps.new_session) as session:
        won = make.opportunity("U3", "Roastery upgrade", status="won", actual_revenue=12990,
                               created_at=yesterday - timedelta(days=40))  # fmt: skip
        moved = make.opportunity("U2", "Aurora cafés", stage="Develop", created_at=yesterday - timedelta(days=3),
                                 estimated_close_date=date(2026, 3, 20))  # fmt: skip
        stale = make.opportunity("U3", "Hotel Lido bar", created_at=long_ago)
        other = make.opportunity("UX", "Not in the team", created_at=long_ago)
        bakery = make.lead("U2", "Bakery chain")
        session.add_all([won, moved, stale, other, bakery])
        session.flush()
        session.add_all(
            [
                make.activity(moved, "call", "U2", yesterday + timedelta(hours=1)),
                make.activity(moved, "call", "U2", yesterday + timedelta(hours=2)),
                make.activity(won, "note", "U3", yesterday + timedelta(hours=3)),
                make.activity(won, "note", "U3", yesterday - timedelta(days=2)),  # two days ago: not in the digest
                make.activity(stale, "call", "U3", DAY_8AM - timedelta(days=30)),
                make.stage_change(moved, "advance", yesterday + timedelta(hours=4), from_stage="Qualify"),
                make.stage_change(won, "won", yesterday + timedelta(hours=5), from_stage="Close", to_stage="Close"),
                make.appointment(bakery, "U2", "Bakery tasting", DAY_8AM + timedelta(hours=3)),
                make.task("U3", "Call: Hotel Lido", DAY_8AM + timedelta(hours=1)),
                make.task("U2", "Email: Aurora pricing", DAY_8AM - timedelta(days=2), about=moved),
            ]
        )
        return {"moved": moved.id or 0, "stale": stale.id or 0, "won": won.id or 0}


DAY_8AM = datetime(2026, 3, 31, 6, 0, tzinfo=UTC)  # Tuesday 31 March 2026, 08:00 in Rome (CEST)


def test_manager_digest_for_a_seeded_day(bot: RunningBot) -> None:
    ids = _seed_team(bot)
    _tick(bot, DAY_8AM - timedelta(minutes=1))
    assert not _posts(bot, "DUM")
    _tick(bot, DAY_8AM)
    [digest] = _posts(bot, "DUM")
    text = blocks_text(digest["blocks"])
    assert digest["text"] == "Team digest — Tue 31 Mar"
    assert "<@U2>: 2 calls" in text and "<@U3>: 1 note" in text
    assert "11:00 CEST *Bakery tasting* — <@U2>" in text
    assert "Call: Hotel Lido" in text.split("*Due today*")[1].split("*Overdue*")[0]
    overdue = text.split("*Overdue*")[1].split("*Stage moves yesterday*")[0]
    assert "Email: Aurora pricing" in overdue and "*Aurora cafés* past its close date (2026-03-20)" in overdue
    assert "*Aurora cafés*: Qualify → Develop — <@U2>" in text
    assert "*Roastery upgrade* · 12,990.00 EUR — <@U3>" in text.split("*Won yesterday*")[1]
    stale = text.split("*Stale deals*")[1]
    assert "Hotel Lido bar" in stale and "Not in the team" not in text
    assert f"opportunity:{ids['stale']}" in [e.get("value") for b in digest["blocks"] for e in b.get("elements", [])]
    _tick(bot, DAY_8AM + timedelta(minutes=5))
    assert len(_posts(bot, "DUM")) == 1  # one digest a day


def test_no_digest_on_an_empty_day_unless_asked_and_reps_may_opt_in(bot: RunningBot) -> None:
    _users(
        bot,
        SlackUser(team_id="T1", user_id="UM", role="manager", tz="Europe/Rome", profile_fetched_at=DAY_8AM),
        SlackUser(
            team_id="T1",
            user_id="UN",
            role="manager",
            tz="Europe/Rome",
            profile_fetched_at=DAY_8AM,
            digest_when_empty=True,
        ),
        SlackUser(team_id="T1", user_id="U2", tz="America/New_York", profile_fetched_at=DAY_8AM, daily_summary=True),
    )
    with transaction(bot.deps.new_session) as session:
        session.add(Task(team_id="T1", owner_id="U2", title="Call: Lido", due_at=DAY_8AM + timedelta(hours=8)))
    _tick(bot, DAY_8AM)
    assert not _posts(bot, "DUM") and _rows(bot, recipient="UM")[0].status == "cancelled"
    [empty] = _posts(bot, "DUN")
    assert "Nothing to report today" in blocks_text(empty["blocks"])
    assert not _posts(bot, "DU2")  # 02:00 in New York
    _tick(bot, DAY_8AM + timedelta(hours=6))  # 08:00 in New York
    [summary] = _posts(bot, "DU2")
    assert summary["text"] == "Your day — Tue 31 Mar" and "Call: Lido" in blocks_text(summary["blocks"])


def test_nudges_at_most_once_per_record_per_kind_per_day(bot: RunningBot) -> None:
    ids = _seed_team(bot)
    _tick(bot, DAY_8AM)
    _tick(bot, DAY_8AM + timedelta(seconds=1))  # one message per second per DM channel
    nudges = [r for r in _rows(bot, kind="nudge")]
    kinds = sorted((r.payload["nudge"], r.recipient) for r in nudges)
    assert kinds == [("overdue_task", "U2"), ("past_close", "U2"), ("stale", "U3"), ("stale", "UX")]
    sent_to_u2 = [p["text"] for p in _posts(bot, "DU2")]
    assert any("is overdue" in t for t in sent_to_u2) and any("past its estimated close date" in t for t in sent_to_u2)
    for minutes in (1, 60, 600):
        _tick(bot, DAY_8AM + timedelta(minutes=minutes))
    assert len(_rows(bot, kind="nudge")) == 4
    # the next day: still overdue, so nudged again — unless it was dealt with in between
    with transaction(bot.deps.new_session) as session:
        deal = session.get(Opportunity, ids["stale"])
        assert deal is not None
        deal.status = "lost"
    _tick(bot, DAY_8AM + timedelta(days=1))
    again = sorted((r.payload["nudge"], r.recipient) for r in _rows(bot, kind="nudge")[4:])
    assert again == [("overdue_task", "U2"), ("overdue_task", "U3"), ("past_close", "U2"), ("stale", "UX")]


def _backlog(bot: RunningBot, deals: int) -> dict[str, list[int]]:
    """Rep U2 (manager UM) with `deals` deals past their close date and `deals` stale ones (60 days idle)."""
    _users(bot, make.user("UM", role="manager", profile_fetched_at=DAY_8AM),
           make.user("U2", manager_id="UM", profile_fetched_at=DAY_8AM))  # fmt: skip
    recent, long_ago = DAY_8AM - timedelta(days=1), DAY_8AM - timedelta(days=60)
    with transaction(bot.deps.new_session) as session:
        march, may = date(2026, 3, 1), date(2026, 5, 1)
        late = [make.opportunity("U2", f"Late {n}", created_at=recent, estimated_close_date=march + timedelta(days=n))
                for n in range(deals)]  # fmt: skip
        idle = [make.opportunity("U2", f"Idle {n}", created_at=long_ago, estimated_close_date=may + timedelta(days=n))
                for n in range(deals)]  # fmt: skip
        session.add_all(late + idle)
        session.flush()
        session.add(make.activity(idle[0], "call", "U2", DAY_8AM - timedelta(days=2)))  # worked on: not stale
        return {"late": [o.id or 0 for o in late], "idle": [o.id or 0 for o in idle]}


def test_a_rep_with_a_backlog_gets_ten_nudges_of_a_kind_and_the_digest_counts_the_rest(bot: RunningBot) -> None:
    ids = _backlog(bot, 25)
    _tick(bot, DAY_8AM)
    nudges = _rows(bot, kind="nudge")
    late = sorted(r.record_id for r in nudges if r.payload["nudge"] == "past_close")
    idle = sorted(r.record_id for r in nudges if r.payload["nudge"] == "stale")
    assert late == ids["late"][:10]  # the longest overdue first
    closes = sorted(r.payload["close_date"] for r in nudges if r.payload["nudge"] == "past_close")
    assert closes == [(date(2026, 3, 1) + timedelta(days=n)).isoformat() for n in range(10)]  # checked at send time
    assert idle == ids["idle"][1:11]  # the first has a call two days ago
    [digest] = _posts(bot, "DUM")
    text = blocks_text(digest["blocks"])
    overdue = text.split("*Overdue*")[1].split("*Stale deals*")[0]
    assert "*Late 0* past its close date" in overdue and "*Late 14* past" in overdue and "Late 15" not in overdue
    assert "…and 10 more" in overdue
    stale = text.split("*Stale deals*")[1]
    assert "*Idle 1* — no activity" in stale and "Idle 0*" not in stale and "…and 9 more" in stale
    _tick(bot, DAY_8AM + timedelta(minutes=5))
    assert len(_rows(bot, kind="nudge")) == 20  # planned once a day


def test_a_digest_counts_a_reps_stale_deals_up_to_a_cap(bot: RunningBot) -> None:
    """Each stale deal counted probes the timeline: a rep's are counted up to STALE_COUNT_CAP, past it the
    digest says "+" (a rep owning 20,000 idle deals was most of a manager's digest, bench/busy_rep.py)."""
    _users(bot, make.user("UM", role="manager", profile_fetched_at=DAY_8AM),
           make.user("U2", manager_id="UM", profile_fetched_at=DAY_8AM),
           make.user("U3", manager_id="UM", profile_fetched_at=DAY_8AM, daily_summary=True))  # fmt: skip
    long_ago, may = DAY_8AM - timedelta(days=60), date(2026, 5, 1)
    idle = [{"team_id": "T1", "owner_id": owner, "topic": f"Idle {owner} {n}", "created_at": long_ago,
             "updated_at": long_ago, "estimated_close_date": may + timedelta(days=n % 200)}
            for owner, deals in (("U2", STALE_COUNT_CAP + 20), ("U3", 30)) for n in range(deals)]  # fmt: skip
    with bot.deps.engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), idle)
    for seconds in range(12):  # the nudges and the digest: one message per second per DM channel
        _tick(bot, DAY_8AM + timedelta(seconds=seconds))
    stale = blocks_text(_posts(bot, "DUM")[0]["blocks"]).split("*Stale deals*")[1]
    assert f"…and {STALE_COUNT_CAP + 30 - SECTION_ITEMS:,}+ more" in stale  # U2's counted up to the cap, U3's 30
    [own] = [post for post in _posts(bot, "DU3") if post["text"].startswith("Your day")]
    own = blocks_text(own["blocks"]).split("*Stale deals*")[1]
    assert "…and 15 more" in own  # under the cap: exact


def test_a_team_digest_lists_the_first_tasks_of_everyones_backlog_and_counts_the_rest(bot: RunningBot) -> None:
    """Each rep's tasks are read along their index, SECTION_ITEMS at most: the section merges the reps' first
    ones in due order and counts the rest exactly (the digest's count is not capped)."""
    _users(bot, make.user("UM", role="manager", profile_fetched_at=DAY_8AM),
           make.user("U2", manager_id="UM", profile_fetched_at=DAY_8AM),
           make.user("U3", manager_id="UM", profile_fetched_at=DAY_8AM))  # fmt: skip
    long_ago = DAY_8AM - timedelta(days=10)
    with transaction(bot.deps.new_session) as session:
        session.add_all([make.task("U2", f"Late U2 {n:02d}", long_ago + timedelta(hours=2 * n)) for n in range(20)])
        session.add_all([make.task("U3", f"Late U3 {n:02d}", long_ago + timedelta(hours=2 * n + 1)) for n in range(10)])
        session.add_all([make.task("U2", f"Today {n:02d}", DAY_8AM + timedelta(minutes=n)) for n in range(18)])
    _tick(bot, DAY_8AM)
    [digest] = _posts(bot, "DUM")
    text = blocks_text(digest["blocks"])
    overdue = text.split("*Overdue*")[1].split("\n\n")[0]
    expected = [f"Late U2 {n // 2:02d}" if n % 2 == 0 else f"Late U3 {n // 2:02d}" for n in range(15)]
    assert [line.split("*")[0].lstrip("• ").split(" —")[0] for line in overdue.splitlines()[1:16]] == expected
    assert "…and 15 more" in overdue and "<@U3>" in overdue
    today = text.split("*Due today*")[1].split("*Overdue*")[0]
    assert "Today 14" in today and "Today 15" not in today and "…and 3 more" in today


def test_a_team_digest_lists_the_first_appointments_of_the_day_and_counts_the_rest(bot: RunningBot) -> None:
    """A team's day of meetings: the digest names the first SECTION_ITEMS in start order and counts the rest,
    reading the records of the lines it shows only."""
    _users(bot, make.user("UM", role="manager", profile_fetched_at=DAY_8AM),
           make.user("U2", manager_id="UM", profile_fetched_at=DAY_8AM),
           make.user("U3", manager_id="UM", profile_fetched_at=DAY_8AM))  # fmt: skip
    with transaction(bot.deps.new_session) as session:
        leads = [make.lead("U2" if n % 2 else "U3", f"Account {n:02d}") for n in range(40)]
        session.add_all(leads)
        session.flush()
        visits = [(lead, f"Visit {n:02d}", DAY_8AM + timedelta(minutes=10 * n)) for n, lead in enumerate(leads)]
        session.add_all([make.appointment(lead, lead.owner_id or "", subject, at) for lead, subject, at in visits])
        session.add(make.appointment(leads[0], "UX", "Not the team's", DAY_8AM))
    with orm_loads(Lead, "topic") as loaded:
        _tick(bot, DAY_8AM)
    [digest] = _posts(bot, "DUM")
    meetings = blocks_text(digest["blocks"]).split("*Today's appointments*")[1].split("\n\n")[0]
    assert "Visit 14* — <@U3> (Lead Account 14)" in meetings and "Visit 15" not in meetings
    assert "…and 25 more" in meetings and "Not the team's" not in meetings
    assert len([topic for topic in loaded if topic.startswith("Account")]) <= 15
