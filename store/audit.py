"""The admin audit log: every admin change, who made it and when. Scoped by workspace."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from store.models import AdminAudit


def record_change(
    session: Session, *, team_id: str, actor_id: str, action: str, detail: str, people: list[str], at: datetime
) -> AdminAudit:
    row = AdminAudit(
        team_id=team_id, actor_id=actor_id, action=action[:64], detail=detail[:500], people=people[:50], at=at
    )
    session.add(row)
    session.flush()
    return row


def recent_changes(session: Session, *, team_id: str, limit: int = 40) -> list[AdminAudit]:
    query = (
        select(AdminAudit)
        .where(AdminAudit.team_id == team_id)
        .order_by(col(AdminAudit.at).desc(), col(AdminAudit.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))
