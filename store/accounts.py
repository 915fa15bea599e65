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
