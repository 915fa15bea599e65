"""`Assign` on a lead card: who may, both DMs, the timeline, and the tasks and reminders that follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlmodel import select

from bot.slack_client import make_client
from scheduler.dispatcher import tick
from store import appointments as appointment_store
from store.db import transaction
from store.models import Activity, Appointment, Lead, Outbox, SlackUser, Task
from tests.conftest import RunningBot
from tests.slack.driver import blocks_text, button_labels

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def _setup(bot: RunningBot) -> None:
    with transaction(bot.deps.new_session) as session:
        session.add(SlackUser(team_id="T1", user_id="UM", role="manager", tz="Europe/Rome", profile_fetched_at=NOW))
        for user in ("U1", "U2"):
            session.add(
                SlackUser(team_id="T1", user_id=user, manager_id="UM", tz="Europe/Rome", profile_fetched_at=NOW)
            )


def test_the_managers_assign_moves_the_lead_its_tasks_and_reminders(bot: RunningBot) -> None:
    _setup(bot)
    owner, manager = bot.user("U1"), bot.user("UM")
    with time_machine.travel(NOW, tick=False):
        owner.command("/lead")
        owner.submit(bot.slack.last_view("views.open"), {"Topic": "Kiosk espresso", "Company": "Stazione"})
        card = bot.slack.last_message()
        assert "Assign" in button_labels(card.blocks)
        owner.click("Add task", card)
        owner.submit(
            bot.slack.last_view("views.open"),
            {"Subject": "Call the buyer", "Due": int((NOW + timedelta(hours=2)).timestamp())},
        )
        with transaction(bot.deps.new_session) as session:
            lead = session.exec(select(Lead)).one()
            appointment_store.create_appointment(
                session, team_id="T1", record_type="lead", record_id=lead.id or 0, owner_id="U1", subject="Site visit",
                start_at=NOW + timedelta(hours=5), duration_minutes=30, attendees=[], location="",
                default_minutes_before=15, now=NOW,
            )  # fmt: skip

        bot.user("U9").click("Assign", card)
        assert "Only the owner, their manager or an admin can assign it" in bot.slack.last_message().text
        manager.click("Assign", card)
        modal = bot.slack.last_view("views.open")
        assert modal["title"]["text"] == "Assign lead"
        assert [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"] == ["New owner"]
        same = manager.submit(modal, {"New owner": "U1"}).json
        assert "already owns it" in same["errors"]["new_owner"]
        sent_before = len(bot.slack.messages())
        assert manager.submit(modal, {"New owner": "U2"}).body == ""

    told = bot.slack.messages()[sent_before:]
    to_new = next(m for m in told if m.channel == "DU2")
    assert "<@UM> assigned this lead to you. 1 open task" in blocks_text(to_new.blocks)
    assert "Kiosk espresso" in blocks_text(to_new.blocks) and "Log call" in button_labels(to_new.blocks)
    to_previous = next(m for m in told if m.channel == "DU1" and m.ts != card.ts)
    assert "assigned the lead *Kiosk espresso* to <@U2>" in blocks_text(to_previous.blocks)
    assert "no longer have access" in blocks_text(to_previous.blocks)
    refreshed = [m for m in told if m.ts == card.ts]
    assert refreshed and "<@U2>" in blocks_text(refreshed[-1].blocks)

    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(Lead)).one().owner_id == "U2"
        assert session.exec(select(Task)).one().owner_id == "U2"
        assert session.exec(select(Appointment)).one().owner_id == "U2"
        pending = {(r.kind, r.recipient) for r in session.exec(select(Outbox).where(Outbox.status == "pending"))}
        assert pending == {("task_due", "U2"), ("appointment_reminder", "U2")}
        entry = session.exec(select(Activity).where(Activity.kind == "assign")).one()
        assert (entry.author_id, entry.data["people"], entry.data["previous_owner"]) == ("UM", ["U2"], "U1")

    # the previous owner has no access any more (not shared with them); the reminder goes to the new owner
    owner.click("Add note", card)
    assert "Only the owner" in bot.slack.last_message().text
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    assert tick(bot.deps, client, NOW + timedelta(hours=2), plan=False) == 1
    assert bot.slack.messages()[-1].channel == "DU2"
