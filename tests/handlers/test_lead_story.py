"""Seed 004's trade-fair story end to end, through signed requests and the fake Slack Web API."""

from __future__ import annotations

import copy
import itertools
import time
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.domain.text import search_text
from store.db import transaction
from store.models import Account, Activity, Appointment, Contact, Lead, Opportunity, Outbox, Post, StepValue
from tests.conftest import RunningBot
from tests.orm_loads import orm_loads
from tests.slack.driver import Actor, blocks_text, button_labels
from tests.slack.fake_slack import Message

_ts = itertools.count(1)


def _all(bot: RunningBot, model: type) -> list:  # type: ignore[type-arg]
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(model).order_by(model.id)))  # type: ignore[attr-defined]


def new_lead(bot: RunningBot, rep: Actor, **fields: str) -> Message:
    rep.command("/lead")
    values = {
        "Topic": "Espresso machines for 12 cafés",
        "First name": "Giulia",
        "Last name": "Bianchi",
        "Company": "Caffè Aurora",
        "Email": "giulia@aurora.example",
        "Budget amount": "60,000",
        "Purchase timeframe": "This quarter",
        "Lead source": "Trade show",
        "Purchase process": "Committee",
        "Number of employees": "250",
    }
    values.update(fields)
    response = rep.submit(bot.slack.last_view("views.open"), values)
    assert response.status == 200 and not response.body, response.body
    return bot.slack.last_message()


def click_and_submit(bot: RunningBot, user: Actor, card: Message, label: str, values: dict) -> object:  # type: ignore[type-arg]
    user.click(label, card)
    modal = bot.slack.last_view()
    return user.submit(modal, values)


def reply_in_thread(user: Actor, channel: str, thread_ts: str, text: str, **extra: object) -> str:
    ts = f"{time.time() + next(_ts) / 1e6:.6f}"  # a real Slack ts: when the reply was written
    event = {
        "type": "message",
        "channel": channel,
        "user": user.user_id,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "parent_user_id": "UBOT",
        "channel_type": "channel",
        **extra,
    }
    assert user.event(event).status == 200
    return ts


