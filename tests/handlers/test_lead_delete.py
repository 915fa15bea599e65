"""`Delete` on a lead card: owners and admins only, behind a confirm dialog; personal data erased,
work on it stopped, the timeline keeps who deleted it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlmodel import select

from store.db import transaction
from store.models import Activity, Lead, Outbox, Share, Task
from tests.conftest import RunningBot
from tests.slack.driver import blocks_text, button_labels, find_button

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def test_deleting_a_lead_erases_its_personal_data(bot: RunningBot) -> None:
    owner, sharee = bot.user("U1"), bot.user("U2")
    with time_machine.travel(NOW, tick=False):
        owner.command("/lead")
        owner.submit(bot.slack.last_view("views.open"), {
            "Topic": "Spam offer", "First name": "Mario", "Last name": "Rossi", "Email": "mario@rossi.it",
            "Business phone": "+39 02 1234", "City": "Roma",
        })  # fmt: skip
        card = bot.slack.last_message()
        _, delete = find_button(card.blocks, "Delete")
        assert delete["confirm"]["confirm"]["text"] == "Delete"
        owner.click("Add note", card)
        owner.submit(bot.slack.last_view("views.open"), {"Note": "Mario called from his mobile"})
        owner.click("Add task", card)
        owner.submit(
            bot.slack.last_view("views.open"),
            {"Subject": "Call Mario", "Due": int((NOW + timedelta(hours=2)).timestamp())},
        )
        with transaction(bot.deps.new_session) as session:
            lead = session.exec(select(Lead)).one()
            session.add(Share(team_id="T1", record_type="lead", record_id=lead.id or 0, user_id="U2"))

        sharee.click("Delete", card)
        assert "Only the lead's owner or an admin" in bot.slack.last_message().text
        with transaction(bot.deps.new_session) as session:
            assert session.exec(select(Lead)).one().email == "mario@rossi.it"
        owner.click("Delete", card)
    assert "Lead deleted" in bot.slack.last_message().text
    with transaction(bot.deps.new_session) as session:
        lead = session.exec(select(Lead)).one()
        assert (lead.status, lead.topic, lead.first_name, lead.last_name, lead.email, lead.city) == (
            "deleted", "Deleted lead", "", "", "", "",
        )  # fmt: skip
        entries = session.exec(select(Activity).order_by(Activity.id)).all()  # type: ignore[arg-type]
        assert all(not e.body and e.deleted for e in entries[:-1])
        assert (entries[-1].subject, entries[-1].author_id) == ("Deleted: personal data erased", "U1")
        task = session.exec(select(Task)).one()
        assert (task.status, task.title) == ("cancelled", "(erased)")
        assert not session.exec(select(Outbox).where(Outbox.status == "pending")).all()
    redrawn = [m for m in bot.slack.messages() if m.ts == card.ts][-1]
    assert "Deleted lead" in blocks_text(redrawn.blocks) and "mario" not in blocks_text(redrawn.blocks).lower()
    assert button_labels(redrawn.blocks) == ["Timeline"]
    assert "No lead matches" in owner.command("/lead", "mario").text
