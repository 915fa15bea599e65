"""Contacts (customer people): a stakeholder that matches a contact of the record's account links to
it, and `Delete` erases a contact's personal data (a person's request to be forgotten).

Who may delete: admins, and the owner of a record the contact is on (as the opportunity's contact or
a linked stakeholder). Deleting blanks the contact, the opportunities' contact name, the linked
stakeholders' names and the personal fields of the lead it was qualified from; each record's timeline
gets "Contact deleted" with who did it. The caller owns the transaction; nothing here talks to Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.kinds import RecordType
from bot.domain.text import fold, search_text
from bot.refusals import Refused
from bot.services.erasure import PERSONAL_FIELDS
from store import contacts as contact_store
from store.accounts import contacts_of
from store.activities import add_activity
from store.audit import record_change
from store.models import Contact, Lead, Opportunity, Stakeholder
from store.records import Record, get_record

GONE = "That contact is no longer there."
ERASED = "Deleted contact"
ONLY_OWNER_OR_ADMIN = "Only the owner of a record with this contact, or an admin, can delete it; nothing was changed."
CARD_RECORDS = 10  # the records a contact's card names
CONTACT_FIELDS = ("first_name", "last_name", "email", "email_key", "business_phone", "job_title")


@dataclass(frozen=True)
class ContactCard:
    contact: Contact
    account_name: str
    records: list[tuple[str, int, str]]  # (record type, id, topic) the contact is on


def full_name(contact: Contact) -> str:
    return " ".join(part for part in (contact.first_name, contact.last_name) if part) or ERASED


def link_stakeholder(session: Session, row: Stakeholder, record: Record) -> None:
    """Point a named stakeholder at the contact of the record's account with that name (or email)."""
    row.contact_id = None
    key = fold(row.name)
    if row.slack_user_id or not key:
        return
    account_id = _account_of(session, record)
    if account_id is None:
        return
    for contact in contacts_of(session, team_id=record.team_id, account_id=account_id):
        names = {fold(f"{contact.first_name} {contact.last_name}"), fold(f"{contact.last_name} {contact.first_name}")}
        if contact.erased_at is None and (key in names or (contact.email_key and key == contact.email_key)):
            row.contact_id = contact.id
            break
    session.add(row)


def _account_of(session: Session, record: Record) -> int | None:
    if isinstance(record, Opportunity):
        return record.account_id
    if isinstance(record, Lead) and record.company:
        account = contact_store.account_named(session, team_id=record.team_id, name_key=fold(record.company)[:200])
        return account.id if account else None
    return None


def contact_card(session: Session, *, team_id: str, contact_id: int) -> ContactCard:
    contact = _contact(session, team_id, contact_id)
    account = (
        contact_store.get_account(session, team_id=team_id, account_id=contact.account_id)
        if contact.account_id
        else None
    )
    records = [(kind, rid, record.topic) for kind, rid, record in _records(session, contact, limit=CARD_RECORDS)]
    return ContactCard(contact, account.name if account else "", records[:CARD_RECORDS])


def delete_contact(
    session: Session, *, team_id: str, contact_id: int, by: str, is_admin: bool, now: datetime
) -> list[tuple[str, int]]:
    """Erase the contact's personal data; returns the records whose cards change."""
    contact = _contact(session, team_id, contact_id)
    records = _records(session, contact)
    if not is_admin and not any(record.owner_id == by for _, _, record in records):
        raise Refused(ONLY_OWNER_OR_ADMIN)
    if contact.erased_at is not None:
        return []
    _erase_lead_of(session, contact, [r for _, _, r in records if isinstance(r, Opportunity)])
    for field in CONTACT_FIELDS:
        setattr(contact, field, "")
    contact.erased_at = now
    session.add(contact)
    for opp in contact_store.opportunities_of_contact(session, team_id=team_id, contact_id=contact_id):
        opp.contact_name, opp.search_text = "", search_text(opp.topic, opp.account_name)
        session.add(opp)
    for row in contact_store.stakeholders_of_contact(session, team_id=team_id, contact_id=contact_id):
        row.name = ERASED
        session.add(row)
    for kind, record_id, _ in records:
        add_activity(session, team_id=team_id, record_type=kind, record_id=record_id, kind="status", author_id=by,
                     subject="Contact deleted: personal data erased", occurred_at=now)  # fmt: skip
    record_change(session, team_id=team_id, actor_id=by, action="Contact deleted",
                  detail=f"contact #{contact_id} (personal data erased)", people=[], at=now)  # fmt: skip
    return [(kind, record_id) for kind, record_id, _ in records]


def _erase_lead_of(session: Session, contact: Contact, opportunities: list[Opportunity]) -> None:
    """The qualified lead the contact came from holds the same personal data."""
    ids = [opp.lead_id for opp in opportunities if opp.lead_id]
    for lead in contact_store.leads_by_id(session, team_id=contact.team_id, ids=[i for i in ids if i]):
        same_email = bool(contact.email_key) and lead.email_key == contact.email_key
        same_name = fold(f"{lead.first_name} {lead.last_name}") == fold(f"{contact.first_name} {contact.last_name}")
        if same_email or same_name:
            for name in PERSONAL_FIELDS:
                if name not in ("company", "status_reason", "description"):
                    setattr(lead, name, "")
            session.add(lead)


def _contact(session: Session, team_id: str, contact_id: int) -> Contact:
    contact = contact_store.get_contact(session, team_id=team_id, contact_id=contact_id)
    if contact is None:
        raise Refused(GONE)
    return contact


def _records(session: Session, contact: Contact, *, limit: int | None = None) -> list[tuple[str, int, Record]]:
    """Every lead or opportunity the contact is on, once each (the deals first; with `limit`, about the
    first `limit`: a card names a few of a contact's hundreds of deals)."""
    team, contact_id = contact.team_id, contact.id or 0
    found: dict[tuple[str, int], Record] = {}
    for opp in contact_store.opportunities_of_contact(session, team_id=team, contact_id=contact_id, limit=limit):
        found[(RecordType.OPPORTUNITY, opp.id or 0)] = opp
    if limit is not None and len(found) >= limit:
        return [(kind, record_id, record) for (kind, record_id), record in found.items()]
    more = None if limit is None else limit + len(found)  # linked rows may name the deals already found
    for row in contact_store.stakeholders_of_contact(session, team_id=team, contact_id=contact_id, limit=more):
        if (row.record_type, row.record_id) in found:
            continue
        record = get_record(session, team_id=team, record_type=row.record_type, record_id=row.record_id)
        if record is not None:
            found[(row.record_type, row.record_id)] = record
    return [(kind, record_id, record) for (kind, record_id), record in found.items()]
