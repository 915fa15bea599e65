"""Routing's rows: round-robin turns, open-lead counts, leads-channel claims. Scoped by workspace.

The two races that matter are settled by the database with one conditional statement each, so they
hold across threads, processes and hosts (PostgreSQL) as well as on SQLite's single writer:
- `claim_turn`: `UPDATE … SET turn = turn + 1 … RETURNING turn` (the row lock orders concurrent callers);
- `claim_lead`: `UPDATE lead SET owner_id = … WHERE owner_id = ''` (one row changes: one winner).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.kinds import LeadStatus, RecordType
from store.models import Lead, LeadClaim, RoutingTurn, SalesTeam, SalesTeamMember
from store.owner_counts import open_counts

UNASSIGNED = ""  # a lead's owner_id while it waits in the leads channel


def claim_turn(session: Session, *, team_id: str, key: str) -> int:
    """The next turn (1, 2, 3…) of `key`, claimed atomically; the row is locked until the caller commits."""
    table = RoutingTurn.__table__  # type: ignore[attr-defined]
    bump = (
        table.update()
        .where(table.c.team_id == team_id, table.c.key == key)
        .values(turn=table.c.turn + 1)
        .returning(table.c.turn)
    )
    turn = session.execute(bump).scalar()
    if turn is not None:
        return int(turn)
    try:
        with session.begin_nested():
            session.execute(table.insert().values(team_id=team_id, key=key, turn=1))
        return 1
    except IntegrityError:  # another instance dealt the first turn meanwhile
        return int(session.execute(bump).scalar_one())


def team_members(session: Session, *, team_id: str, name_key: str) -> list[str] | None:
    """The members of the team called so (in the order they joined), or None when there is no such team."""
    team = session.exec(select(SalesTeam).where(SalesTeam.team_id == team_id, SalesTeam.name_key == name_key)).first()
    if team is None:
        return None
    query = (
        select(SalesTeamMember.user_id)
        .where(SalesTeamMember.team_id == team_id, SalesTeamMember.sales_team_id == team.id)
        .order_by(col(SalesTeamMember.id))
    )
    return list(session.exec(query))


def open_lead_counts(session: Session, *, team_id: str, owners: Iterable[str]) -> dict[str, int]:
    """Each member's open leads (store/owner_counts.py: their group's few rows, not a count of their leads)."""
    return open_counts(session, team_id=team_id, record_type=RecordType.LEAD, owners=owners)


def add_claim(session: Session, *, team_id: str, lead_id: int, channel: str, now: datetime) -> LeadClaim:
    claim = session.exec(select(LeadClaim).where(LeadClaim.team_id == team_id, LeadClaim.lead_id == lead_id)).first()
    if claim is None:
        claim = LeadClaim(team_id=team_id, lead_id=lead_id, channel=channel, created_at=now)
    claim.channel, claim.claimed_by, claim.claimed_at, claim.ts = channel, "", None, None
    claim.created_at = now  # posted again: the digest's day counts from now
    session.add(claim)
    session.flush()
    return claim


def get_claim(session: Session, *, team_id: str, lead_id: int) -> LeadClaim | None:
    return session.exec(select(LeadClaim).where(LeadClaim.team_id == team_id, LeadClaim.lead_id == lead_id)).first()


def set_claim_post(session: Session, *, team_id: str, lead_id: int, channel: str, ts: str) -> None:
    claim = get_claim(session, team_id=team_id, lead_id=lead_id)
    if claim is not None:
        claim.channel, claim.ts = channel, ts
        session.add(claim)


def claim_lead(session: Session, *, team_id: str, lead_id: int, user_id: str, now: datetime) -> bool:
    """Give the waiting lead to `user_id` if nobody has it yet; True for the one caller that did."""
    table = Lead.__table__  # type: ignore[attr-defined]
    taken = session.execute(
        table.update()
        .where(
            table.c.team_id == team_id,
            table.c.id == lead_id,
            table.c.owner_id == UNASSIGNED,
            table.c.status == LeadStatus.OPEN,
        )
        .values(owner_id=user_id, updated_at=now)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False
    claims = LeadClaim.__table__  # type: ignore[attr-defined]
    session.execute(
        claims.update()
        .where(claims.c.team_id == team_id, claims.c.lead_id == lead_id)
        .values(claimed_by=user_id, claimed_at=now)
    )
    return True


def unclaimed_between(session: Session, *, team_id: str, start: datetime, end: datetime) -> list[Lead]:
    """Leads still waiting in the leads channel that were posted in [start, end)."""
    query = (
        select(Lead)
        .join(LeadClaim, sa.and_(col(LeadClaim.team_id) == col(Lead.team_id), col(LeadClaim.lead_id) == col(Lead.id)))
        .where(
            LeadClaim.team_id == team_id,
            LeadClaim.claimed_by == "",
            col(LeadClaim.created_at) >= start,
            col(LeadClaim.created_at) < end,
            Lead.owner_id == UNASSIGNED,
            Lead.status == LeadStatus.OPEN,
        )
        .order_by(col(LeadClaim.created_at))
        .limit(30)
    )
    return list(session.exec(query))