def test_trade_fair_story(bot: RunningBot) -> None:
    rep, colleague = bot.user("U1"), bot.user("U2")
    card = new_lead(bot, rep)
    [lead] = _all(bot, Lead)
    first_score = lead.score
    assert lead.grade and "budget" in (lead.score_reason + blocks_text(card.blocks))

    # a phone call after the fair
    answer = click_and_submit(
        bot,
        rep,
        card,
        "Log call",
        {"Subject": "Call after the fair", "Direction": "Outgoing", "Outcome": "Reached", "Notes": "Wants a demo"},
    )
    assert answer.status == 200  # type: ignore[attr-defined]
    updated_card = bot.slack.calls_to("chat.update")[-1]
    assert updated_card.args["channel"] == "DU1" and updated_card.args["ts"] == card.ts

    # ask colleagues in #sales
    click_and_submit(bot, rep, card, "Ask colleagues", {"Channel": "CSALES", "Question": "Who knows Caffè Aurora?"})
    assert bot.slack.calls_to("conversations.join")[-1].args["channel"] == "CSALES"
    asked = [c for c in bot.slack.calls_to("chat.postMessage") if c.args["channel"] == "CSALES"][-1]
    assert "Who knows Caffè Aurora?" in blocks_text(asked.args["blocks"])
    assert "Qualify" in button_labels(asked.args["blocks"])

    # a colleague answers in the thread; an unrelated thread is ignored
    reply_in_thread(colleague, "CSALES", asked.args["_ts"], "I met their buyer at Host Milano")
    reply_in_thread(colleague, "CSALES", "1111.0001", "unrelated chatter")

    # the timeline shows the call before the reply, oldest first
    rep.click("Timeline", card)
    timeline = bot.slack.last_message()
    text = blocks_text(timeline.blocks)
    assert timeline.ephemeral
    assert text.index("Call after the fair") < text.index("I met their buyer") and "unrelated" not in text

    # a meeting with the buyer, with a colleague attending
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    click_and_submit(
        bot,
        rep,
        card,
        "Schedule appointment",
        {
            "Subject": "Demo at Caffè Aurora",
            "Start": int(start.timestamp()),
            "Duration (minutes)": "60",
            "Attendees": ["U2"],
            "Location": "Via Roma 1, Milano",
        },
    )
    [appointment] = _all(bot, Appointment)
    assert (appointment.start_at, appointment.attendees, appointment.duration_minutes) == (start, ["U2"], 60)
    reminders = {row.recipient: row for row in _all(bot, Outbox) if row.kind == "appointment_reminder"}
    assert set(reminders) == {"U1", "U2"}
    assert all(row.due_at == start - timedelta(minutes=15) for row in reminders.values())

    # the buyer is the decision maker
    click_and_submit(bot, rep, card, "Add stakeholder", {"Name": "Marco Conti", "Role": "Decision maker"})
    [lead] = _all(bot, Lead)
    assert lead.score > first_score  # type: ignore[operator]

    # qualify: account, contact and an opportunity at Develop carrying the lead
    rep.click("Qualify", card)
    [lead] = _all(bot, Lead)
    [opportunity] = _all(bot, Opportunity)
    [account] = _all(bot, Account)
    [contact] = _all(bot, Contact)
    assert lead.status == "qualified" and lead.opportunity_id == opportunity.id
    assert (account.name, contact.email) == ("Caffè Aurora", "giulia@aurora.example")
    assert (opportunity.stage, opportunity.account_id, opportunity.contact_id) == ("Develop", account.id, contact.id)
    assert str(opportunity.budget_amount) == "60000.00" and opportunity.purchase_timeframe == "This quarter"
    steps = {s.step: s for s in _all(bot, StepValue) if s.stage == "Qualify"}
    assert steps["Identify decision maker"].done and steps["Identify account"].value == "Caffè Aurora"
    carried = [a for a in _all(bot, Activity) if a.record_type == "opportunity"]
    assert {"call", "reply", "appointment", "post"} <= {a.kind for a in carried}
    note = [c for c in bot.slack.calls_to("chat.postMessage") if c.args.get("thread_ts") == asked.args["_ts"]]
    assert note and "qualified" in note[-1].args["text"]
    assert "Qualify" not in button_labels(bot.slack.calls_to("chat.update")[-1].args["blocks"])


def test_reply_edits_and_deletions_follow_the_thread(bot: RunningBot) -> None:
    rep, colleague = bot.user("U1"), bot.user("U2")
    card = new_lead(bot, rep)
    click_and_submit(bot, rep, card, "Ask colleagues", {"Channel": "CSALES", "Question": "Pricing?"})
    asked = bot.slack.calls_to("chat.postMessage")[-1].args["_ts"]
    ts = reply_in_thread(colleague, "CSALES", asked, "They pay 1,100 per machine")
    colleague.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "CSALES",
            "ts": f"{ts}9",
            "message": {
                "type": "message",
                "user": "U2",
                "text": "They pay 1,150 per machine",
                "ts": ts,
                "thread_ts": asked,
            },
        }
    )
    [reply] = [a for a in _all(bot, Activity) if a.kind == "reply"]
    assert reply.body == "They pay 1,150 per machine" and reply.data.get("edited")
    colleague.event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "CSALES",
            "deleted_ts": ts,
            "ts": f"{ts}8",
            "previous_message": {"ts": ts, "text": "x"},
        }
    )
    [reply] = [a for a in _all(bot, Activity) if a.kind == "reply"]
    assert reply.deleted
    rep.click("Timeline", card)
    assert "(deleted)" in blocks_text(bot.slack.last_message().blocks)


