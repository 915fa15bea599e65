"""Contacts as their card and `Delete` read them: the records that point at a contact. Scoped by workspace."""

from __future__ import annotations

from sqlmodel import Session, col, select

from store.models import Account, Contact, Lead, Opportunity, Stakeholder
from store.unindexed import in_team_by_ids


def get_contact(session: Session, *, team_id: str, contact_id: int) -> Contact | None:
    return session.exec(select(Contact).where(Contact.team_id == team_id, Contact.id == contact_id)).first()


def get_account(session: Session, *, team_id: str, account_id: int) -> Account | None:
    return session.exec(select(Account).where(Account.team_id == team_id, Account.id == account_id)).first()


def account_named(session: Session, *, team_id: str, name_key: str) -> Account | None:
    return session.exec(select(Account).where(Account.team_id == team_id, Account.name_key == name_key)).first()


def opportunities_of_contact(
    session: Session, *, team_id: str, contact_id: int, limit: int | None = None
) -> list[Opportunity]:
    """The deals the contact is the contact of, oldest first (the first `limit`; along ix_opportunity_contact)."""
    query = select(Opportunity).where(Opportunity.team_id == team_id, Opportunity.contact_id == contact_id)
    return list(session.exec(query.order_by(col(Opportunity.id)).limit(limit)))


def stakeholders_of_contact(
    session: Session, *, team_id: str, contact_id: int, limit: int | None = None
) -> list[Stakeholder]:
    query = select(Stakeholder).where(Stakeholder.team_id == team_id, Stakeholder.contact_id == contact_id)
    return list(session.exec(query.order_by(col(Stakeholder.id)).limit(limit)))


def leads_by_id(session: Session, *, team_id: str, ids: list[int]) -> list[Lead]:
    if not ids:
        return []
    return list(session.exec(select(Lead).where(in_team_by_ids(Lead, team_id, ids))))
