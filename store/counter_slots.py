"""The counters kept by triggers in per-transaction slots on PostgreSQL (`owner_count`, migration 0024;
`pipeline_month`, migration 0025): each writing transaction adds into its own slot of a group (its
transaction id), so writers never wait for each other nor deadlock on a shared row, and a reader sums the
group's committed slots. `fold` keeps the groups to a few rows; SQLite writes slot 0 only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from store.models import OwnerCount, PipelineMonth

FOLD_LOCK = 0x6F776E5F636E74  # PostgreSQL advisory lock: one fold at a time (two would delete in any order)
_FOLDED: tuple[tuple[sa.Table, tuple[str, ...]], ...] = (
    (OwnerCount.__table__, ("records",)),  # type: ignore[attr-defined]
    (PipelineMonth.__table__, ("deals", "cents")),  # type: ignore[attr-defined]
)


def fold(connection: sa.Connection) -> int:
    """PostgreSQL: add the committed transactions' slots into slot 0 of their groups, and delete them (a slot
    still being written is not visible yet: folded next time); how many groups had any. Run by the scheduler and
    by every web process (bot/count_fold.py): whoever holds the advisory lock folds, the others skip. SQLite: 0."""
    if connection.dialect.name != "postgresql":
        return 0
    if not connection.execute(sa.select(sa.func.pg_try_advisory_xact_lock(FOLD_LOCK))).scalar():
        return 0  # another process is folding
    return sum(_fold_table(connection, table, summed) for table, summed in _FOLDED)


def _fold_table(connection: sa.Connection, table: sa.Table, summed: tuple[str, ...]) -> int:
    from sqlalchemy.dialects import postgresql  # here: a server on SQLite never imports the dialect

    key = [column.name for column in table.primary_key.columns]
    folded = sa.delete(table).where(table.c.slot != 0).returning(*table.c).cte("folded")
    group = [folded.c[name] for name in key if name != "slot"]
    sums = sa.select(*group, sa.literal(0, sa.BigInteger), *(sa.func.sum(folded.c[name]) for name in summed))
    statement = postgresql.insert(table).from_select([*key, *summed], sums.group_by(*group))
    added: dict[str, Any] = {name: table.c[name] + statement.excluded[name] for name in summed}
    upsert = statement.on_conflict_do_update(index_elements=key, set_=added).add_cte(folded)
    return len(connection.execute(upsert.returning(sa.literal(1))).all())  # rowcount: -1 with the CTE