def test_a_redelivered_reply_is_stored_once(bot: RunningBot) -> None:
    rep = bot.user("U1")
    card = new_lead(bot, rep)
    click_and_submit(bot, rep, card, "Ask colleagues", {"Channel": "CSALES", "Question": "Anyone?"})
    asked = bot.slack.calls_to("chat.postMessage")[-1].args["_ts"]
    event = {
        "type": "message",
        "channel": "CSALES",
        "user": "U2",
        "text": "me",
        "ts": "1800000000.000001",
        "thread_ts": asked,
    }
    bot.user("U2").event(event, event_id="EvREPLY1")
    bot.user("U2").event(event, event_id="EvREPLY1", retry_num=1)
    bot.user("U2").event(event, event_id="EvREPLY2")  # same message, another delivery id
    assert len([a for a in _all(bot, Activity) if a.kind == "reply"]) == 1


def test_private_channel_without_the_bot_is_a_field_error(bot: RunningBot) -> None:
    rep = bot.user("U1")
    card = new_lead(bot, rep)
    bot.slack.channels["GSECRET"] = {"is_private": True, "is_member": False}
    response = click_and_submit(bot, rep, card, "Ask colleagues", {"Channel": "GSECRET", "Question": "Hi?"})
    errors = response.json["errors"]  # type: ignore[attr-defined]
    assert "invite" in errors["channel"]
    assert not [c for c in bot.slack.calls_to("chat.postMessage") if c.args["channel"] == "GSECRET"]
    bot.slack.channels["GPRIVATE"] = {"is_private": True, "is_member": True}
    click_and_submit(bot, rep, card, "Ask colleagues", {"Channel": "GPRIVATE", "Question": "Hi?"})
    assert [c for c in bot.slack.calls_to("chat.postMessage") if c.args["channel"] == "GPRIVATE"]
    assert not [c for c in bot.slack.calls_to("conversations.join") if c.args["channel"] == "GPRIVATE"]


def test_modal_validation_errors_change_nothing(bot: RunningBot) -> None:
    rep = bot.user("U1")
    card = new_lead(bot, rep)
    past = int((datetime.now(UTC) - timedelta(hours=2)).timestamp())
    response = click_and_submit(
        bot, rep, card, "Schedule appointment", {"Subject": "", "Start": past, "Duration (minutes)": "abc"}
    )
    assert set(response.json["errors"]) == {"subject", "start", "duration"}  # type: ignore[attr-defined]
    response = click_and_submit(bot, rep, card, "Add stakeholder", {"Role": "Legal"})
    assert "person" in response.json["errors"]  # type: ignore[attr-defined]
    response = click_and_submit(bot, rep, card, "Log call", {"Subject": "", "Direction": "Incoming"})
    assert set(response.json["errors"]) == {"subject"}  # type: ignore[attr-defined]
    assert _all(bot, Appointment) == []


def test_only_owner_sharees_manager_and_admins_may_change_a_lead(bot: RunningBot) -> None:
    from store.users import ensure_user

    owner, stranger, manager, sharee = bot.user("U1"), bot.user("U3"), bot.user("UMGR"), bot.user("U4")
    card = new_lead(bot, owner)
    stranger.click("Log call", card)
    refusal = bot.slack.last_message()
    assert refusal.ephemeral and "Only the owner, their manager or an admin can log a call" in refusal.text
    assert bot.slack.calls_to("views.open")[-1].args["view"]["callback_id"] == "lead_new"  # no Log call modal
    stranger.click("Qualify", card)
    assert _all(bot, Lead)[0].status == "open"

    with transaction(bot.deps.new_session) as session:
        ensure_user(session, team_id="T1", user_id="U1").manager_id = "UMGR"
        ensure_user(session, team_id="T1", user_id="UMGR").role = "manager"
    manager.click("Log call", card)
    assert bot.slack.last_view("views.open")["callback_id"] == "record_log_call_modal"

    click_and_submit(bot, owner, card, "Share", {"Users": ["U4"]})
    assert bot.slack.calls_to("conversations.open")[-1].args["users"] == "U4"
    sharee.click("Add note", card)
    assert bot.slack.last_view("views.open")["callback_id"] == "record_add_note_modal"
    assert (
        "Private" not in sharee.command("/lead", "aurora").text and "Espresso" in sharee.command("/lead", "aurora").text
    )


