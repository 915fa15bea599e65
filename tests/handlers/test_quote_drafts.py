"""Quotes through Slack, part 1: `Create quote` from the opportunity's lines, the card, and editing
a draft with every bad input refused (field errors, nothing changed)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from store.db import transaction
from store.models import Quote
from tests.conftest import RunningBot
from tests.handlers.opp_helpers import card, opportunity, submit, tick
from tests.handlers.quote_helpers import (
    CREATE_LABELS,
    GRINDER,
    create_quote,
    ephemeral_text,
    opportunity_with_products,
    quote_card,
    quote_events,
    quotes,
    text_of,
)
from tests.orm_loads import orm_loads
from tests.slack.driver import button_labels


def test_create_quote_copies_the_lines_with_price_list_prices(bot: RunningBot) -> None:
    user = bot.user()
    opp_card = opportunity_with_products(bot, discount="100")
    assert "Create quote" in button_labels(opp_card.blocks)
    user.click("Create quote", opp_card)
    view = bot.slack.last_view("views.open")
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == CREATE_LABELS
    valid = next(b for b in view["blocks"] if b["block_id"] == "valid_until")["element"]["initial_date"]
    assert valid == (date.today() + timedelta(days=30)).isoformat()
    submit(user, view, {"Quote discount %": "5", "Freight": "50", "Tax rate %": "22", "Payment terms": "30 days <net>"})
    message = quote_card(bot)
    assert message.channel == "DU1"
    text = text_of(message)
    assert "Quote Q-00001 rev 1" in text and "Draft" in text
    assert "2 × Café S-100 @ 1,299.00 EUR / unit − 100.00 EUR = 2,498.00 EUR" in text
    # 2,498.00 − 5 % (124.90) + 50.00 freight = 2,423.10; tax 22 % = 533.08; total 2,956.18
    assert "Subtotal: 2,498.00 EUR" in text and "Discount (5 %): −124.90 EUR" in text
    assert "Tax (22 %): 533.08 EUR" in text and "*Total: 2,956.18 EUR*" in text
    assert "30 days &lt;net&gt;" in text  # user text is escaped
    assert button_labels(message.blocks) == ["Add product", "Edit lines", "Edit quote", "Activate"]
    quote = quotes(bot)[0]
    assert (quote.number, quote.revision, quote.status, quote.total) == (1, 1, "draft", Decimal("2956.18"))
    assert quote_events(bot) == ["Quote Q-00001 rev 1: created (Draft)"]


def test_numbers_are_per_workspace(bot: RunningBot) -> None:
    opportunity_with_products(bot)
    create_quote(bot)
    create_quote(bot)
    other = bot.user("U9", "T2")
    opportunity_with_products(bot, other)
    create_quote(bot, other)
    assert [(q.team_id, q.number) for q in quotes(bot)] == [("T1", 1), ("T1", 2), ("T2", 1)]


def test_bad_quote_form_is_refused_field_by_field(bot: RunningBot) -> None:
    user = bot.user()
    opportunity_with_products(bot)
    user.click("Create quote", card(bot))
    view = bot.slack.last_view("views.open")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    bad = {"Name": "", "Valid until": yesterday, "Quote discount %": "150", "Freight": "ten",
           "Tax rate %": "-1"}  # fmt: skip
    response = submit(user, view, bad)
    assert response.json["response_action"] == "errors"
    assert set(response.json["errors"]) == {"name", "valid_until", "discount_percent", "freight", "tax_rate"}
    assert "between 0 and 100" in response.json["errors"]["tax_rate"]
    assert quotes(bot) == []


def test_stranger_cannot_create_a_quote(bot: RunningBot) -> None:
    opportunity_with_products(bot)
    bot.user("U2").click("Create quote", card(bot))
    assert "Only the owner, their manager or an admin" in ephemeral_text(bot)
    assert quotes(bot) == []


def test_edit_lines_and_add_product_with_validation(bot: RunningBot) -> None:
    user = bot.user()
    opportunity_with_products(bot)
    user.click("Edit lines", create_quote(bot))
    view = bot.slack.last_view("views.open")
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Quantity (1. Café S-100)", "Discount (1. Café S-100)", "Remove (1. Café S-100)"]
    for values, field in (({"Quantity (1. Café S-100)": "0"}, "quantity"),
                          ({"Discount (1. Café S-100)": "3,000.00"}, "discount"),
                          ({"Remove (1. Café S-100)": ["Remove this line"]}, "remove")):  # fmt: skip
        response = submit(user, view, values)
        assert response.json["response_action"] == "errors", values
        assert [key.rsplit(":", 1)[1] for key in response.json["errors"]] == [field]
    assert quotes(bot)[0].total == Decimal("2598.00") and quotes(bot)[0].version == 1
    submit(user, view, {"Quantity (1. Café S-100)": "3", "Discount (1. Café S-100)": "97"})
    assert "*Total: 3,800.00 EUR*" in text_of(quote_card(bot))
    user.click("Add product", quote_card(bot))
    add = bot.slack.last_view("views.open")
    assert submit(user, add, {"Product": GRINDER, "Quantity": "-1"}).json["errors"].keys() == {"quantity"}
    assert submit(user, add, {"Product": GRINDER, "Quantity": "1", "Discount": "400"}).json["errors"].keys() == {
        "discount"
    }
    submit(user, add, {"Product": GRINDER, "Quantity": "1"})
    assert "*Total: 4,149.50 EUR*" in text_of(quote_card(bot))
    assert quotes(bot)[0].version == 3
    assert opportunity(bot).estimated_revenue == Decimal("2598.00")  # the opportunity's own lines are untouched


def test_the_card_of_a_deal_with_many_quotes_reads_the_five_it_shows(bot: RunningBot) -> None:
    """A deal quoted 40 more times, every other quote revised: its card lists the 5 newest not revised,
    newest first, and builds no more quotes than it shows."""
    opportunity_with_products(bot)
    create_quote(bot)
    with transaction(bot.deps.new_session) as session:
        first = session.exec(select(Quote)).one()
        rows = [{**first.model_dump(exclude={"id"}), "number": 100 + n // 2, "revision": 1 + n % 2,
                 "status": "revised" if n % 2 == 0 else "draft", "name": f"Quote {n:02d}"}
                for n in range(40)]  # fmt: skip
        session.execute(sa.insert(Quote), rows)
    with orm_loads(Quote, "number") as loaded:
        tick(bot.user(), card(bot), "Identify decision maker")
    text = text_of(card(bot))
    shown = [f"*Quote Q-{number:05d} rev 2*" for number in range(119, 114, -1)]
    assert [text.index(title) for title in shown] == sorted(text.index(title) for title in shown)
    assert "Q-00114" not in text and "rev 1*" not in text
    assert len(loaded) <= 5


def test_the_opportunity_card_lists_its_quotes_with_open(bot: RunningBot) -> None:
    opportunity_with_products(bot)
    create_quote(bot, Name="Twelve <machines>")
    opp_card = card(bot)
    assert "*Quote Q-00001 rev 1* · Draft · 2,598.00 EUR · Twelve &lt;machines&gt;" in text_of(opp_card)
    bot.user().click("Open", opp_card)
    shown = quote_card(bot)
    assert shown.ephemeral and "Quote Q-00001 rev 1" in text_of(shown)
