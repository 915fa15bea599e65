"""The outbox: messages to deliver later, written in the same transaction as the change causing them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.models import Outbox


def enqueue(
    session: Session,
    *,
    team_id: str,
    kind: str,
    recipient: str,
    due_at: datetime,
    dedupe_key: str,
    payload: dict[str, Any] | None = None,
    record_type: str | None = None,
    record_id: int | None = None,
    rearm: bool = False,
) -> Outbox:
    """Schedule a delivery; the same `dedupe_key` reschedules the pending row instead of adding one.

    A row already delivered (or failed) stays as it is — that is what makes the key a dedupe key —
    unless `rearm` is set and the due time changed: a rescheduled appointment reminds again."""
    row = session.exec(select(Outbox).where(Outbox.team_id == team_id, Outbox.dedupe_key == dedupe_key)).first()
    if row is None:
        row = Outbox(team_id=team_id, dedupe_key=dedupe_key, kind=kind, recipient=recipient, due_at=due_at)
    elif row.status not in ("pending", "cancelled") and not (rearm and row.due_at != due_at):
        return row
    if row.status not in ("pending", "cancelled"):
        row.attempts, row.last_error, row.sent_at, row.sent_ts, row.claimed_by = 0, "", None, None, None
    row.kind, row.recipient, row.due_at, row.status = kind, recipient, due_at, "pending"
    row.payload = payload or {}
    row.record_type, row.record_id = record_type, record_id
    session.add(row)
    session.flush()
    return row


def cancel(session: Session, *, team_id: str, dedupe_key: str) -> bool:
    row = session.exec(select(Outbox).where(Outbox.team_id == team_id, Outbox.dedupe_key == dedupe_key)).first()
    if row is None or row.status != "pending":
        return False
    row.status = "cancelled"
    session.add(row)
    return True


def enqueue_new(session: Session, *, team_id: str, rows: list[dict[str, Any]], now: datetime) -> int:
    """Insert the rows whose dedupe key the workspace has not used yet, in one statement per 500 keys
    (a burst of alerts: 10,000 rows in seconds, not one SELECT and INSERT each). Each row has `kind`,
    `recipient`, `due_at`, `dedupe_key` and optionally `payload`, `record_type`, `record_id`. Returns
    how many were added; a racing writer of the same keys makes this raise IntegrityError."""
    added = 0
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        keys = [row["dedupe_key"] for row in chunk]
        query = select(Outbox.dedupe_key).where(Outbox.team_id == team_id, col(Outbox.dedupe_key).in_(keys))
        existing = set(session.exec(query))
        fresh = [row for row in chunk if row["dedupe_key"] not in existing]
        if fresh:
            values = [_new_row(team_id, row, now) for row in fresh]
            session.execute(sa.insert(Outbox), values)
            added += len(fresh)
    return added


def _new_row(team_id: str, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"team_id": team_id, "kind": row["kind"], "recipient": row["recipient"], "due_at": row["due_at"],
            "dedupe_key": row["dedupe_key"], "payload": row.get("payload") or {}, "status": "pending",
            "attempts": 0, "last_error": "", "record_type": row.get("record_type"),
            "record_id": row.get("record_id"), "created_at": now}  # fmt: skip


def row_by_key(session: Session, *, team_id: str, dedupe_key: str) -> Outbox | None:
    """The outbox row with this dedupe key in the workspace (any status), if any."""
    return session.exec(select(Outbox).where(Outbox.team_id == team_id, Outbox.dedupe_key == dedupe_key)).first()


def has_key(session: Session, *, team_id: str, dedupe_key: str) -> bool:
    query = select(Outbox.id).where(Outbox.team_id == team_id, Outbox.dedupe_key == dedupe_key)
    return session.exec(query).first() is not None