def test_disqualify_and_reactivate(bot: RunningBot) -> None:
    rep = bot.user("U1")
    card = new_lead(bot, rep)
    response = click_and_submit(bot, rep, card, "Disqualify", {"Note": "budget cut"})
    assert "reason" in response.json["errors"]  # type: ignore[attr-defined]
    click_and_submit(bot, rep, card, "Disqualify", {"Reason": "No longer interested", "Note": "budget cut"})
    [lead] = _all(bot, Lead)
    assert (lead.status, lead.status_reason) == ("disqualified", "No longer interested")
    disqualified_card = Message(blocks=bot.slack.calls_to("chat.update")[-1].args["blocks"], channel="DU1", ts=card.ts)
    assert "Reactivate" in button_labels(disqualified_card.blocks)
    rep.click("Reactivate", disqualified_card)
    assert _all(bot, Lead)[0].status == "open"
    rep.click("Qualify", card)
    rep.click("Disqualify", card)
    assert "qualified" in bot.slack.last_message().text and _all(bot, Lead)[0].status == "qualified"


def test_duplicate_warning_offers_open_existing_or_create_anyway(bot: RunningBot) -> None:
    rep = bot.user("U1")
    new_lead(bot, rep)
    rep.command("/lead")
    response = rep.submit(
        bot.slack.last_view("views.open"), {"Topic": "Again", "Email": "GIULIA@aurora.example", "Last name": "Other"}
    )
    pushed = response.json
    assert pushed["response_action"] == "push" and pushed["view"]["title"]["text"] == "Possible duplicate"
    assert button_labels(pushed["view"]["blocks"]) == ["Open existing", "Create anyway"]
    assert "Again" not in rep.command("/lead", "again").text  # a draft is not a lead yet
    rep.click("Create anyway", {**pushed["view"], "id": "VDUP"})
    assert [lead.status for lead in _all(bot, Lead)] == ["open", "open"]
    assert bot.slack.calls_to("views.update")[-1].args["view_id"] == "VDUP"
    # the same check matches company + full name, accent-insensitively
    rep.command("/lead")
    response = rep.submit(
        bot.slack.last_view("views.open"),
        {"Topic": "Third", "First name": "GIULIA", "Last name": "bianchi", "Company": "Caffe AURORA"},
    )
    assert response.json["response_action"] == "push"
    rep.click("Open existing", response.json["view"])  # the pushed view as acked: Slack names it in container
    assert bot.slack.calls_to("views.update")[-1].args["view_id"] == "V1"
    assert "Espresso machines" in blocks_text(bot.slack.calls_to("views.update")[-1].args["view"]["blocks"])


def test_edit_lead_updates_fields_and_card(bot: RunningBot) -> None:
    rep = bot.user("U1")
    card = new_lead(bot, rep)
    rep.click("Edit", card)
    modal = bot.slack.last_view("views.open")
    assert modal["title"]["text"] == "Edit lead"
    initial = {b["label"]["text"]: b["element"].get("initial_value") for b in modal["blocks"] if b["type"] == "input"}
    assert initial["Budget amount"] == "60,000.00" and initial["Email"] == "giulia@aurora.example"
    response = rep.submit(
        modal, {"Topic": "Espresso machines for 20 cafés", "Company": "Caffè Aurora", "Email": "bad-email"}
    )
    assert "email" in response.json["errors"]
    rep.submit(modal, {"Topic": "Espresso machines for 20 cafés", "Company": "Caffè Aurora", "Budget amount": "80000"})
    [lead] = _all(bot, Lead)
    assert lead.topic == "Espresso machines for 20 cafés" and str(lead.budget_amount) == "80000.00"
    assert "20 cafés" in blocks_text(bot.slack.calls_to("chat.update")[-1].args["blocks"])


