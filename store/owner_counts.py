"""Exact counts beside the unfiltered lists: how many open leads, opportunities and tasks an owner has, read
from `owner_count` (the sum of a group's few slots, kept by the triggers of migration 0024_owner_count)
instead of counting the owner's rows up to a cap (store/listing.py, which filtered lists and searches still
use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from store.models import OwnerCount

_COUNTS = OwnerCount.__table__  # type: ignore[attr-defined]
TABLES = ("lead", "opportunity", "task")  # the counted tables; each one's name is its `record_type` here
_KEY = ["team_id", "owner_id", "record_type", "status", "slot"]


def _literal(value: str) -> sa.ColumnElement[Any]:
    return sa.literal_column(f"'{value}'", sa.String)


def open_count(record_type: str, team: Any, owner: Any) -> sa.ColumnElement[Any]:
    """How many open `record_type` rows the owner has (0 when they never had any): a scalar subquery summing
    the group's slots along the primary key, for a statement's columns (`team`, `owner`: its bind parameters)."""
    found = sa.select(sa.func.coalesce(sa.func.sum(_COUNTS.c.records), 0)).where(
        _COUNTS.c.team_id == team,
        _COUNTS.c.owner_id == owner,
        _COUNTS.c.record_type == _literal(record_type),
        _COUNTS.c.status == _literal("open"),
    )
    return found.scalar_subquery()


def open_counts(session: Session, *, team_id: str, record_type: str, owners: Iterable[str]) -> dict[str, int]:
    """Each of `owners`' open `record_type` rows (an owner without any is missing)."""
    wanted = sorted(set(owners))
    if not wanted:
        return {}
    total = sa.func.sum(_COUNTS.c.records)
    query = (
        sa.select(_COUNTS.c.owner_id, total)
        .where(
            _COUNTS.c.team_id == team_id,
            _COUNTS.c.record_type == record_type,
            _COUNTS.c.status == "open",
            _COUNTS.c.owner_id.in_(wanted),
        )
        .group_by(_COUNTS.c.owner_id)
        .having(total != 0)
    )
    return {owner: int(records) for owner, records in session.execute(query)}


def rebuild_counts(connection: sa.Connection) -> None:
    """`owner_count` computed again from the rows, in slot 0 (what migration 0024's upgrade fills it with):
    after a bulk load that ran without its triggers (bench/pipeline.py)."""
    connection.execute(sa.delete(_COUNTS))
    for name in TABLES:
        table = OwnerCount.metadata.tables[name]
        group = (table.c.team_id, table.c.owner_id, table.c.status)
        slot = sa.literal(0, sa.BigInteger)
        counted = sa.select(*group[:2], _literal(name), group[2], slot, sa.func.count()).group_by(*group)
        connection.execute(sa.insert(_COUNTS).from_select([*_KEY, "records"], counted))
