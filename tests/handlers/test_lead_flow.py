"""The first slice end to end: /lead → modal → submit → card in DM; list; search; errors."""

from __future__ import annotations

import itertools

from sqlmodel import select

from store.db import transaction
from store.models import Activity, Lead, Post
from tests.conftest import RunningBot
from tests.slack.driver import blocks_text, button_labels
from tests.slack.fake_slack import Message

LEAD_BUTTONS = [
    "Log call", "Add note", "Schedule appointment", "Add task", "Ask colleagues", "Add stakeholder", "Add competitor",
    "Start sequence", "Share", "Assign", "Qualify", "Disqualify", "Timeline", "Edit", "Delete",
]  # fmt: skip
NEW_LEAD_LABELS = [
    "Topic", "First name", "Last name", "Company", "Job title", "Email", "Business phone", "Country", "City",
    "Industry", "Number of employees", "Annual revenue", "Lead source", "Budget amount", "Purchase timeframe",
    "Purchase process", "Description",
]  # fmt: skip


_names = itertools.count(1)


def create_lead(bot: RunningBot, user_id: str = "U1", team_id: str = "T1", **values: str) -> None:
    user = bot.user(user_id, team_id)
    assert user.command("/lead").status == 200
    view = bot.slack.last_view("views.open")
    fields = {"Topic": "20 espresso machines", "Last name": f"Rossi {next(_names)}", "Company": "Caffè Centrale"}
    fields.update(values)
    response = user.submit(view, fields)
    assert response.status == 200 and not response.body.strip(), response.body


def leads(bot: RunningBot) -> list[Lead]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(Lead).order_by(Lead.id)))


def test_lead_opens_the_new_lead_modal_with_the_contract_labels(bot: RunningBot) -> None:
    response = bot.user().command("/lead")
    assert response.status == 200
    view = bot.slack.last_view("views.open")
    assert view["title"]["text"] == "New lead"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == NEW_LEAD_LABELS
    by_label = {b["label"]["text"]: b for b in view["blocks"] if b["type"] == "input"}
    assert by_label["Topic"]["optional"] is False
    timeframe = by_label["Purchase timeframe"]["element"]
    assert [o["text"]["text"] for o in timeframe["options"]] == [
        "Immediate", "This quarter", "Next quarter", "This year", "Unknown",
    ]  # fmt: skip
    assert by_label["Industry"]["element"]["type"] == "static_select"
    assert "Other" in [o["text"]["text"] for o in by_label["Lead source"]["element"]["options"]]
    assert by_label["Annual revenue"]["element"]["type"] == "plain_text_input"


def test_submitting_creates_the_lead_and_posts_its_card_in_dm(bot: RunningBot) -> None:
    create_lead(
        bot, **{"First name": "Giulia", "Email": "giulia@centrale.it", "Annual revenue": "1,299.00",
                "Number of employees": "250", "Industry": "Hospitality", "Purchase timeframe": "This quarter"},
    )  # fmt: skip
    [lead] = leads(bot)
    assert (lead.team_id, lead.owner_id, lead.topic, lead.email) == ("T1", "U1", "20 espresso machines",
                                                                     "giulia@centrale.it")  # fmt: skip
    assert str(lead.annual_revenue) == "1299.00" and lead.employees == 250
    assert lead.industry == "Hospitality" and lead.purchase_timeframe == "This quarter"
    opened = bot.slack.wait_for("conversations.open")[-1]
    assert opened.args["users"] == "U1"
    post = bot.slack.wait_for("chat.postMessage")[-1]
    assert post.args["channel"] == "DU1"
    assert button_labels(post.args["blocks"]) == LEAD_BUTTONS
    assert "Caffè Centrale" in blocks_text(post.args["blocks"])
    with transaction(bot.deps.new_session) as session:
        [card] = session.exec(select(Post)).all()
        [created] = session.exec(select(Activity)).all()
    assert (card.record_id, card.channel) == (lead.id, "DU1")
    assert created.kind == "status" and created.record_id == lead.id


def test_invalid_fields_come_back_as_field_errors_and_create_nothing(bot: RunningBot) -> None:
    user = bot.user()
    user.command("/lead")
    view = bot.slack.last_view("views.open")
    response = user.submit(
        view, {"Topic": "", "Email": "giulia.example.com", "Annual revenue": "abc", "Number of employees": "-3"}
    )
    assert response.status == 200
    answer = response.json
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"topic", "email", "annual_revenue", "employees", "last_name"}
    assert "amount" in answer["errors"]["annual_revenue"]
    assert leads(bot) == []
    assert bot.slack.calls_to("chat.postMessage") == []


def test_accepted_amount_formats(bot: RunningBot) -> None:
    for index, amount in enumerate(["1299", "1299.00", "1,299.00"]):
        create_lead(bot, **{"Budget amount": amount, "Last name": f"Rossi{index}"})
    assert [str(lead.budget_amount) for lead in leads(bot)] == ["1299.00"] * 3