def test_posts_are_remembered_for_thread_capture(bot: RunningBot) -> None:
    rep = bot.user("U1")
    card = new_lead(bot, rep)
    click_and_submit(bot, rep, card, "Add competitor", {"Name": "Rival Espresso", "Strengths": "Cheap"})
    click_and_submit(bot, rep, card, "Ask colleagues", {"Channel": "CSALES", "Question": "?"})
    kinds = sorted(p.kind for p in _all(bot, Post))
    assert kinds == ["ask", "card"]
    assert [a.subject for a in _all(bot, Activity) if a.kind == "competitor"] == ["Competitor: Rival Espresso"]


def test_timeline_pages_newest_first_with_older_and_newer(bot: RunningBot) -> None:
    rep = bot.user("U1")
    card = new_lead(bot, rep)
    for index in range(1, 21):
        click_and_submit(bot, rep, card, "Add note", {"Note": f"note {index:02d}"})
    rep.click("Timeline", card)
    first_page = bot.slack.last_message()
    text = blocks_text(first_page.blocks)
    assert "note 20" in text and "note 06" in text and "note 05" not in text  # the 15 most recent entries
    assert text.index("note 06") < text.index("note 20")  # oldest first within the page
    assert button_labels(first_page.blocks) == ["Older"] and len(first_page.blocks) <= 50
    rep.click("Older", first_page)
    older = bot.slack.last_message()
    assert bot.slack.calls_to("response_url")[-1].args["replace_original"] in (True, "true")
    older_text = blocks_text(older.blocks)
    assert "Lead created" in older_text and "note 05" in older_text and "note 06" not in older_text
    assert button_labels(older.blocks) == ["Newer"]


def test_only_people_who_may_work_a_lead_see_its_timeline(bot: RunningBot) -> None:
    card = new_lead(bot, bot.user("U1"))
    bot.user("U9").click("Timeline", card)
    refusal = bot.slack.last_message()
    assert refusal.ephemeral and "Only the owner, their manager or an admin can see its timeline" in refusal.text


def test_the_timeline_shows_to_the_owners_manager_sharees_and_admins_only(bot: RunningBot) -> None:
    """The Timeline reads the record's owner and topic alone (no ORM load): anyone but the owner and
    admins passes only on the facts `load` checks (the owner's manager, the shares)."""
    from store.users import ensure_user

    owner, manager, sharee, admin = bot.user("U1"), bot.user("UMGR"), bot.user("U4"), bot.user("UADMIN")
    card = new_lead(bot, owner, Topic="Tl <b>&amp; Topic")
    bot.deps.admin_ids = frozenset({"UADMIN"})
    for stranger in (manager, sharee):
        stranger.click("Timeline", card)
        assert "Only the owner, their manager or an admin can see its timeline" in bot.slack.last_message().text
    with transaction(bot.deps.new_session) as session:
        ensure_user(session, team_id="T1", user_id="U1").manager_id = "UMGR"
        ensure_user(session, team_id="T1", user_id="UMGR").role = "manager"
    click_and_submit(bot, owner, card, "Share", {"Users": ["U4"]})
    for reader in (owner, manager, sharee, admin):
        reader.click("Timeline", card)
        shown = bot.slack.last_message()
        assert shown.ephemeral and shown.text == "Timeline: Tl &lt;b&gt;&amp;amp; Topic", reader.user_id
        assert "Lead created" in blocks_text(shown.blocks) and "*Shared* <@U4>" in blocks_text(shown.blocks)


def test_the_timeline_of_another_workspaces_record_is_not_found(bot: RunningBot) -> None:
    card = new_lead(bot, bot.user("U1"))
    with transaction(bot.deps.new_session) as session:
        elsewhere = Lead(team_id="T2", owner_id="U1", topic="Elsewhere")
        session.add(elsewhere)
        session.flush()
        forged = copy.deepcopy(card)
        for block in forged.blocks:
            for element in block.get("elements") or []:
                element["value"] = f"lead:{elsewhere.id}"
    bot.user("U1").click("Timeline", forged)
    assert bot.slack.last_message().text == "That record no longer exists or you cannot see it."
    assert "Elsewhere" not in str(bot.slack.calls[-1].args)


