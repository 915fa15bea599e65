"""Accounts (companies) and contacts (people), matched before they are created."""

from __future__ import annotations

from sqlmodel import Session, select

from store.models import Account, Contact


def match_or_create_account(session: Session, *, team_id: str, name: str, name_key: str) -> Account:
    account = session.exec(select(Account).where(Account.team_id == team_id, Account.name_key == name_key)).first()
    if account is None:
        account = Account(team_id=team_id, name=name, name_key=name_key)
        session.add(account)
        session.flush()
    return account


def match_or_create_contact(
    session: Session,
    *,
    team_id: str,
    account_id: int | None,
    first_name: str,
    last_name: str,
    email: str,
    email_key: str,
    business_phone: str,
    job_title: str,
) -> Contact:
    contact = None
    if email_key:
        contact = session.exec(
            select(Contact).where(Contact.team_id == team_id, Contact.email_key == email_key)
        ).first()
    if contact is None:
        contact = Contact(
            team_id=team_id,
            account_id=account_id,
            first_name=first_name,
            last_name=last_name,
            email=email,
            email_key=email_key,
            business_phone=business_phone,
            job_title=job_title,
        )
        session.add(contact)
        session.flush()
    return contact


def contacts_of(session: Session, *, team_id: str, account_id: int | None, limit: int = 500) -> list[Contact]:
    """The account's contacts (every contact of the workspace when `account_id` is None), at most `limit`."""
    query = select(Contact).where(Contact.team_id == team_id)
    if account_id is not None:
        query = query.where(Contact.account_id == account_id)
    return list(session.exec(query.limit(limit)))


def add_contact(session: Session, *, team_id: str, account_id: int | None, first_name: str, last_name: str) -> Contact:
    contact = Contact(team_id=team_id, account_id=account_id, first_name=first_name[:100], last_name=last_name[:100])
    session.add(contact)
    session.flush()
    return contact