def test_lead_list_shows_my_open_leads_only(bot: RunningBot) -> None:
    create_lead(bot, **{"Topic": "Mine"})
    create_lead(bot, user_id="U2", **{"Topic": "Someone else's"})
    response = bot.user().command("/lead", "list")
    text = response.text
    assert "Mine" in text and "Someone else" not in text
    assert response.json["response_type"] == "ephemeral"
    assert button_labels(response.message.blocks) == ["Open"]


def test_lead_list_when_empty(bot: RunningBot) -> None:
    assert "no open leads" in bot.user().command("/lead", "list").text


def test_search_is_accent_and_case_insensitive_and_one_hit_shows_the_card(bot: RunningBot) -> None:
    create_lead(bot, **{"Company": "Caffè Centrale", "Topic": "Espresso bar"})
    create_lead(bot, **{"Company": "Müller GmbH", "Topic": "Grinders", "Email": "anna@mueller.de"})
    response = bot.user().command("/lead", "CAFFE centrale")
    assert button_labels(response.message.blocks) == LEAD_BUTTONS
    assert "Espresso bar" in response.text
    assert "Grinders" in bot.user().command("/lead", "muller").text
    assert "Grinders" in bot.user().command("/lead", "ANNA@MUELLER").text


def test_search_with_several_hits_lists_them_with_open_buttons(bot: RunningBot) -> None:
    for name in ("Bianchi", "Bianco"):
        create_lead(bot, **{"Last name": name, "Company": "", "Topic": f"Deal {name}"})
    response = bot.user().command("/lead", "bianc")
    assert button_labels(response.message.blocks) == ["Open", "Open"]
    bot.user().click("Open", response.message)
    card = bot.slack.last_message()
    assert card.ephemeral and button_labels(card.blocks) == LEAD_BUTTONS


def test_search_without_hits_says_so(bot: RunningBot) -> None:
    assert "No lead matches" in bot.user().command("/lead", "nobody").text


def test_search_does_not_match_like_wildcards_literally(bot: RunningBot) -> None:
    create_lead(bot, **{"Company": "Acme"})
    assert "No lead matches" in bot.user().command("/lead", "%").text


def test_search_with_a_nul_character_finds_nothing(bot: RunningBot) -> None:
    """A NUL (`%00` in the command's form) once ended SQLite's FTS5 phrase early: a 500, no answer."""
    create_lead(bot, **{"Company": "Acme"})
    for text in ("ac\x00me", "acme\x00", "\x00\x00\x00", "a\x00"):
        response = bot.user().command("/lead", text)
        assert response.status == 200 and "No lead matches" in response.text, text


def test_a_lead_in_one_workspace_is_invisible_to_another(bot: RunningBot) -> None:
    create_lead(bot, team_id="T1", **{"Company": "Secret Roasters"})
    response = bot.user("U1", "T2").command("/lead", "secret")
    assert "No lead matches" in response.text
    assert "no open leads" in bot.user("U1", "T2").command("/lead", "list").text


def test_other_reps_leads_are_not_found_by_search(bot: RunningBot) -> None:
    create_lead(bot, user_id="U2", **{"Company": "Private Beans"})
    assert "No lead matches" in bot.user("U1").command("/lead", "private").text


def test_admins_find_every_lead(bot: RunningBot) -> None:
    bot.deps.admin_ids = frozenset({"UADMIN"})
    create_lead(bot, user_id="U2", **{"Company": "Private Beans"})
    assert "Private Beans" in bot.user("UADMIN").command("/lead", "private").text


def test_card_buttons_no_listener_claims_answer_coming_soon(bot: RunningBot) -> None:
    future = {"type": "button", "text": {"type": "plain_text", "text": "Forecast"}, "action_id": "opp_forecast_x",
              "value": "lead:1"}  # fmt: skip
    message = Message(blocks=[{"type": "actions", "block_id": "b1", "elements": [future]}], channel="C1", ts="1.1")
    bot.user().click("Forecast", message)
    reply = bot.slack.last_message()
    assert reply.ephemeral and "coming soon" in reply.text


def test_global_shortcut_opens_the_modal(bot: RunningBot) -> None:
    bot.user().shortcut("new_lead")
    assert bot.slack.last_view("views.open")["callback_id"] == "lead_new"


def test_app_home_shows_open_leads(bot: RunningBot) -> None:
    create_lead(bot, **{"Topic": "Home sweet home"})
    bot.user().open_home()
    view = bot.slack.last_view("views.publish")
    assert view["type"] == "home"
    assert "Home sweet home" in blocks_text(view["blocks"])
    bot.user().click("Open", view)
    assert button_labels(bot.slack.last_view("views.open")["blocks"]) == LEAD_BUTTONS