def test_search_says_how_many_match_beyond_the_first_ten(bot: RunningBot) -> None:
    rep = bot.user("U1")
    for index in range(12):
        rep.command("/lead")
        rep.submit(bot.slack.last_view("views.open"), {"Topic": f"Findco deal {index}", "Company": f"Findco {index}"})
    response = rep.command("/lead", "findco")
    assert response.json["text"] == "12 leads match"
    assert "Showing 10 of 12" in response.text and button_labels(response.message.blocks) == ["Open"] * 10


def test_a_search_counts_its_hits_up_to_a_hundred(bot: RunningBot) -> None:
    with transaction(bot.deps.new_session) as session:
        for index in range(105):
            topic = f"Findco deal {index}"
            session.add(Lead(team_id="T1", owner_id="U1", topic=topic, search_text=search_text(topic, "Findco")))
    response = bot.user("U1").command("/lead", "findco deal")
    assert response.json["text"] == "100+ leads match"
    assert "Showing 10 of 100+" in response.text and button_labels(response.message.blocks) == ["Open"] * 10


def test_qualify_carries_people_and_competitors(bot: RunningBot) -> None:
    from store.models import Competitor, Stakeholder

    rep = bot.user("U1")
    card = new_lead(bot, rep)
    click_and_submit(bot, rep, card, "Add stakeholder", {"Person": "U5", "Role": "Champion"})
    click_and_submit(bot, rep, card, "Add competitor", {"Name": "Rival", "Strengths": "Cheap", "Weaknesses": "Slow"})
    rep.click("Qualify", card)
    [opportunity] = _all(bot, Opportunity)
    people = [(s.record_type, s.slack_user_id, s.role) for s in _all(bot, Stakeholder)]
    rivals = [(c.record_type, c.name, c.strengths, c.weaknesses) for c in _all(bot, Competitor)]
    assert people == [("lead", "U5", "Champion"), ("opportunity", "U5", "Champion")]
    assert rivals == [("lead", "Rival", "Cheap", "Slow"), ("opportunity", "Rival", "Cheap", "Slow")]
    carried = [a for a in _all(bot, Activity) if a.record_type == "opportunity" and a.data.get("from_lead")]
    assert carried and all(a.record_id == opportunity.id and a.slack_ts is None for a in carried)


def test_qualifying_a_busy_lead_copies_its_timeline_as_rows(bot: RunningBot) -> None:
    """A lead with 1,000 timeline entries: the opportunity gets each one, in order, with where it came from and
    without its Slack message id, copied without building the entries as objects."""
    import sqlalchemy as sa

    rep = bot.user("U1")
    card = new_lead(bot, rep)
    [lead] = _all(bot, Lead)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [{"team_id": "T1", "record_type": "lead", "record_id": lead.id, "kind": "note", "author_id": "U1",
                "subject": f"Note {n:04d}", "occurred_at": start + timedelta(minutes=n), "data": {"n": n},
                "deleted": False, "slack_channel": "C1", "slack_ts": f"1.{n}"} for n in range(1_000)]  # fmt: skip
    with transaction(bot.deps.new_session) as session:
        session.execute(sa.insert(Activity), entries)
    with orm_loads(Activity, "id") as loaded:
        rep.click("Qualify", card)
    [opportunity] = _all(bot, Opportunity)
    with transaction(bot.deps.new_session) as session:
        carried = session.exec(select(Activity).where(Activity.record_type == "opportunity", Activity.kind == "note")
                               .order_by(Activity.id)).all()  # fmt: skip
        copies = [(a.subject, a.record_id, a.slack_ts, a.data) for a in carried]
    assert copies == [(f"Note {n:04d}", opportunity.id, None, {"n": n, "from_lead": lead.id}) for n in range(1_000)]
    assert len(loaded) < 100
