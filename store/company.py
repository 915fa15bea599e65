"""The company profile a workspace's quotes print (name, address, default tax rate)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select

from store.models import CompanyProfile


def get_profile(session: Session, *, team_id: str) -> CompanyProfile | None:
    return session.exec(select(CompanyProfile).where(CompanyProfile.team_id == team_id)).first()


def save_profile(
    session: Session, *, team_id: str, name: str, address: str, tax_rate: Decimal, by: str, now: datetime
) -> CompanyProfile:
    row = get_profile(session, team_id=team_id) or CompanyProfile(team_id=team_id)
    row.name, row.address, row.tax_rate = name[:200], address[:1000], tax_rate
    row.updated_by, row.updated_at = by, now
    session.add(row)
    session.flush()
    return row
