"""The assistant through Slack: /sequence, Start sequence, the work queue, reminder buttons, settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine
from sqlmodel import select

from bot.slack_client import make_client
from bot.views.leads import lead_card
from scheduler.dispatcher import tick
from store import appointments as appointment_store
from store.db import transaction
from store.models import Activity, Appointment, Enrollment, Lead, Outbox, Sequence, SlackUser, Task
from tests import factories as make
from tests.conftest import RunningBot
from tests.orm_loads import orm_loads
from tests.slack.driver import blocks_text, button_labels
from tests.slack.fake_slack import Message

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 09:00 in Rome


def _setup(bot: RunningBot) -> Lead:
    with transaction(bot.deps.new_session) as session:
        session.add_all(
            [
                make.user("UM", role="manager", profile_fetched_at=NOW),
                make.user("U1", manager_id="UM", profile_fetched_at=NOW),
                make.user("U9", profile_fetched_at=NOW),
            ]
        )
        lead = make.lead("U1", "Espresso machines for 12 cafés", company="Caffè Aurora")
        session.add(lead)
        session.flush()
        return lead


def _tick(bot: RunningBot, now: datetime) -> int:
    """Deliveries only: digests and nudges have their own tests (tests/scheduler/test_assistant.py)."""
    return tick(bot.deps, make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False), now, plan=False)


def _define_sequence(bot: RunningBot) -> None:
    manager = bot.user("UM")
    manager.command("/sequence", "new")
    view = bot.slack.last_view("views.open")
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == ["Name", "Description", "Steps"]
    bad = manager.submit(view, {"Name": "Trade fair follow-up", "Steps": "call: Thank them\nsing a song"})
    assert bad.json["response_action"] == "errors" and "Line 2" in bad.json["errors"]["steps"]
    steps = "call: Thank them for the visit\nwait 1 day\nemail: Send the brochure\nwait 2 days\ncall: Ask for a meeting"
    saved = manager.submit(view, {"Name": "Trade fair follow-up", "Description": "After a fair", "Steps": steps})
    assert saved.json["response_action"] == "update"
    taken = manager.submit(view, {"Name": "trade fair FOLLOW-UP", "Steps": "call: x"})
    assert "already exists" in taken.json["errors"]["name"]


def test_sequence_from_definition_to_the_end_through_slack(bot: RunningBot) -> None:
    lead = _setup(bot)
    rep = bot.user("U1")
    assert "Only managers" in rep.command("/sequence", "new").text
    with time_machine.travel(NOW, tick=False):
        _define_sequence(bot)
        listing = rep.command("/sequence")
        assert "Trade fair follow-up" in listing.text and "Call: Thank them for the visit → Wait 1 day" in listing.text
        assert "Edit" not in button_labels(listing.message.blocks)

        card = Message(blocks=lead_card(lead), channel="DU1", ts="1.1")
        bot.user("U9").click("Start sequence", card)
        assert "Only the owner" in bot.slack.last_message().text
        rep.click("Start sequence", card)
        modal = bot.slack.last_view("views.open")
        assert modal["title"]["text"] == "Start sequence"
        started = rep.submit(modal, {"Sequence": "Trade fair follow-up"})
        assert started.json["response_action"] == "update"
        assert "Call: Thank them for the visit" in blocks_text(started.json["view"]["blocks"])
        again = rep.submit(modal, {"Sequence": "Trade fair follow-up"})
        assert "already follows" in again.json["errors"]["sequence"]

    assert _tick(bot, NOW) == 1
    announcement = bot.slack.messages()[-1]
    assert announcement.channel == "DU1" and "Call: Thank them for the visit" in announcement.text

    # The work queue lists the step; Done in the DM schedules the next one a day later
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        rep.open_home()
        home = bot.slack.last_view("views.publish")
        assert "My work queue" in blocks_text(home["blocks"]) and "Call: Thank them for the visit" in blocks_text(
            home["blocks"]
        )
        rep.click("Done", announcement)
        replaced = bot.slack.messages()[-1]
        assert "Next: *Email: Send the brochure*" in replaced.text and not button_labels(replaced.blocks)
        home = bot.slack.last_view("views.publish")
        assert "Nothing due today" in blocks_text(home["blocks"])
    assert _tick(bot, NOW + timedelta(days=1)) == 0
    assert _tick(bot, NOW + timedelta(days=1, minutes=5)) == 1
    email = bot.slack.messages()[-1]
    assert "Email: Send the brochure" in email.text

    # Snooze postpones by one day; Skip completes the step and schedules the next
    with time_machine.travel(NOW + timedelta(days=1, minutes=10), tick=False):
        rep.open_home()
        rep.click("Snooze", bot.slack.last_view("views.publish"))
    assert _tick(bot, NOW + timedelta(days=2, minutes=5)) == 0
    assert _tick(bot, NOW + timedelta(days=2, minutes=10)) == 1
    with time_machine.travel(NOW + timedelta(days=2, minutes=11), tick=False):
        rep.click("Skip", bot.slack.messages()[-1])
    with transaction(bot.deps.new_session) as session:
        tasks = list(session.exec(select(Task).order_by(Task.id)))  # type: ignore[arg-type]
        assert [(t.title, t.status) for t in tasks] == [
            ("Call: Thank them for the visit", "done"),
            ("Email: Send the brochure", "skipped"),
            ("Call: Ask for a meeting", "open"),
        ]
        assert tasks[2].due_at == NOW + timedelta(days=4, minutes=11)
        # qualifying (the lead engineer's use case) ends the sequence through store.sequences.end_enrollments
        from store.sequences import end_enrollments

        end_enrollments(session, team_id="T1", record_type="lead", record_id=lead.id or 0, now=NOW + timedelta(days=3))
    assert _tick(bot, NOW + timedelta(days=5)) == 0
    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(Enrollment)).one().status == "ended"
        assert session.exec(select(Task).where(Task.status == "open")).first() is None
        subjects = [a.subject for a in session.exec(select(Activity).order_by(Activity.id))]  # type: ignore[arg-type]
    assert subjects[0] == "Sequence Trade fair follow-up started" and "Done: Call: Thank them for the visit" in subjects


def test_editing_a_sequence_affects_only_new_enrollments(bot: RunningBot) -> None:
    _setup(bot)
    manager = bot.user("UM")
    with time_machine.travel(NOW, tick=False):
        _define_sequence(bot)
        with transaction(bot.deps.new_session) as session:
            other = make.lead("U1", "Second lead")
            session.add(other)
            session.flush()
            first_lead = session.exec(select(Lead).order_by(Lead.id)).first()  # type: ignore[arg-type]
        assert first_lead is not None
        rep = bot.user("U1")
        rep.click("Start sequence", Message(blocks=lead_card(first_lead), channel="DU1", ts="1.1"))
        rep.submit(bot.slack.last_view("views.open"), {"Sequence": "Trade fair follow-up"})
        listing = manager.command("/sequence")
        manager.click("Edit", listing.message)
        edit = bot.slack.last_view("views.open")
        assert edit["title"]["text"] == "Edit sequence"
        manager.submit(edit, {"Name": "Trade fair follow-up", "Steps": "linkedin: Connect"})
        rep.click("Start sequence", Message(blocks=lead_card(other), channel="DU1", ts="1.2"))
        rep.submit(bot.slack.last_view("views.open"), {"Sequence": "Trade fair follow-up"})
    with transaction(bot.deps.new_session) as session:
        old, new = session.exec(select(Enrollment).order_by(Enrollment.id)).all()  # type: ignore[arg-type]
        assert len(old.steps) == 5 and [s["kind"] for s in new.steps] == ["linkedin"]
        assert session.exec(select(Sequence)).one().steps == new.steps


def test_reminder_buttons_open_snooze_and_log_outcome(bot: RunningBot) -> None:
    lead = _setup(bot)
    start = NOW + timedelta(hours=2)
    with transaction(bot.deps.new_session) as session:
        appointment = appointment_store.create_appointment(
            session,
            team_id="T1",
            record_type="lead",
            record_id=lead.id or 0,
            owner_id="U1",
            subject="Tasting",
            start_at=start,
            duration_minutes=30,
            attendees=["U9"],
            location="",
            default_minutes_before=15,
            now=NOW,
        )
        appointment_id = appointment.id
    assert _tick(bot, start - timedelta(minutes=15)) == 2
    reminder = next(m for m in bot.slack.messages() if m.channel == "DU1")
    rep = bot.user("U1")
    with time_machine.travel(start - timedelta(minutes=14), tick=False):
        rep.click("Open", reminder)
        card = bot.slack.messages()[-1]
        assert card.ephemeral and "Espresso machines for 12 cafés" in blocks_text(card.blocks)
        rep.click("Snooze 10 min", reminder)
        assert "remind you again at 10:56" in bot.slack.messages()[-1].text
    assert _tick(bot, start - timedelta(minutes=5)) == 0
    assert _tick(bot, start - timedelta(minutes=4)) == 1
    assert "starts in 4 min" in bot.slack.messages()[-1].text

    outsider = bot.user("U7")
    outsider.click("Log outcome", reminder)
    assert "Only the owner" in bot.slack.messages()[-1].text
    rep.click("Log outcome", reminder)
    modal = bot.slack.last_view("views.open")
    assert rep.submit(modal, {"Outcome": ""}).json["response_action"] == "errors"
    assert rep.submit(modal, {"Outcome": "They want two S-100"}).json["response_action"] == "update"
    with transaction(bot.deps.new_session) as session:
        saved = session.get(Appointment, appointment_id)
        assert saved is not None and saved.status == "done" and saved.outcome == "They want two S-100"
        activity = session.exec(select(Activity).where(Activity.kind == "appointment")).one()
        assert activity.body == "They want two S-100" and activity.record_id == lead.id


def test_work_queue_sorts_by_due_time_then_priority_and_acts_on_appointments(bot: RunningBot) -> None:
    lead = _setup(bot)
    with transaction(bot.deps.new_session) as session:
        session.add_all(
            [
                make.task("U1", "Low priority at ten", NOW + timedelta(hours=1), priority=3),
                make.task("U1", "High priority at ten", NOW + timedelta(hours=1), priority=1),
                make.task("U1", "Overdue since Sunday", NOW - timedelta(days=2)),
                make.task("U1", "Tomorrow", NOW + timedelta(days=1)),
                make.task("U2", "Someone else's", NOW),
            ]
        )
        appointment_store.create_appointment(
            session,
            team_id="T1",
            record_type="lead",
            record_id=lead.id or 0,
            owner_id="U1",
            subject="Demo at noon",
            start_at=NOW + timedelta(hours=3),
            duration_minutes=30,
            attendees=[],
            location="",
            default_minutes_before=15,
            now=NOW,
        )
    rep = bot.user("U1")
    with time_machine.travel(NOW, tick=False):
        rep.open_home()
        home = bot.slack.last_view("views.publish")
        text = blocks_text(home["blocks"])
        order = [
            text.index(t)
            for t in ("Overdue since Sunday", "High priority at ten", "Low priority at ten", "Demo at noon")
        ]
        assert order == sorted(order) and "Tomorrow" not in text and "Someone else" not in text
        assert "Sun 8 Mar, 09:00 CET · *overdue*" in text
        assert button_labels(home["blocks"]).count("Done") == 4
        rep.click("Snooze", home, value=None)  # the first Snooze: the overdue task
        with transaction(bot.deps.new_session) as session:
            snoozed = session.exec(select(Task).where(Task.title == "Overdue since Sunday")).one()
            assert snoozed.due_at == NOW + timedelta(days=1)
        home = bot.slack.last_view("views.publish")
        assert "Overdue since Sunday" not in blocks_text(home["blocks"])
        appointment_block = next(b for b in home["blocks"] if b.get("block_id", "").startswith("queue_appointment"))
        snooze = next(e for e in appointment_block["elements"] if e["text"]["text"] == "Snooze")
        rep.click("Snooze", home, value=snooze["value"])
        home = bot.slack.last_view("views.publish")
        assert "Demo at noon" not in blocks_text(home["blocks"])
    # Snoozing takes the appointment off the queue for a day; the meeting and its reminder do not move
    with transaction(bot.deps.new_session) as session:
        kept = session.exec(select(Appointment)).one()
        assert kept.start_at == NOW + timedelta(hours=3) and kept.status == "scheduled"
        reminder = session.exec(select(Outbox).where(Outbox.kind == "appointment_reminder")).one()
        assert reminder.due_at == kept.start_at - timedelta(minutes=15) and reminder.status == "pending"
    with time_machine.travel(NOW + timedelta(hours=23), tick=False):
        rep.open_home()
        assert "Demo at noon" not in blocks_text(bot.slack.last_view("views.publish")["blocks"])
    with time_machine.travel(NOW + timedelta(days=1, minutes=1), tick=False):
        rep.open_home()  # back (as an unfinished appointment of yesterday) once the day is over
        assert "Demo at noon" in blocks_text(bot.slack.last_view("views.publish")["blocks"])


def test_a_long_work_queue_shows_its_first_lines_and_counts_the_rest(bot: RunningBot) -> None:
    """A rep's backlog of overdue tasks grows without bound: Home reads the first 15 lines, in order, and
    counts the rest (capped like /task list); a task's record is named, an appointment still merged in."""
    lead = _setup(bot)
    due = [NOW - timedelta(days=3) + timedelta(minutes=n) for n in range(40)]
    with transaction(bot.deps.new_session) as session:
        session.add_all([make.task("U1", f"Backlog {n:02d}", when, priority=3) for n, when in enumerate(due)])
        session.add(make.task("U1", "On the lead", NOW - timedelta(days=4), about=lead))
        session.add(make.task("U1", "Tomorrow", NOW + timedelta(days=1)))
        appointment_store.create_appointment(
            session, team_id="T1", record_type="lead", record_id=lead.id or 0, owner_id="U1", subject="Early call",
            start_at=NOW - timedelta(days=3, minutes=-5, seconds=30), duration_minutes=30, attendees=[],
            location="", default_minutes_before=15, now=NOW,
        )  # fmt: skip
    rep = bot.user("U1")
    with time_machine.travel(NOW, tick=False):
        rep.open_home()
        text = blocks_text(bot.slack.last_view("views.publish")["blocks"])
        assert "On the lead* — Lead *Espresso machines for 12 cafés (Caffè Aurora)*" in text
        shown = [f"Backlog {n:02d}" for n in range(13)]
        order = [text.index(t) for t in ["On the lead", *shown[:5], "Early call", *shown[5:]]]
        assert order == sorted(order) and "Backlog 13" not in text and "Tomorrow" not in text
        assert "…and 27 more." in text  # 40 + 1 + 1 due, 15 shown
        with transaction(bot.deps.new_session) as session:
            session.add_all([make.task("U1", f"More {n}", NOW - timedelta(days=5)) for n in range(1_000)])
        rep.open_home()
        text = blocks_text(bot.slack.last_view("views.publish")["blocks"])
        assert "Showing 15 of 1,000+." in text and "Backlog 00" not in text and text.count("*More ") == 15


