"""Atomic claims of due outbox rows: FOR UPDATE SKIP LOCKED on PostgreSQL, UPDATE … RETURNING on SQLite."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.models import Outbox


def claim_due(session: Session, *, now: datetime, worker: str, lease: timedelta, limit: int = 50) -> list[Outbox]:
    """Claim pending rows due by `now`, and rows whose claim lease expired (their worker died)."""
    due = sa.or_(
        sa.and_(col(Outbox.status) == "pending", col(Outbox.due_at) <= now),
        sa.and_(col(Outbox.status) == "claimed", col(Outbox.claimed_at) < now - lease),
    )
    candidates = select(Outbox.id).where(due).order_by(col(Outbox.due_at)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claim = (
        sa.update(Outbox)
        .where(col(Outbox.id).in_(candidates.scalar_subquery()))
        .values(status="claimed", claimed_by=worker, claimed_at=now, attempts=Outbox.attempts + 1)
        .returning(col(Outbox.id))
    )
    ids = [row[0] for row in session.execute(claim)]
    session.commit()
    if not ids:
        return []
    return list(session.exec(select(Outbox).where(col(Outbox.id).in_(ids)).order_by(col(Outbox.due_at))))


def finish(
    session: Session, row: Outbox, *, status: str, now: datetime, error: str = "", ts: str | None = None
) -> None:
    row.status, row.last_error = status, error[:500]
    if status == "sent":
        row.sent_at, row.sent_ts = now, ts
    session.add(row)


def retry_later(session: Session, row: Outbox, *, at: datetime, error: str) -> None:
    row.status, row.due_at, row.last_error, row.claimed_by = "pending", at, error[:500], None
    session.add(row)


def settle(session: Session, row_id: int, *, worker: str, **values: object) -> bool:
    """Record a claimed row's outcome, only while this worker still holds the claim (a row whose lease
    expired and was claimed again belongs to the new worker). Returns whether the row was updated."""
    guarded = (
        sa.update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.status) == "claimed", col(Outbox.claimed_by) == worker)
        .values(**values)
    )
    return bool(session.execute(guarded).rowcount)  # type: ignore[attr-defined]
