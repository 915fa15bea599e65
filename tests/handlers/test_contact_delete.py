"""A stakeholder matching a contact of the account links to it; the contact's card has `Delete`
(confirm dialog): owners and admins erase its personal data, the timeline keeps who did it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from store.db import transaction
from store.models import Activity, Contact, Lead, Opportunity, Stakeholder
from tests.conftest import RunningBot
from tests.handlers.admin_helpers import audit_actions
from tests.handlers.opp_helpers import card
from tests.orm_loads import orm_loads
from tests.slack.driver import blocks_text, find_button


def _qualified(bot: RunningBot) -> None:
    rep = bot.user("U1")
    rep.command("/lead")
    rep.submit(bot.slack.last_view("views.open"), {
        "Topic": "Espresso bar", "First name": "Giulia", "Last name": "Rossi", "Company": "Caffè Aurora",
        "Email": "giulia@aurora.example", "Business phone": "+39 02 555",
    })  # fmt: skip
    lead_card = bot.slack.last_message()
    rep.click("Add stakeholder", lead_card)  # before qualifying: no contact yet, linked once it exists
    rep.submit(bot.slack.last_view("views.open"), {"Name": "Giulia Rossi", "Role": "Champion"})
    rep.click("Qualify", lead_card)


def test_a_linked_contact_is_deleted_by_the_owner(bot: RunningBot) -> None:
    _qualified(bot)
    rep = bot.user("U1")
    for name in ("giulia  ROSSI", "Mario Bianchi"):
        rep.click("Add stakeholder", card(bot))
        rep.submit(bot.slack.last_view("views.open"), {"Name": name, "Role": "Decision maker"})
    opp_card = card(bot)
    menus = {
        b["text"]["text"]: [o["text"]["text"] for o in b["accessory"]["options"]]
        for b in opp_card.blocks
        if (b.get("accessory") or {}).get("type") == "overflow"
    }
    assert menus["giulia  ROSSI · _contact_ — Decision maker"] == ["Edit", "Remove", "Open contact"]
    assert menus["Mario Bianchi — Decision maker"] == ["Edit", "Remove"]
    assert menus["Giulia Rossi · _contact_ — Champion"] == ["Edit", "Remove", "Open contact"]

    rep.choose("Open contact", opp_card)
    contact_card = bot.slack.last_message()
    assert contact_card.ephemeral and "Contact: Giulia Rossi" in contact_card.text
    assert "giulia@aurora.example" in blocks_text(contact_card.blocks)
    _, delete = find_button(contact_card.blocks, "Delete")
    assert delete["confirm"]["confirm"]["text"] == "Delete" and delete["style"] == "danger"

    bot.user("U9").click("Delete", contact_card)
    assert "Only the owner of a record with this contact" in bot.slack.last_message().text
    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(Contact)).one().email == "giulia@aurora.example"

    rep.click("Delete", contact_card)
    assert any(m.text.startswith(":wastebasket: Contact deleted") for m in bot.slack.messages())
    with transaction(bot.deps.new_session) as session:
        contact = session.exec(select(Contact)).one()
        opp = session.exec(select(Opportunity)).one()
        lead = session.exec(select(Lead)).one()
        names = sorted(row.name for row in session.exec(select(Stakeholder)).all() if row.record_type == "opportunity")
        entries = session.exec(select(Activity).where(Activity.record_type == "opportunity")).all()
    assert (contact.first_name, contact.last_name, contact.email, contact.business_phone) == ("", "", "", "")
    assert contact.erased_at is not None and opp.contact_name == "" and "giulia" not in opp.search_text
    assert (lead.first_name, lead.email, lead.business_phone, lead.status) == ("", "", "", "qualified")
    assert names == ["Deleted contact", "Deleted contact", "Mario Bianchi"]
    assert ("Contact deleted: personal data erased", "U1") in [(e.subject, e.author_id) for e in entries]
    assert "giulia" not in blocks_text(card(bot).blocks).lower()
    assert audit_actions(bot)[-1][:2] == ("U1", "Contact deleted")


def test_an_admin_deletes_the_opportunitys_own_contact(bot: RunningBot) -> None:
    bot.deps.admin_ids = frozenset({"UADMIN"})
    rep = bot.user("U1")
    rep.command("/lead")
    rep.submit(bot.slack.last_view("views.open"), {"Topic": "Grinders", "First name": "Ugo", "Last name": "Neri",
                                                   "Company": "Bar Neri", "Email": "ugo@neri.example"})  # fmt: skip
    rep.click("Qualify", bot.slack.last_message())
    opp_card = card(bot)
    rows = [b for b in opp_card.blocks if (b.get("accessory") or {}).get("type") == "overflow"]
    assert [(b["text"]["text"], [o["text"]["text"] for o in b["accessory"]["options"]]) for b in rows] == [
        ("Ugo Neri · _contact_", ["Open contact"])
    ]
    admin = bot.user("UADMIN")
    admin.choose("Open contact", opp_card)
    admin.click("Delete", bot.slack.last_message())
    with transaction(bot.deps.new_session) as session:
        contact = session.exec(select(Contact)).one()
    assert (contact.email, contact.last_name) == ("", "") and contact.erased_at is not None
    redrawn = card(bot)
    assert "Neri" not in blocks_text(redrawn.blocks).replace("Bar Neri", "")
    assert not [b for b in redrawn.blocks if (b.get("accessory") or {}).get("type") == "overflow"]
    assert audit_actions(bot)[-1][:2] == ("UADMIN", "Contact deleted")


def test_a_contact_on_many_deals_names_ten_and_deletes_from_all(bot: RunningBot) -> None:
    """The card names the contact's first 10 records, building no more deals than it names; `Delete` still
    erases the contact's name from every deal."""
    _qualified(bot)
    with transaction(bot.deps.new_session) as session:
        first = session.exec(select(Opportunity)).one()
        rows = [{**first.model_dump(exclude={"id"}), "topic": f"Deal {n:02d}"} for n in range(30)]
        session.execute(sa.insert(Opportunity), rows)
    with orm_loads(Opportunity, "topic") as loaded:
        bot.user("U1").choose("Open contact", card(bot))
    contact_card = bot.slack.last_message()
    text = blocks_text(contact_card.blocks)
    assert "Deal 08" in text and "Deal 09" not in text and len([t for t in loaded if t.startswith("Deal")]) <= 9
    bot.user("U1").click("Delete", contact_card)
    with transaction(bot.deps.new_session) as session:
        assert {opp.contact_name for opp in session.exec(select(Opportunity))} == {""}