def test_settings_are_per_user_and_bad_values_change_nothing(bot: RunningBot) -> None:
    _setup(bot)
    manager = bot.user("UM")
    manager.command("/salesbot", "settings")
    view = bot.slack.last_view("views.open")
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Reminder minutes before", "Daily summary", "Digest when empty"]
    bad = manager.submit(view, {"Reminder minutes before": "soon"})
    assert bad.json["response_action"] == "errors" and "reminder_minutes" in bad.json["errors"]
    ok = manager.submit(
        view,
        {
            "Reminder minutes before": "30",
            "Daily summary": [],
            "Digest when empty": ["Send my team digest even on empty days"],
        },
    )
    assert ok.json["response_action"] == "update"
    rep = bot.user("U1")
    rep.command("/salesbot", "settings")
    rep_view = bot.slack.last_view("views.open")
    assert [b["label"]["text"] for b in rep_view["blocks"] if b["type"] == "input"] == [
        "Reminder minutes before",
        "Daily summary",
    ]
    rep.submit(rep_view, {"Daily summary": ["Send me a summary of my day every morning"]})
    with transaction(bot.deps.new_session) as session:
        users = {u.user_id: u for u in session.exec(select(SlackUser))}
    assert (users["UM"].reminder_minutes, users["UM"].digest_when_empty, users["UM"].daily_summary) == (30, True, False)
    assert (users["U1"].reminder_minutes, users["U1"].daily_summary) == (None, True)


