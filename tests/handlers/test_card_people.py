"""Stakeholder and competitor rows on cards: at most five each then "+N more", each with an overflow
`Edit` / `Remove`, changes on the timeline, refused for anyone who may not change the record."""

from __future__ import annotations

from sqlmodel import select

from store import people as people_store
from store.db import transaction
from store.models import Activity, Competitor, Lead, Stakeholder
from tests.conftest import RunningBot
from tests.slack.driver import blocks_text
from tests.slack.fake_slack import Message


def _card(bot: RunningBot) -> Message:
    owner = bot.user("U1")
    owner.command("/lead")
    owner.submit(bot.slack.last_view("views.open"), {"Topic": "Roastery line", "Company": "Tostatura"})
    card = bot.slack.last_message()
    with transaction(bot.deps.new_session) as session:
        lead_id = session.exec(select(Lead)).one().id or 0
        for number in range(6):
            people_store.add_stakeholder(
                session, team_id="T1", record_type="lead", record_id=lead_id, slack_user_id=None,
                name=f"Person {number}", role="Influencer", created_by="U1",
            )  # fmt: skip
    owner.click("Add competitor", card)
    owner.submit(bot.slack.last_view("views.open"), {"Name": "Rival", "Strengths": "Cheap"})
    return _latest(bot, card)


def _latest(bot: RunningBot, card: Message) -> Message:
    update = [m for m in bot.slack.messages() if m.ts == card.ts][-1]
    return Message(blocks=update.blocks, text=update.text, channel=card.channel, ts=card.ts)


def test_rows_with_edit_and_remove(bot: RunningBot) -> None:
    card = _card(bot)
    text = blocks_text(card.blocks)
    assert "*Stakeholders*" in text and "*Competitors*" in text and "+1 more" in text
    assert "Person 4" in text and "Person 5" not in text and "*Rival* · strengths: Cheap" in text
    menus = [e for b in card.blocks if isinstance(b.get("accessory"), dict) for e in [b["accessory"]]]
    assert len(menus) == 6 and all([o["text"]["text"] for o in m["options"]] == ["Edit", "Remove"] for m in menus)

    bot.user("U9").choose("Remove", card)
    assert "Only the owner" in bot.slack.last_message().text
    owner = bot.user("U1")
    owner.choose("Remove", card)
    card = _latest(bot, card)
    text = blocks_text(card.blocks)
    assert "Person 0" not in text and "Person 5" in text and "more" not in text

    owner.choose("Edit", card, nth=5)  # the competitor
    modal = bot.slack.last_view("views.open")
    assert modal["title"]["text"] == "Edit competitor"
    assert owner.submit(modal, {"Name": ""}).json["response_action"] == "errors"
    assert owner.submit(modal, {"Name": "Rival <Co>", "Weaknesses": "Slow"}).body == ""
    card = _latest(bot, card)
    assert "*Rival &lt;Co&gt;* · strengths: Cheap · weaknesses: Slow" in blocks_text(card.blocks)
    owner.choose("Edit", card, nth=0)
    modal = bot.slack.last_view("views.open")
    assert modal["title"]["text"] == "Edit stakeholder"
    assert owner.submit(modal, {"Role": "Decision maker"}).body == ""
    with transaction(bot.deps.new_session) as session:
        assert len(session.exec(select(Stakeholder)).all()) == 5
        assert session.exec(select(Competitor)).one().name == "Rival <Co>"
        assert session.exec(select(Stakeholder).where(Stakeholder.name == "Person 1")).one().role == "Decision maker"
        subjects = [a.subject for a in session.exec(select(Activity).order_by(Activity.id))]  # type: ignore[arg-type]
    assert "Stakeholder removed: Person 0 (Influencer)" in subjects and "Competitor changed: Rival <Co>" in subjects
    assert "Stakeholder changed: Person 1 (Decision maker)" in subjects
