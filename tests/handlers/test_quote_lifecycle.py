"""Quotes through Slack, part 3: Activate (with the PDF read back), Mark as sent, Revise, the
customer's answer (an order and the offer to close as won, or Lost with a reason), orders, expiry."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlmodel import select

from store.db import transaction
from store.models import Opportunity, StepValue
from tests.conftest import RunningBot
from tests.handlers.opp_helpers import card, new_opportunity, opportunity, submit, tick
from tests.handlers.quote_helpers import (
    create_quote,
    ephemeral_text,
    opportunity_with_products,
    orders,
    quote_card,
    quote_events,
    quotes,
    text_of,
    uploaded_pdf_text,
)
from tests.slack.driver import blocks_text, button_labels
from tests.slack.fake_slack import Message

ACTIVE_BUTTONS = ["Mark as sent", "Revise", "Customer accepted", "Customer declined", "Download PDF"]


@pytest.fixture
def bot_settings() -> dict[str, object]:
    return {"company_name": "Contoso Coffee S.r.l.", "company_address": "Via Roma 1, 20100 Milano",
            "default_tax_rate": "22"}  # fmt: skip


def active_quote(bot: RunningBot, **values: str) -> None:
    opportunity_with_products(bot)
    bot.user().click("Activate", create_quote(bot, **values))
    assert quotes(bot)[-1].status == "active"


def test_activate_locks_and_uploads_a_pdf_with_number_lines_and_total(bot: RunningBot) -> None:
    active_quote(bot, **{"Freight": "50", "Payment terms": "30 days net"})
    message = quote_card(bot)
    assert button_labels(message.blocks) == ACTIVE_BUTTONS
    assert "Active" in text_of(message)
    # 2,598.00 + 50.00 freight = 2,648.00; tax 22 % (the DEFAULT_TAX_RATE) = 582.56; total 3,230.56
    assert "*Total: 3,230.56 EUR*" in text_of(message)
    complete = bot.slack.wait_for("files.completeUploadExternal")[-1]
    assert complete.args["channel_id"] == "DU1"
    text = uploaded_pdf_text(bot)
    for expected in ("Contoso Coffee S.r.l.", "Via Roma 1, 20100 Milano", "Quote Q-00001 rev 1", "Café S-100",
                     "2,598.00 EUR", "Freight", "Tax 22 %", "582.56 EUR", "3,230.56 EUR", "30 days net"):  # fmt: skip
        assert expected in text, expected
    bot.user().click("Download PDF", message)
    assert len(bot.slack.calls_to("files.completeUploadExternal")) == 2
    bot.user("U2").click("Download PDF", message)  # someone who may not see the deal gets no PDF
    assert "Only the owner, their manager or an admin" in ephemeral_text(bot)
    assert len(bot.slack.calls_to("files.completeUploadExternal")) == 2


def test_an_active_quote_refuses_edits(bot: RunningBot) -> None:
    active_quote(bot)
    stale_draft_card = [m for m in bot.slack.messages() if "Edit quote" in button_labels(m.blocks)][-1]
    bot.user().click("Edit quote", stale_draft_card)
    assert "changed since this card was drawn" in ephemeral_text(bot) or "can no longer be edited" in ephemeral_text(
        bot
    )
    assert quotes(bot)[0].status == "active" and quotes(bot)[0].version == 1


def test_mark_as_sent_ticks_present_proposal_and_revise_keeps_the_number(bot: RunningBot) -> None:
    user = bot.user()
    active_quote(bot)
    with transaction(bot.deps.new_session) as session:  # the deal is presenting its proposal
        row = session.get(Opportunity, opportunity(bot).id)
        assert row is not None
        row.stage = "Propose"
        session.add(row)
    user.click("Mark as sent", quote_card(bot))
    assert "recorded as sent" in ephemeral_text(bot)
    with transaction(bot.deps.new_session) as session:
        steps = session.exec(select(StepValue).where(StepValue.step == "Present proposal")).all()
        assert [(s.stage, s.done) for s in steps] == [("Propose", True)]
    user.click("Revise", quote_card(bot))
    old, new = quotes(bot)
    assert (old.status, new.status) == ("revised", "draft")
    assert (new.number, new.revision, new.total) == (old.number, 2, old.total)
    assert "Quote Q-00001 rev 2" in text_of(quote_card(bot))
    assert quote_events(bot)[-2:] == ["Quote Q-00001 rev 1: sent to the customer",
                                      "Quote Q-00001 rev 1: revised (rev 2 is a new Draft)"]  # fmt: skip


def test_customer_accepted_makes_one_order_and_offers_close_as_won(bot: RunningBot) -> None:
    user = bot.user()
    opportunity_with_products(bot)
    create_quote(bot, Name="Alternative")  # another open quote of the same opportunity
    user.click("Activate", create_quote(bot))
    accepted_card = quote_card(bot)
    threads = [threading.Thread(target=user.click, args=("Customer accepted", accepted_card)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.deps.background.wait_idle()
    assert [(o.number, o.status, o.total) for o in orders(bot)] == [(1, "submitted", Decimal("3169.56"))]
    assert [q.status for q in quotes(bot)] == ["lost", "won"]
    offer = next(m for m in bot.slack.messages() if "Fulfilled" in button_labels(m.blocks))
    assert offer.channel == "DU1" and "order SO-00001" in offer.text
    assert "Closed as Lost: Q-00001 rev 1" in text_of(offer)
    assert button_labels(offer.blocks) == ["Fulfilled", "Cancel order", "Close as won"]
    assert opportunity(bot).status == "open"  # never closed silently
    user.click("Close as won", offer)
    view = bot.slack.last_view("views.open")
    revenue = next(b for b in view["blocks"] if b["block_id"] == "actual_revenue")
    assert revenue["element"]["initial_value"] == "3,169.56"
    assert submit(user, view, {}).body == ""
    assert opportunity(bot).status == "won" and opportunity(bot).actual_revenue == Decimal("3169.56")
    user.click("Fulfilled", offer)
    assert orders(bot)[0].status == "fulfilled"
    user.click("Cancel order", offer)
    assert "Fulfilled already" in ephemeral_text(bot) and orders(bot)[0].status == "fulfilled"


def test_customer_declined_needs_a_reason(bot: RunningBot) -> None:
    user = bot.user()
    active_quote(bot)
    user.click("Customer declined", quote_card(bot))
    modal = bot.slack.last_view("views.open")
    assert user.submit(modal, {"Reason": " "}).json["errors"].keys() == {"reason"}
    assert quotes(bot)[0].status == "active"
    submit(user, modal, {"Reason": "Price too high"})
    assert quotes(bot)[0].status == "lost" and quotes(bot)[0].close_reason == "Price too high"
    assert button_labels(quote_card(bot).blocks) == ["Download PDF"]


def test_an_expired_quote_shows_expired_and_refuses_acceptance(bot: RunningBot) -> None:
    user = bot.user()
    soon = (date.today() + timedelta(days=1)).isoformat()
    active_quote(bot, **{"Valid until": soon})
    with time_machine.travel(date.today() + timedelta(days=3)):
        user.click("Mark as sent", quote_card(bot))
        message = quote_card(bot)
        assert "Expired" in text_of(message) and "Customer accepted" not in button_labels(message.blocks)
    stale = [m for m in bot.slack.messages() if "Customer accepted" in button_labels(m.blocks)][-1]
    with time_machine.travel(date.today() + timedelta(days=3)):
        user.click("Customer accepted", stale)
        assert "expired" in ephemeral_text(bot)
    assert orders(bot) == [] and quotes(bot)[0].status == "active"
    with time_machine.travel(date.today() + timedelta(days=3)):
        user.open_home()
        home = blocks_text(bot.slack.last_view("views.publish")["blocks"])
    assert "My expired quotes (1)" in home and "Quote Q-00001 rev 1" in home


def test_checklist_tick_still_works_next_to_quotes(bot: RunningBot) -> None:
    """The opportunity card keeps its contract buttons with `Create quote` among them (≤ 25 per block)."""
    opportunity_with_products(bot)
    message = card(bot)
    for block in message.blocks:
        if block.get("type") == "actions":
            assert len(block["elements"]) <= 25
    tick(bot.user(), message, "Identify decision maker")
    assert "Create quote" in button_labels(card(bot).blocks)


def test_activating_posts_the_pdf_in_the_deal_room_too(bot: RunningBot) -> None:
    opportunity_with_products(bot)
    bot.user().click("Open deal room", card(bot))
    room = [c for c in bot.slack.calls_to("conversations.create")][-1]
    draft = create_quote(bot, **{"Name": "Łódź 株式会社 espresso"})
    bot.user().click("Activate", draft)
    uploads = bot.slack.wait_for("files.completeUploadExternal")
    channels = [call.args["channel_id"] for call in uploads]
    assert channels[0] == "DU1" and channels[1].startswith("G") and len(channels) == 2
    assert "is active: 3,169.56 EUR" in uploads[1].args["initial_comment"]
    assert room.args["name"].startswith("deal-")
    assert "Łódź 株式会社 espresso" in uploaded_pdf_text(bot)  # the room's copy, in a Unicode font


def test_a_won_deals_order_shows_on_its_card_in_opp_and_in_pipeline_won_figures(bot: RunningBot) -> None:
    from tests.handlers.test_pipeline import funnel
    from tests.handlers.test_pipeline import text_of as funnel_text

    user = bot.user()
    with time_machine.travel(date(2026, 12, 1), tick=False):
        active_quote(bot)
        user.click("Customer accepted", quote_card(bot))
        offer = next(m for m in bot.slack.messages() if "Close as won" in button_labels(m.blocks))
        user.click("Close as won", offer)
        submit(user, bot.slack.last_view("views.open"), {"Actual revenue": "3,000", "Close date": "2026-12-01"})
        assert opportunity(bot).actual_revenue == Decimal("3000")
        shown = blocks_text(card(bot).blocks)
        assert "*Order SO-00001* · Submitted · 3,169.56 EUR · Caffè Centrale" in shown
        user.command("/pipeline")
        assert "Won so far in Q4 2026: 3,169.56 EUR" in funnel_text(
            funnel(bot)
        )  # the order's total, not the 3,000 typed

        new_opportunity(bot, user, Topic="Second deal")  # two deals of the account: /opp lists them and orders
        listing = user.command("/opp", "caffè centrale").json
        listed = blocks_text(listing["blocks"])
        assert "*Orders (1)*" in listed and "*Order SO-00001* · Submitted" in listed
        user.click("Open", Message(blocks=listing["blocks"], channel="DU1", ts="1.1"), value="order:1")
        order = bot.slack.last_message()
        assert order.ephemeral and button_labels(order.blocks) == ["Fulfilled", "Cancel order"]
        bot.user("U2").click("Open", Message(blocks=listing["blocks"], channel="DU1", ts="1.1"), value="order:1")
        assert "Only the owner, their manager or an admin" in ephemeral_text(bot)

        user.click("Cancel order", order)
        assert "*Order SO-00001* · Canceled" in blocks_text(card(bot).blocks)  # the posted card is kept current
        user.command("/pipeline")
        assert "Won so far in Q4 2026: 3,000.00 EUR" in funnel_text(funnel(bot))  # a canceled order no longer counts
