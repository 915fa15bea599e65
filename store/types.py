"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores UTC and always returns tz-aware UTC datetimes (SQLite drops the zone otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; salesbot stores aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def postgresql_array(item_type: Any) -> Any:
    """PostgreSQL's ARRAY of `item_type`, for statements built for PostgreSQL only: imported here when
    first needed, so a process on SQLite never loads SQLAlchemy's PostgreSQL dialect (~30 ms of start-up)."""
    from sqlalchemy.dialects.postgresql import ARRAY

    return ARRAY(item_type)


def on_conflict_insert(dialect: str) -> Any:
    """`dialect`'s INSERT with ON CONFLICT clauses (sqlite or postgresql), its dialect imported when first
    needed (so a process on SQLite never loads SQLAlchemy's PostgreSQL dialect)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert
