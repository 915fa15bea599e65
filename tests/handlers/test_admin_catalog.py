"""`/salesbot admin` → `Price lists` (view, add, change a price, import a products CSV from Slack),
`Lost and disqualify reasons` (add, rename, retire) and `Company` (used by quotes); every change in
the audit log; a non-admin's replayed submission changes nothing."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from store.db import transaction
from store.models import Lead, Opportunity, PriceList, PriceListItem
from tests.conftest import RunningBot
from tests.handlers.admin_helpers import (
    as_admin,
    audit_actions,
    choose_in_view,
    click_in_view,
    open_part,
    view_text,
)
from tests.handlers.opp_helpers import card, load_catalog, new_opportunity
from tests.handlers.quote_helpers import opportunity_with_products, quote_card, uploaded_pdf_text
from tests.slack.driver import blocks_text


def _prices(bot: RunningBot) -> dict[str, Decimal]:
    with transaction(bot.deps.new_session) as session:
        lists = {p.id: p.name for p in session.exec(select(PriceList))}
        return {f"{lists[i.price_list_id]}/{i.product_id}": i.price for i in session.exec(select(PriceListItem))}


def test_price_lists_view_add_change_and_import(bot: RunningBot) -> None:
    load_catalog(bot)
    admin = as_admin(bot)
    lists = open_part(bot, admin, "Price lists")
    assert "Contoso Coffee EUR* · EUR · _default_ · 3 products" in view_text(lists)
    with transaction(bot.deps.new_session) as session:
        list_id = session.exec(select(PriceList)).one().id
    detail = click_in_view(bot, admin, "View", lists, value=str(list_id))
    assert "Café S-100 — 1,299.00 EUR / unit" in view_text(detail)

    before = _prices(bot)
    below = admin.submit(detail, {"Product": "Café S-100", "Price": "-5"})
    assert below.json["errors"] == {"price": "A price cannot be below zero."}
    assert (
        "Enter an amount" in admin.submit(detail, {"Product": "Café S-100", "Price": "12 EUR"}).json["errors"]["price"]
    )
    assert _prices(bot) == before
    changed = admin.submit(detail, {"Product": "Café S-100", "Price": "1,199.00"})
    assert changed.json["response_action"] == "update"
    assert "Café S-100 — 1,199.00 EUR / unit" in view_text(changed.json["view"])

    add = click_in_view(bot, admin, "Add price list", lists)
    assert "already a price list" in admin.submit(add, {"Name": "contoso coffee eur"}).json["errors"]["name"]
    assert "3-letter" in admin.submit(add, {"Name": "Wholesale", "Currency": "E1"}).json["errors"]["currency"]
    assert admin.submit(add, {"Name": "Wholesale", "Currency": "usd"}).body == ""
    assert "Wholesale* · USD · 0 products" in view_text(bot.slack.last_view("views.update"))

    importer = click_in_view(bot, admin, "Import products", lists)
    bot.slack.files["F7"] = b"name,price,currency,price_list\nMug <large>,4.50,USD,Wholesale\nBad,-3,USD,Wholesale\n"
    assert admin.submit(importer, {"Products file": [bot.slack.file_object("F7", "mugs.csv")]}).body == ""
    report = bot.slack.last_message()
    assert report.channel == "DUADMIN" and "1 products created, 0 updated, 1 rows rejected" in report.text
    assert "row 3: price: Enter an amount" in blocks_text(report.blocks)
    assert "Wholesale* · USD · 1 products" in view_text(bot.slack.last_view("views.update"))

    rep = bot.user("U1")
    assert (
        "Only salesbot admins" in rep.submit(detail, {"Product": "Café S-100", "Price": "1"}).json["errors"]["product"]
    )
    assert "Contoso Coffee EUR/1" in _prices(bot) and _prices(bot)["Contoso Coffee EUR/1"] == Decimal("1199.00")
    actions = [(actor, action) for actor, action, _ in audit_actions(bot)]
    assert actions == [("UADMIN", "Price changed"), ("UADMIN", "Price list added"), ("UADMIN", "Products imported")]
    assert audit_actions(bot)[0][2] == "Café S-100 in Contoso Coffee EUR: 1,299.00 EUR → 1,199.00 EUR"


def test_reasons_are_added_renamed_and_retired(bot: RunningBot) -> None:
    admin, rep = as_admin(bot), bot.user("U1")
    rep.command("/lead")
    rep.submit(bot.slack.last_view("views.open"), {"Topic": "Old lead", "Company": "Contoso"})
    rep.click("Disqualify", bot.slack.last_message())
    rep.submit(bot.slack.last_view("views.open"), {"Reason": "No longer interested"})

    reasons = open_part(bot, admin, "Lost and disqualify reasons")
    assert "Out-sold" in view_text(reasons) and "Cannot contact" in view_text(reasons)
    add = click_in_view(bot, admin, "Add reason", reasons)
    duplicate = admin.submit(add, {"Kind": "Disqualify reason", "Name": "cannot  CONTACT"})
    assert duplicate.json["errors"] == {"name": "“Cannot contact” is already a disqualify reason."}
    assert admin.submit(add, {"Kind": "Disqualify reason", "Name": "Spam <bot>"}).body == ""
    reasons = bot.slack.last_view("views.update")
    choose_in_view(bot, admin, "Retire", reasons, row="No longer interested")
    reasons = bot.slack.last_view("views.update")
    assert "~No longer interested~ _retired_" in view_text(reasons) and "Spam &lt;bot&gt;" in view_text(reasons)
    choose_in_view(bot, admin, "Retire", reasons, row="Canceled")
    reasons = bot.slack.last_view("views.update")
    choose_in_view(bot, admin, "Retire", reasons, row="Out-sold")
    assert "the last lost reason offered" in view_text(bot.slack.last_view("views.push"))
    choose_in_view(bot, admin, "Rename", reasons, row="Out-sold")
    rename = bot.slack.last_view("views.push")
    assert "already a lost reason (retired" in admin.submit(rename, {"Name": "canceled"}).json["errors"]["name"]
    assert admin.submit(rename, {"Name": "Lost to a competitor"}).body == ""

    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(Lead)).one().status_reason == "No longer interested"  # old records keep theirs
    rep.command("/lead")
    rep.submit(bot.slack.last_view("views.open"), {"Topic": "New lead", "Company": "Fabrikam"})
    rep.click("Disqualify", bot.slack.last_message())
    offered = [o["text"]["text"] for o in bot.slack.last_view("views.open")["blocks"][1]["element"]["options"]]
    assert offered == ["Lost", "Cannot contact", "Canceled", "Spam <bot>"]

    new_opportunity(bot, rep)
    rep.click("Close as lost", card(bot))
    lost = bot.slack.last_view("views.open")
    assert [o["text"]["text"] for o in lost["blocks"][0]["element"]["options"]] == ["Lost to a competitor"]
    assert "Name the competitor" in rep.submit(lost, {"Reason": "Lost to a competitor"}).json["errors"]["competitor"]
    rep.submit(lost, {"Reason": "Lost to a competitor", "Competitor": "Fabrikam"})
    with transaction(bot.deps.new_session) as session:
        opp = session.exec(select(Opportunity)).one()
    assert (opp.status, opp.close_reason, opp.close_competitor) == ("lost", "Lost to a competitor", "Fabrikam")
    assert [a for _, a, _ in audit_actions(bot)] == [
        "Disqualify reason added", "Disqualify reason retired", "Lost reason retired", "Lost reason renamed",
    ]  # fmt: skip


def test_the_company_profile_feeds_quotes(bot: RunningBot) -> None:
    admin = as_admin(bot)
    company = open_part(bot, admin, "Company")
    assert "COMPANY_NAME" in view_text(company)
    assert "from 0 to 100" in admin.submit(company, {"Default tax rate %": "101"}).json["errors"]["tax_rate"]
    assert "percentage" in admin.submit(company, {"Default tax rate %": "abc"}).json["errors"]["tax_rate"]
    values = {"Company name": "Contoso Coffee S.p.A.", "Address": "Via Roma 1\nMilano", "Default tax rate %": "22"}
    rep = bot.user("U1")
    assert "Only salesbot admins" in rep.submit(company, values).json["errors"]["name"]
    assert admin.submit(company, values).body == ""
    assert audit_actions(bot) == [("UADMIN", "Company changed", "Contoso Coffee S.p.A. · default tax 22.00 %")]

    opportunity_with_products(bot, rep)
    rep.click("Create quote", card(bot))
    form = bot.slack.last_view("views.open")
    tax = next(b for b in form["blocks"] if b.get("block_id") == "tax_rate")
    assert tax["element"]["initial_value"] in ("22", "22.00")
    rep.submit(form, {})
    rep.click("Activate", quote_card(bot))
    text = uploaded_pdf_text(bot)
    assert "Contoso Coffee S.p.A." in text and "Via Roma 1" in text


def test_only_admins_reach_the_parts_and_the_audit_log_lists_their_changes(bot: RunningBot) -> None:
    admin, rep = as_admin(bot), bot.user("U1")
    admin.command("/salesbot", "admin")
    home = bot.slack.last_view("views.open")
    for label in ("Processes", "Price lists", "Lost and disqualify reasons", "Company"):
        rep.click(label, home)  # a replayed click from a non-admin
        assert "Only salesbot admins" in view_text(bot.slack.last_view("views.push"))
    reasons = open_part(bot, admin, "Lost and disqualify reasons")
    choose_in_view(bot, rep, "Retire", reasons, row="Canceled")
    assert "Only salesbot admins" in view_text(bot.slack.last_view("views.push"))
    add = click_in_view(bot, admin, "Add reason", reasons)
    assert "Only salesbot admins" in rep.submit(add, {"Name": "No budget"}).json["errors"]["kind"]
    assert audit_actions(bot) == []

    admin.submit(add, {"Name": "No budget"})
    company = open_part(bot, admin, "Company")
    admin.submit(company, {"Company name": "Contoso <Coffee>", "Default tax rate %": "7.5"})
    admin.command("/salesbot", "admin")
    admin.click("Audit log", bot.slack.last_view("views.open"))
    log = view_text(bot.slack.last_view("views.push"))
    assert log.index("*Company changed*: Contoso &lt;Coffee&gt; · default tax 7.50 %") < log.index(
        "*Lost reason added*: No budget"
    )
    assert log.count("<@UADMIN>") == 2