def test_hundreds_of_appointments_in_the_queue_read_one_page(bot: RunningBot) -> None:
    """A rep who never marks meetings done has hundreds in the queue's 30 days (owned and attended): Home
    builds the first 15 of them as objects, not all, and still counts the rest; snoozed ones stay out."""
    lead = _setup(bot)
    rows = [{"team_id": "T1", "record_type": "lead", "record_id": lead.id, "subject": f"Meeting {n:03d}",
             "owner_id": "U1" if n % 2 else "U9", "attendees": [] if n % 2 else ["U9", "U1"],
             "start_at": NOW - timedelta(days=20) + timedelta(hours=n), "status": "scheduled",
             "queue_after": NOW + timedelta(hours=1) if n % 50 == 7 else None}
            for n in range(300)]  # fmt: skip
    rows += [{**rows[0], "subject": "Not theirs", "owner_id": "U9", "attendees": ["U11"]}]
    with transaction(bot.deps.new_session) as session:
        session.execute(sa.insert(Appointment), rows)
    with orm_loads(Appointment, "subject") as loaded, time_machine.travel(NOW, tick=False):
        bot.user("U1").open_home()
    text = blocks_text(bot.slack.last_view("views.publish")["blocks"])
    shown = [f"Meeting {n:03d}" for n in range(16) if n != 7]
    order = [text.index(subject) for subject in shown]
    assert order == sorted(order) and "Meeting 007" not in text and "Meeting 016" not in text
    assert "…and 279 more." in text  # 300 − 6 snoozed − 15 shown
    assert len(loaded) <= 15
