"""A contact's card (shown only to who opened it): name, job title, email, phone, account, the records
it is on, and `Delete` behind a confirm dialog."""

from __future__ import annotations

from bot.ids import BLOCK_CONTACT_BUTTONS
from bot.services.contacts import ContactCard, full_name
from bot.views.blocks import Block, actions, button, context, escape, fields, header, plain

CONTACT_DELETE = "contact_delete"


def contact_card(card: ContactCard) -> tuple[str, list[Block]]:
    contact = card.contact
    name = full_name(contact)
    if contact.erased_at is not None:
        return "Deleted contact", [context("Deleted contact: its personal data was erased.")]
    pairs = [
        ("Job title", escape(contact.job_title) or "–"),
        ("Email", escape(contact.email) or "–"),
        ("Business phone", escape(contact.business_phone) or "–"),
        ("Account", escape(card.account_name) or "–"),
    ]
    on = ", ".join(f"{kind} #{record_id} {escape(topic)}" for kind, record_id, topic in card.records[:10])
    delete = button("Delete", CONTACT_DELETE, str(contact.id), style="danger")
    delete["confirm"] = {
        "title": plain("Delete this contact?", 100),
        "text": plain(f"{name}: their personal data is erased from salesbot. Records keep who deleted it.", 300),
        "confirm": plain("Delete", 30),
        "deny": plain("Keep", 30),
        "style": "danger",
    }
    blocks: list[Block] = [header(f"Contact: {name}"), *fields(pairs)]
    if on:
        blocks.append(context(f"On {on}"))
    blocks.extend(actions([delete], block_id=BLOCK_CONTACT_BUTTONS))
    return f"Contact: {escape(name)}", blocks
