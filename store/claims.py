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
        .returning(Outbox)  # the claimed rows themselves: no second query
        .execution_options(synchronize_session=False)
    )
    rows = list(session.execute(claim).scalars())
    session.commit()
    return sorted(rows, key=lambda row: row.due_at)


def next_due_at(session: Session) -> datetime | None:
    """When the next pending row falls due (every workspace: one dispatcher serves them all); reads the
    (status, due_at) index."""
    return session.exec(select(sa.func.min(Outbox.due_at)).where(col(Outbox.status) == "pending")).one()


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


_SETTLE: dict[tuple[str, ...], sa.Update] = {}


def _settle_statement(columns: tuple[str, ...]) -> sa.Update:
    """One Core UPDATE per set of columns written, built once: settling is per row, so per call only the
    parameters change (building and caching an ORM statement per row cost more than running it)."""
    statement = _SETTLE.get(columns)
    if statement is None:
        table: sa.Table = Outbox.__table__  # type: ignore[attr-defined]
        statement = (
            table.update()
            .where(
                table.c.id == sa.bindparam("row_id_"),
                table.c.status == "claimed",
                table.c.claimed_by == sa.bindparam("worker_"),
            )
            .values({column: sa.bindparam(f"{column}_") for column in columns})
        )
        _SETTLE[columns] = statement
    return statement


def settle(session: Session, row_id: int, *, worker: str, **values: object) -> bool:
    """Record a claimed row's outcome, only while this worker still holds the claim (a row whose lease
    expired and was claimed again belongs to the new worker). Returns whether the row was updated."""
    statement = _settle_statement(tuple(sorted(values)))
    params = {"row_id_": row_id, "worker_": worker, **{f"{column}_": value for column, value in values.items()}}
    return bool(session.connection().execute(statement, params).rowcount)


def settle_many(session: Session, outcomes: list[tuple[int, dict[str, object]]], *, worker: str) -> int:
    """`settle` for many rows writing the same columns, in one executemany (one round trip per batch on
    PostgreSQL, where psycopg pipelines it); returns how many rows this worker still held."""
    if not outcomes:
        return 0
    statement = _settle_statement(tuple(sorted(outcomes[0][1])))
    params = [
        {"row_id_": row_id, "worker_": worker, **{f"{column}_": value for column, value in values.items()}}
        for row_id, values in outcomes
    ]
    return int(session.connection().execute(statement, params).rowcount)
