"""Ad-hoc tasks through Slack: `Add task` on a card, `/task`, `/task list`, the DM at the due time,
the work queue, reassigning from the Task modal, the overdue nudge and Done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine
from sqlmodel import select

from bot.slack_client import make_client
from bot.views.leads import lead_card
from scheduler.dispatcher import tick
from store.db import transaction
from store.models import Activity, Lead, Opportunity, Outbox, Share, SlackUser, Task
from tests.conftest import RunningBot
from tests.slack.driver import blocks_text, button_labels
from tests.slack.fake_slack import Message

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 09:00 in Rome
FIELDS = ["Subject", "Due", "Assignee", "Priority", "Description"]


def _setup(bot: RunningBot) -> Lead:
    with transaction(bot.deps.new_session) as session:
        for user, manager in (("UM", None), ("U1", "UM"), ("U2", None), ("U9", None)):
            role = "manager" if user == "UM" else "rep"
            session.add(
                SlackUser(
                    team_id="T1", user_id=user, role=role, manager_id=manager, tz="Europe/Rome", profile_fetched_at=NOW
                )
            )
        lead = Lead(team_id="T1", owner_id="U1", topic="Espresso machines for 12 cafés", company="Caffè Aurora")
        session.add(lead)
        session.flush()
        session.add(Share(team_id="T1", record_type="lead", record_id=lead.id or 0, user_id="U2"))
        return lead


def _tick(bot: RunningBot, now: datetime, *, plan: bool = False) -> int:
    return tick(bot.deps, make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False), now, plan=plan)


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _inputs(view: dict) -> list[str]:  # type: ignore[type-arg]
    return [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]


def test_a_tasks_life_from_the_card_to_done(bot: RunningBot) -> None:
    lead = _setup(bot)
    rep, colleague = bot.user("U1"), bot.user("U2")
    card = Message(blocks=lead_card(lead), channel="DU1", ts="1.1")
    assert "Add task" in button_labels(card.blocks) and "Assign" in button_labels(card.blocks)
    due = NOW + timedelta(hours=2)
    with time_machine.travel(NOW, tick=False):
        bot.user("U9").click("Add task", card)
        assert "Only the owner" in bot.slack.last_message().text
        rep.click("Add task", card)
        modal = bot.slack.last_view("views.open")
        assert modal["title"]["text"] == "Add task" and _inputs(modal) == FIELDS
        priority = next(b for b in modal["blocks"] if b.get("block_id") == "priority")["element"]
        assert [o["text"]["text"] for o in priority["options"]] == ["High", "Normal", "Low"]
        errors = rep.submit(modal, {"Subject": "", "Due": _ts(NOW - timedelta(hours=1))}).json["errors"]
        assert set(errors) == {"subject", "due"}
        stranger = rep.submit(modal, {"Subject": "Send the offer", "Due": _ts(due), "Assignee": "U9"}).json
        assert "may not work this lead" in stranger["errors"]["assignee"]
        with transaction(bot.deps.new_session) as session:
            assert session.exec(select(Task)).first() is None  # refused: nothing stored
        added = rep.submit(
            modal,
            {
                "Subject": "Send the <offer>",
                "Due": _ts(due),
                "Assignee": "U2",
                "Priority": "High",
                "Description": "Two S-100",
            },
        )
        assert added.json["response_action"] == "update"
        assert "&lt;offer&gt;" in blocks_text(added.json["view"]["blocks"])
    told = bot.slack.messages()[-1]
    assert told.channel == "DU2" and "<@U1> gave you a task" in blocks_text(told.blocks)
    assert button_labels(told.blocks) == ["Done", "Snooze", "Open"]
    with transaction(bot.deps.new_session) as session:
        task = session.exec(select(Task)).one()
        assert (task.owner_id, task.created_by, task.priority, task.record_id) == ("U2", "U1", 1, lead.id)
        entry = session.exec(select(Activity).where(Activity.kind == "task")).one()
        assert entry.subject == "Task added: Send the <offer>" and entry.data["people"] == ["U2"]

    # one DM at the due time, through the outbox
    assert _tick(bot, due - timedelta(minutes=1)) == 0
    assert _tick(bot, due) == 1
    assert _tick(bot, due + timedelta(minutes=1)) == 0
    reminder = bot.slack.messages()[-1]
    assert reminder.channel == "DU2" and reminder.text.startswith(
        "Task due: Send the &lt;offer&gt;"
    )  # user text escaped
    assert button_labels(reminder.blocks) == ["Done", "Snooze", "Open"]

    # the work queue shows it with Done / Snooze / Open; Open is the Task modal, which reassigns it
    with time_machine.travel(due + timedelta(minutes=5), tick=False):
        colleague.open_home()
        home = bot.slack.last_view("views.publish")
        assert "Send the &lt;offer&gt;" in blocks_text(home["blocks"])
        assert "Skip" not in button_labels(home["blocks"])
        colleague.click("Open", reminder)
        task_modal = bot.slack.last_view("views.open")
        assert task_modal["title"]["text"] == "Task" and _inputs(task_modal) == FIELDS
        assert "Open lead" in button_labels(task_modal["blocks"])
        bot.user("U9").click("Open", reminder)
        assert "Only the owner" in bot.slack.last_message().text
        saved = colleague.submit(task_modal, {"Assignee": "U1"})
        assert saved.json["response_action"] == "update"
    moved = bot.slack.messages()[-1]
    assert moved.channel == "DU1" and "<@U2> gave you a task" in blocks_text(moved.blocks)
    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(Task)).one().owner_id == "U1"
        subjects = [a.subject for a in session.exec(select(Activity).where(Activity.kind == "task"))]
        assert subjects == ["Task added: Send the <offer>", "Task reassigned: Send the <offer>"]

    # the next morning it is overdue: the nudge carries Done / Snooze / Open, and Done completes it
    sent_before = len(bot.slack.messages())
    _tick(bot, NOW + timedelta(days=1, hours=1), plan=True)
    nudge = next(m for m in bot.slack.messages()[sent_before:] if "overdue" in m.text)
    assert nudge.channel == "DU1" and button_labels(nudge.blocks) == ["Done", "Snooze", "Open"]
    with time_machine.travel(NOW + timedelta(days=1, hours=1, minutes=5), tick=False):
        rep.click("Done", nudge)
    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(Task)).one().status == "done"
        assert session.exec(select(Activity).where(Activity.subject == "Done: Send the <offer>")).one()


def test_task_command_adds_a_lone_task_and_lists_mine(bot: RunningBot) -> None:
    _setup(bot)
    rep = bot.user("U1")
    assert "/task list" in rep.command("/task", "what").text
    with time_machine.travel(NOW, tick=False):
        rep.command("/task")
        modal = bot.slack.last_view("views.open")
        assert modal["title"]["text"] == "Add task" and _inputs(modal) == FIELDS
        assignee = next(b for b in modal["blocks"] if b.get("block_id") == "assignee")["element"]
        assert assignee["initial_user"] == "U1"
        rep.submit(modal, {"Subject": "Prepare the fair", "Due": _ts(NOW + timedelta(hours=3)), "Priority": "Low"})
        assert not [m for m in bot.slack.messages() if m.channel == "DU1"]  # my own task: no DM
        listing = rep.command("/task", "list")
    text = listing.text
    assert "Prepare the fair" in text and "Low priority" in text
    assert button_labels(listing.message.blocks) == ["Done", "Snooze", "Open"]
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        rep.click("Snooze", listing.message)
    with transaction(bot.deps.new_session) as session:
        task = session.exec(select(Task)).one()
        assert task.due_at == NOW + timedelta(days=1, hours=3) and task.record_id is None
        pending = session.exec(select(Outbox).where(Outbox.status == "pending")).all()
        assert [row.due_at for row in pending] == [task.due_at]
    assert "No open tasks" in bot.user("U2").command("/task", "list").text


def _open_tasks(bot: RunningBot, rows: list[dict[str, object]]) -> None:
    with transaction(bot.deps.new_session) as session:
        session.execute(sa.insert(Task), [{"team_id": "T1", "owner_id": "U1", "status": "open", **r} for r in rows])


def test_task_list_shows_the_first_tasks_with_their_records_and_counts_them_all(bot: RunningBot) -> None:
    lead = _setup(bot)
    with transaction(bot.deps.new_session) as session:
        deal = Opportunity(team_id="T1", owner_id="U1", topic="Roaster upgrade", account_name="Bar Sport")
        session.add(deal)
        session.flush()
        deal_id = deal.id
    hour = timedelta(hours=1)
    _open_tasks(bot, [{"title": "Low first", "due_at": NOW + hour, "priority": 3},
                      {"title": "High second", "due_at": NOW + hour, "priority": 1, "record_type": "opportunity",
                       "record_id": deal_id},
                      {"title": "Soonest", "due_at": NOW + hour / 2, "priority": 2, "record_type": "lead",
                       "record_id": lead.id}])  # fmt: skip
    _open_tasks(bot, [{"title": f"Later {n}", "due_at": NOW + hour * (2 + n), "priority": 2} for n in range(37)])
    _open_tasks(bot, [{"title": "Done already", "due_at": NOW, "priority": 1, "status": "done"}])
    with transaction(bot.deps.new_session) as session:
        session.execute(sa.insert(Task), [{"team_id": "T1", "owner_id": "U2", "title": "Theirs", "due_at": NOW}])
    with time_machine.travel(NOW, tick=False):
        listing = bot.user("U1").command("/task", "list")
    text = listing.text
    order = [text.index(title) for title in ("Soonest", "High second", "Low first", "Later 0", "Later 11")]
    assert order == sorted(order) and "Later 12" not in text and "Done already" not in text and "Theirs" not in text
    assert "Lead *Espresso machines for 12 cafés (Caffè Aurora)*" in text
    assert "Opportunity *Roaster upgrade (Bar Sport)*" in text
    assert "Showing 15 of 40:" in text
    assert len(button_labels(listing.message.blocks)) == 15 * 3 and not bot.slack.violations
    _open_tasks(bot, [{"title": f"Pile {n}", "due_at": NOW + hour * 99, "priority": 2} for n in range(961)])
    with time_machine.travel(NOW, tick=False):
        assert "Showing 15 of 1,001:" in bot.user("U1").command("/task", "list").text  # exact, not "1,000+"
