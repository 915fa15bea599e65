"""Events API dedupe: Slack retries a delivery with the same event_id; the first one wins."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.models import SlackEvent, utcnow
from store.prepared import PreparedQuery, write_once
from store.types import on_conflict_insert

_EVENT = SlackEvent.__table__  # type: ignore[attr-defined]


@functools.cache  # per dialect, built at its first event: never PostgreSQL's dialect in a process on SQLite
def _recorded(dialect: str) -> Any:
    """INSERT … ON CONFLICT (event_id) DO NOTHING: one statement, no savepoint, no ORM flush (every event, App
    Home's included, starts with it); the rows it wrote (1 or 0) say whether the event id was new."""
    insert = on_conflict_insert(dialect)
    values: dict[str, Any] = {name: sa.bindparam(name) for name in ("team_id", "event_id", "received_at")}
    return insert(_EVENT).values(**values).on_conflict_do_nothing(index_elements=[_EVENT.c.event_id])


@functools.cache
def _insert(dialect: str) -> Any:
    """`_recorded` with RETURNING id, for a session's transaction (`first_delivery`)."""
    return _recorded(dialect).returning(_EVENT.c.id)


_PREPARED = PreparedQuery(_recorded)  # compiled at the first event, for its database only


def first_delivery(session: Session, *, team_id: str, event_id: str) -> bool:
    """Record the event id; False when it was already recorded (a retry or a duplicate)."""
    statement = _insert(session.get_bind().dialect.name)
    result = session.execute(statement, {"team_id": team_id, "event_id": event_id, "received_at": utcnow()})
    return result.first() is not None  # the new row's id; none when the event id was known


def first_delivery_kept(engine: Engine, *, team_id: str, event_id: str) -> bool:
    """`first_delivery` as one statement committed on a kept connection (store.prepared.write_once): the
    ORM session and pool checkout of a transaction were 6-8 % of an App Home's worker CPU; without RETURNING,
    so that on SQLite the write lock is taken and let go within one step of the statement."""
    return write_once(engine, _PREPARED, {"team_id": team_id, "event_id": event_id, "received_at": utcnow()}) == 1
