"""Opportunities through Slack: /opp, the card, the stage walk of seed 002, products, win/loss."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from store.db import transaction
from store.models import Activity, StepValue
from tests.conftest import RunningBot
from tests.handlers.opp_helpers import (
    CAFE_PRICE,
    card,
    checklist,
    last_reply,
    load_catalog,
    new_opportunity,
    opportunity,
    stage_changes,
    submit,
    tick,
    view_stage,
)
from tests.slack.driver import blocks_text, button_labels

NEW_OPP_LABELS = ["Topic", "Account", "Contact", "Estimated close date", "Estimated revenue", "Description"]
CONTRACT_BUTTONS = [
    "Next stage", "Previous stage", "Add product", "Log call", "Add note", "Schedule appointment", "Ask colleagues",
    "Add stakeholder", "Add competitor", "Start sequence", "Send literature", "Share", "Close as won",
    "Close as lost", "Timeline", "Edit", "Edit stage", "Add task", "Assign",
]  # fmt: skip


def fill_stage(bot: RunningBot, values: dict[str, object]) -> None:
    bot.user().click("Edit stage", card(bot))
    view = bot.slack.last_view("views.open")
    response = submit(bot.user(), view, values)
    assert response.status == 200 and not response.body.strip(), response.body


def test_opp_new_opens_the_contract_modal_and_creates_at_qualify(bot: RunningBot) -> None:
    bot.user().command("/opp", "new")
    view = bot.slack.last_view("views.open")
    assert view["title"]["text"] == "New opportunity"
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == NEW_OPP_LABELS
    message = new_opportunity(bot, **{"Estimated revenue": "1,299.00", "Estimated close date": "2030-06-30"})
    assert message.channel == "DU1"
    opp = opportunity(bot)
    assert (opp.stage, opp.status, opp.process_name) == ("Qualify", "open", "Lead to opportunity sales process")
    assert opp.estimated_revenue == Decimal("1299.00") and str(opp.estimated_close_date) == "2030-06-30"
    text = blocks_text(message.blocks)
    assert "*▶ Qualify* › Develop › Propose › Close" in text
    labels = button_labels(message.blocks)
    assert set(CONTRACT_BUTTONS) <= set(labels)  # Previous stage too: "always allowed", it says there is none
    assert "Caffè Centrale" in text and "Giulia Rossi" in text
    assert "5 %" in text  # Qualify: 20 % chance × 25 % completed
    assert stage_changes(bot) == [("", "Qualify", "enter")]


def test_new_opportunity_field_errors_change_nothing(bot: RunningBot) -> None:
    bot.user().command("/opp", "new")
    view = bot.slack.last_view("views.open")
    response = bot.user().submit(view, {"Topic": "", "Estimated revenue": "12,34"})
    assert response.json["response_action"] == "errors"
    assert set(response.json["errors"]) == {"topic", "estimated_revenue"}
    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(StepValue)).all() == []
    assert bot.slack.calls_to("chat.postMessage") == []


def test_stage_walk_of_seed_002_with_refused_advances(bot: RunningBot) -> None:
    user = bot.user()
    new_opportunity(bot, **{"Estimated revenue": "10,000.00"})
    # Qualify: account and contact came from the modal, so the gate is open.
    user.click("Next stage", card(bot))
    assert opportunity(bot).stage == "Develop"
    develop = card(bot)
    assert "✓ Qualify › *▶ Develop* › Propose › Close" in blocks_text(develop.blocks)
    assert "Previous stage" in button_labels(develop.blocks)
    assert "20 %" in blocks_text(develop.blocks) and "2,000.00 EUR" in blocks_text(develop.blocks)

    user.click("Next stage", develop)
    refused = last_reply(bot)
    assert "Customer need" in refused and "Proposed solution" in refused and bot.slack.last_message().ephemeral
    assert opportunity(bot).stage == "Develop"

    fill_stage(bot, {"Customer need": "20 machines for new cafés",
                     "Proposed solution": "Café S-100 with service plan"})  # fmt: skip
    assert opportunity(bot).customer_need == "20 machines for new cafés"
    user.click("Next stage", card(bot))
    assert opportunity(bot).stage == "Propose"
    propose = card(bot)
    assert "45 %" in blocks_text(propose.blocks) and "4,500.00 EUR" in blocks_text(propose.blocks)
    assert checklist(propose) == {"Identify sales team": False, "Develop proposal": False,
                                  "Complete internal review": False, "Present proposal": False}  # fmt: skip

    user.click("Next stage", propose)
    refused = last_reply(bot)
    assert "Develop proposal" in refused and "Present proposal" in refused
    assert "Identify sales team" not in refused

    tick(user, card(bot), "Develop proposal")
    assert checklist(card(bot))["Develop proposal"] is True
    user.click("Next stage", card(bot))
    assert "Present proposal" in last_reply(bot) and "Develop proposal" not in last_reply(bot).split("first:")[-1]
    tick(user, card(bot), "Present proposal")
    user.click("Next stage", card(bot))
    assert opportunity(bot).stage == "Close"
    close = card(bot)
    labels = button_labels(close.blocks)
    assert "Finish" in labels and "Next stage" not in labels
    assert "80 %" in blocks_text(close.blocks) and "8,000.00 EUR" in blocks_text(close.blocks)

    user.click("Finish", close)
    refused = last_reply(bot)
    assert "Present final proposal" in refused and "Confirm decision date" in refused
    tick(user, card(bot), "Present final proposal")
    fill_stage(bot, {"Confirm decision date": "2030-07-15"})
    assert str(opportunity(bot).decision_date) == "2030-07-15"
    user.click("Finish", card(bot))
    finished = bot.slack.last_message()
    assert "Close as won" in button_labels(finished.blocks) and "completed its sales process" in finished.text

    user.click("Previous stage", card(bot))
    assert opportunity(bot).stage == "Propose"
    assert stage_changes(bot) == [
        ("", "Qualify", "enter"), ("Qualify", "Develop", "advance"), ("Develop", "Propose", "advance"),
        ("Propose", "Close", "advance"), ("Close", "Propose", "back"),
    ]  # fmt: skip
    with transaction(bot.deps.new_session) as session:
        subjects = [a.subject for a in session.exec(select(Activity).where(Activity.kind == "stage"))]
    assert "Develop → Propose" in subjects and "Close → Propose" in subjects


def test_view_stage_shows_what_a_past_stage_recorded(bot: RunningBot) -> None:
    user = bot.user()
    new_opportunity(bot)
    user.click("Next stage", card(bot))
    view_stage(user, card(bot), "Qualify")
    reply = bot.slack.last_message()
    assert reply.ephemeral
    assert "Identify account: Caffè Centrale" in blocks_text(reply.blocks)
    assert "Identify contact: Giulia Rossi" in blocks_text(reply.blocks)


def test_edit_stage_validates_values(bot: RunningBot, bot_settings: dict[str, object]) -> None:
    new_opportunity(bot)
    bot.user().click("Edit stage", card(bot))
    view = bot.slack.last_view("views.open")
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Checklist", "Identify contact", "Identify account",
                      "Purchase timeframe", "Estimated budget", "Purchase process"]  # fmt: skip
    response = bot.user().submit(view, {"Estimated budget": "lots"})
    assert response.json["response_action"] == "errors" and "amount" in response.json["errors"]["step_3"]
    response = bot.user().submit(view, {"Estimated budget": "25,000", "Purchase timeframe": "This quarter",
                                        "Identify account": "Caffè Centrale",
                                        "Identify contact": "Giulia Rossi"})  # fmt: skip
    assert not response.body.strip()
    opp = opportunity(bot)
    assert opp.budget_amount == Decimal("25000.00") and opp.purchase_timeframe == "This quarter"
    assert "25,000.00 EUR" in blocks_text(card(bot).blocks)


def test_two_cafe_s100_make_revenue_system_calculated_then_user_provided(bot: RunningBot) -> None:
    load_catalog(bot)
    user = bot.user()
    new_opportunity(bot, **{"Estimated revenue": "500"})
    user.click("Add product", card(bot))
    view = bot.slack.last_view("views.open")
    product = next(b for b in view["blocks"] if b["block_id"] == "product")["element"]
    assert product["type"] == "static_select"
    texts = [o["text"]["text"] for o in product["options"]]
    assert "Café S-100 — 1,299.00 EUR / unit" in texts
    bad = user.submit(view, {"Product": "Café S-100 — 1,299.00 EUR / unit", "Quantity": "two", "Discount": "x"})
    assert set(bad.json["errors"]) == {"quantity", "discount"}
    assert opportunity(bot).estimated_revenue == Decimal("500.00")
    ok = user.submit(view, {"Product": "Café S-100 — 1,299.00 EUR / unit", "Quantity": "2"})
    assert not ok.body.strip()
    opp = opportunity(bot)
    assert opp.revenue_mode == "system" and opp.estimated_revenue == 2 * CAFE_PRICE
    text = blocks_text(card(bot).blocks)
    assert "2,598.00 EUR (system-calculated)" in text and "2 × Café S-100" in text

    user.click("Add product", card(bot))
    user.submit(
        bot.slack.last_view("views.open"),
        {"Product": "House roast — 18.90 EUR / kg", "Quantity": "10", "Discount": "1,0.00".replace(",", "")},
    )
    assert opportunity(bot).estimated_revenue == Decimal("2598.00") + Decimal("189.00") - Decimal("10.00")

    user.click("Edit", card(bot))
    edit = bot.slack.last_view("views.open")
    response = submit(user, edit, {"Revenue": "User-provided", "Estimated revenue": "3,000.00"})
    assert not response.body.strip(), response.body
    opp = opportunity(bot)
    assert opp.revenue_mode == "user" and opp.estimated_revenue == Decimal("3000.00")
    assert "3,000.00 EUR (user-provided)" in blocks_text(card(bot).blocks)
    user.click("Add product", card(bot))
    user.submit(bot.slack.last_view("views.open"), {"Product": "Grinder G-20 — 349.50 EUR / unit", "Quantity": "1"})
    assert opportunity(bot).estimated_revenue == Decimal("3000.00")  # user-provided stays


def test_large_price_lists_use_an_external_select(bot: RunningBot) -> None:
    load_catalog(bot, extra_products=100)
    new_opportunity(bot)
    bot.user().click("Add product", card(bot))
    view = bot.slack.last_view("views.open")
    element = next(b for b in view["blocks"] if b["block_id"] == "product")["element"]
    assert element["type"] == "external_select"
    payload = {"type": "block_suggestion", "user": {"id": "U1", "team_id": "T1"}, "team": {"id": "T1"},
               "action_id": element["action_id"], "block_id": "product", "value": "cafe", "api_app_id": "A1",
               "token": "legacy", "view": {**view, "id": "V1"}}  # fmt: skip
    response = bot.driver.post_payload(payload)
    assert [o["text"]["text"] for o in response.json["options"]] == ["Café S-100 — 1,299.00 EUR / unit"]


def test_won_and_lost_with_reopen(bot: RunningBot) -> None:
    user = bot.user()
    new_opportunity(bot, **{"Estimated revenue": "2,598.00"})
    user.click("Next stage", card(bot))
    user.click("Close as won", card(bot))
    view = bot.slack.last_view("views.open")
    actual = next(b for b in view["blocks"] if b["block_id"] == "actual_revenue")["element"]
    assert actual["initial_value"] == "2,598.00"
    bad = user.submit(view, {"Actual revenue": "much", "Close date": "2030-05-01"})
    assert "actual_revenue" in bad.json["errors"] and opportunity(bot).status == "open"
    user.submit(view, {"Actual revenue": "2,500.00", "Close date": "2030-05-01"})
    opp = opportunity(bot)
    assert (opp.status, opp.actual_revenue, str(opp.actual_close_date), opp.probability) == (
        "won", Decimal("2500.00"), "2030-05-01", 100)  # fmt: skip
    won = card(bot)
    assert button_labels(won.blocks)[0] == "Reopen" and "Next stage" not in button_labels(won.blocks)
    assert "✓ Develop › ✓ Propose › ✓ Close › *Won*" in blocks_text(won.blocks)

    user.click("Reopen", won)
    opp = opportunity(bot)
    assert (opp.status, opp.stage, opp.probability) == ("open", "Develop", 20)

    user.click("Close as lost", card(bot))
    view = bot.slack.last_view("views.open")
    bad = user.submit(view, {"Reason": "Out-sold"})
    assert "competitor" in bad.json["errors"]
    user.submit(view, {"Reason": "Out-sold", "Competitor": "Fabrikam Espresso", "Description": "Cheaper"})
    opp = opportunity(bot)
    assert (opp.status, opp.close_reason, opp.close_competitor, opp.probability) == (
        "lost", "Out-sold", "Fabrikam Espresso", 0)  # fmt: skip
    assert "Lost" in blocks_text(card(bot).blocks) and "Fabrikam Espresso" in blocks_text(card(bot).blocks)
    user.click("Reopen", card(bot))
    assert opportunity(bot).stage == "Develop" and opportunity(bot).status == "open"
    assert [kind for _, _, kind in stage_changes(bot)] == ["enter", "advance", "won", "reopen", "lost", "reopen"]


def test_only_owner_manager_or_admin_can_change(bot: RunningBot) -> None:
    message = new_opportunity(bot)
    stranger = bot.user("U9")
    stranger.click("Next stage", message)
    assert "Only the owner, their manager or an admin can" in last_reply(bot)
    assert opportunity(bot).stage == "Qualify"
    bot.user().click("Close as won", message)
    view = bot.slack.last_view("views.open")
    response = stranger.submit(view, {"Actual revenue": "1", "Close date": "2030-01-01"})
    assert "Only the owner" in str(response.json["errors"])
    assert opportunity(bot).status == "open"


def test_edit_assigns_a_new_owner_who_gets_a_dm(bot: RunningBot) -> None:
    new_opportunity(bot)
    bot.user().click("Edit", card(bot))
    submit(bot.user(), bot.slack.last_view("views.open"), {"Owner": "U2"})
    assert opportunity(bot).owner_id == "U2"
    dm = bot.slack.wait_for("chat.postMessage", 2)[-1]
    assert dm.args["channel"] == "DU2" and "assigned you" in dm.args["text"]


def test_opp_lists_my_open_opportunities_by_stage_and_searches(bot: RunningBot) -> None:
    new_opportunity(bot, **{"Topic": "Espresso bar", "Estimated revenue": "1,000"})
    new_opportunity(bot, **{"Topic": "Grinders", "Account": "Müller GmbH", "Estimated revenue": "500"})
    bot.user().click("Next stage", card(bot))
    new_opportunity(bot, user=bot.user("U2"), **{"Topic": "Not mine"})
    listing = bot.user().command("/opp")
    text = listing.text
    assert "Qualify* · 1 · 1,000.00 EUR" in text and "Develop* · 1 · 500.00 EUR" in text
    assert "Not mine" not in text and text.index("Qualify") < text.index("Develop")
    one = bot.user().command("/opp", "MULLER")
    assert "Grinders" in one.text and "Next stage" in button_labels(one.message.blocks)
    assert "No opportunity matches" in bot.user().command("/opp", "nothing").text
    assert "No opportunity matches" in bot.user("U1", "T2").command("/opp", "grinders").text
    several = bot.user().command("/opp", "e")
    assert button_labels(several.message.blocks) == ["Open", "Open"]
    bot.user().click("Open", several.message)
    assert bot.slack.last_message().ephemeral and "Edit stage" in button_labels(bot.slack.last_message().blocks)


def test_opp_search_with_a_nul_character_finds_nothing(bot: RunningBot) -> None:
    """A NUL (`%00` in the command's form) ended SQLite's FTS5 phrase ('unterminated string') and PostgreSQL
    refused it as a value: a 500 and no answer (bot.domain.text.fold now maps it to U+FFFD)."""
    new_opportunity(bot, **{"Topic": "Espresso bar"})
    for text in ("es\x00presso", "espresso\x00", "\x00", "\x00\x00\x00", "list\x00"):
        response = bot.user().command("/opp", text)
        assert response.status == 200 and "No opportunity matches" in response.text, text


def test_auto_completed_steps_and_attachments(bot: RunningBot) -> None:
    user = bot.user()
    new_opportunity(bot)
    user.click("Next stage", card(bot))
    user.click("Add competitor", card(bot))
    view = bot.slack.last_view("views.open")
    user.submit(view, {"Name": "Fabrikam Espresso"})
    assert checklist(card(bot))["Identify competitors"] is True
    user.click("Attach file", card(bot))
    user.submit(bot.slack.last_view("views.open"), {"Title": "Proposal v1", "Link": "https://example.com/p1",
                                                    "For step": "Propose: Develop proposal"})  # fmt: skip
    with transaction(bot.deps.new_session) as session:
        row = session.exec(select(StepValue).where(StepValue.step == "Develop proposal")).one()
    assert row.done and "Proposal v1" in blocks_text(card(bot).blocks)


def test_literature_library_and_send_literature(bot: RunningBot) -> None:
    load_catalog(bot)
    bot.deps.admin_ids = frozenset({"UADMIN"})
    new_opportunity(bot)
    bot.user().click("Send literature", card(bot))
    assert "library is empty" in last_reply(bot)
    listing = bot.user("UADMIN").command("/salesbot", "catalog")
    assert "Café S-100 — 1,299.00 EUR / unit" in listing.text
    bot.user("UADMIN").click("Add literature", listing.message)
    view = bot.slack.last_view("views.open")
    bad = bot.user("UADMIN").submit(view, {"Title": "S-100 brochure", "Link": "not a link"})
    assert "url" in bad.json["errors"]
    bot.user("UADMIN").submit(view, {"Title": "S-100 brochure", "Link": "https://example.com/s100.pdf"})
    assert "Add literature" not in button_labels(bot.user().command("/salesbot", "catalog").message.blocks)

    bot.user().click("Send literature", card(bot))
    view = bot.slack.last_view("views.open")
    assert bot.user().submit(view, {}).json["response_action"] == "errors"
    bot.user().submit(view, {"Literature": ["S-100 brochure"]})
    dm = bot.slack.wait_for("chat.postMessage", 2)[-1]
    assert dm.args["channel"] == "DU1" and "https://example.com/s100.pdf" in blocks_text(dm.args["blocks"])
    with transaction(bot.deps.new_session) as session:
        sent = session.exec(select(Activity).where(Activity.kind == "literature")).one()
    assert "S-100 brochure" in sent.subject
