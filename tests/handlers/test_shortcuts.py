"""Message shortcuts: Create lead from message, Log message to…"""

from __future__ import annotations

from sqlmodel import select

from store.db import transaction
from store.models import Activity, Lead
from tests.conftest import RunningBot
from tests.slack.driver import blocks_text
from tests.slack.fake_slack import UserProfile

MESSAGE = {
    "user": "UCUST",
    "ts": "1790000000.000200",
    "text": "Looking for 12 espresso machines for our new cafés\nwrite to anna@aurora.example",
}


def test_create_lead_from_message_prefills_and_logs_the_message_first(bot: RunningBot) -> None:
    bot.slack.users["UCUST"] = UserProfile(real_name="Anna Verdi")
    rep = bot.user("U1")
    assert rep.message_shortcut("create_lead_from_message", MESSAGE, channel="CFAIR").status == 200
    modal = bot.slack.last_view("views.open")
    initial = {b["label"]["text"]: b["element"].get("initial_value") for b in modal["blocks"] if b["type"] == "input"}
    assert initial["Topic"] == "Looking for 12 espresso machines for our new cafés"
    assert (initial["First name"], initial["Last name"], initial["Email"]) == ("Anna", "Verdi", "anna@aurora.example")
    assert "write to anna" in initial["Description"]
    rep.submit(modal, {"Topic": initial["Topic"], "Last name": "Verdi", "Company": "Aurora"})
    with transaction(bot.deps.new_session) as session:
        lead = session.exec(select(Lead)).one()
        entries = list(
            session.exec(select(Activity).where(Activity.record_id == lead.id).order_by(Activity.occurred_at))
        )
    assert entries[0].kind == "message" and entries[0].author_id == "UCUST"
    assert entries[0].data["permalink"].endswith("/archives/CFAIR/p1790000000000200")
    assert entries[0].occurred_at.timestamp() == 1790000000.0002
    assert bot.slack.calls_to("chat.postMessage")[-1].args["channel"] == "DU1"


def test_log_message_to_a_lead(bot: RunningBot) -> None:
    rep = bot.user("U1")
    rep.command("/lead")
    rep.submit(bot.slack.last_view("views.open"), {"Topic": "Roasts", "Company": "Torrefazione"})
    rep.message_shortcut("log_message_to", {"user": "U7", "ts": "1790000100.000100", "text": "They signed the NDA"})
    modal = bot.slack.last_view("views.open")
    assert modal["title"]["text"] == "Log message to…"
    response = rep.submit(modal, {})
    assert "record" in response.json["errors"]
    rep.submit(modal, {"Record": "Roasts — Torrefazione"})
    with transaction(bot.deps.new_session) as session:
        logged = session.exec(select(Activity).where(Activity.kind == "message")).one()
    assert (logged.body, logged.author_id, logged.record_type) == ("They signed the NDA", "U7", "lead")
    assert [c.args["channel"] for c in bot.slack.calls_to("chat.update")] == ["DU1"]  # the card copy is refreshed


def test_log_message_lists_only_what_the_user_may_see(bot: RunningBot) -> None:
    other = bot.user("U2")
    other.command("/lead")
    other.submit(bot.slack.last_view("views.open"), {"Topic": "Secret deal", "Company": "Hidden"})
    bot.user("U1").message_shortcut("log_message_to", {"user": "U7", "ts": "1.1", "text": "x"})
    modal = bot.slack.last_view("views.open")
    assert "Secret deal" not in str(modal) and "no lead or opportunity" in blocks_text(modal["blocks"])
