"""owner_count: how many leads, opportunities and tasks each owner has in each status, kept by triggers

`/lead list`, `/opp list` and `/task list` said "Showing 15 of 1,000+": a count capped at COUNT_CAP, reading up
to 1,001 index entries of the owner's open rows (~0.8 M instructions of each list's ack, callgrind). The lists
now sum the owner's rows of `owner_count` instead (store/owner_counts.py), and show the exact count. Triggers
on `lead`, `opportunity` and `task` keep it in the same transaction as the rows, whatever writes them (the
services, the lead import's INSERT … SELECT and COPY, routing and bulk reassignments, erasure, a workspace's
deletion). A count is the sum of its group's slots.

SQLite (one writer at a time): one slot, 0; three row triggers per table (insert, delete, and an update of
the team, owner or status); a decrement is an UPDATE, never an insert of a negative row.
PostgreSQL: an owner's counter rows would be hot: one row per group, locked by every writer of that owner until
it commits, serializes them, and two transactions writing two owners' rows in opposite orders (a lead created
for one rep then assigned to another, and the reverse) deadlock. So each transaction writes only its own slot
(its transaction id) of a group: writers never wait for each other nor lose an increment, and a reader sums
the committed slots it sees (the same snapshot as its count(*) would). INSERT and DELETE are counted per
statement from their transition tables (a COPY of 10,000 leads of one owner is one upsert, not 10,000), an
UPDATE moving a row between groups per row. `store.owner_counts.fold` (the scheduler, every minute) folds the
committed slots into slot 0, so a group has few rows. A workspace's deletion deletes its counts after its rows
(store.workspaces.data_tables), else their deletion would leave negative slots.

TRUNCATE fires none of these triggers (nothing here truncates these tables). A later migration that rebuilds
one of these tables with `batch_alter_table` on SQLite drops its triggers with it and must create them again
(`sqlite_triggers`); bench/pipeline.py's bulk load drops and recreates them, then `rebuild`s.

Revision ID: 0024_owner_count
Revises: 0023_busy_workspace_reads
Create Date: 2026-12-07 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_owner_count"
down_revision: str | None = "0023_busy_workspace_reads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("lead", "opportunity", "task")  # each one's name is its `record_type` in owner_count
KEY = ("team_id", "owner_id", "record_type", "status", "slot")
GROUP = "team_id, owner_id, status"  # of the counted table's rows
NAMES = ("owner_count_added", "owner_count_removed", "owner_count_moved")  # PostgreSQL: each trigger's function
UPSERT = (
    f"INSERT INTO owner_count ({', '.join(KEY)}, records) {{}} "
    f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET records = owner_count.records + excluded.records"
)
# PostgreSQL's slot: the writing transaction's own row of each group (its id: never another's, never reused)
SLOT = "CAST(txid_current() AS bigint)"


def _add(kind: str, row: str, slot: str = "0", records: str = "1") -> str:
    """Count `records` rows like `row` (NEW, or -1 and OLD) of record type `kind` (SQL) into its group's slot."""
    return UPSERT.format(f"VALUES ({row}.team_id, {row}.owner_id, {kind}, {row}.status, {slot}, {records})")


def _remove(kind: str, row: str) -> str:
    """SQLite: take the row `row` (OLD) out of its group (an UPDATE: never an insert of a negative row)."""
    return (
        f"UPDATE owner_count SET records = records - 1 WHERE team_id = {row}.team_id AND owner_id = {row}.owner_id "
        f"AND record_type = {kind} AND status = {row}.status AND slot = 0"
    )


def _moved(dialect: str) -> str:
    spelling = "OLD.{0} IS NOT NEW.{0}" if dialect == "sqlite" else "OLD.{0} IS DISTINCT FROM NEW.{0}"
    return " OR ".join(spelling.format(column) for column in GROUP.split(", "))


def rebuild() -> list[str]:
    """The counts computed again from the rows, in slot 0 (the upgrade's backfill; a bulk load without
    triggers)."""
    return ["DELETE FROM owner_count"] + [
        f"INSERT INTO owner_count ({', '.join(KEY)}, records) "
        f"SELECT team_id, owner_id, '{table}', status, 0, count(*) FROM {table} GROUP BY {GROUP}"
        for table in TABLES
    ]


def sqlite_triggers(table: str) -> list[str]:
    kind, (insert, delete, update) = f"'{table}'", sqlite_trigger_names(table)
    return [
        f"CREATE TRIGGER {insert} AFTER INSERT ON {table} BEGIN {_add(kind, 'NEW')}; END",
        f"CREATE TRIGGER {delete} AFTER DELETE ON {table} BEGIN {_remove(kind, 'OLD')}; END",
        f"CREATE TRIGGER {update} AFTER UPDATE OF {GROUP} ON {table} WHEN {_moved('sqlite')} "
        f"BEGIN {_remove(kind, 'OLD')}; {_add(kind, 'NEW')}; END",
    ]


def sqlite_trigger_names(table: str) -> list[str]:
    return [f"owner_count_{table}_{event}" for event in ("insert", "delete", "update")]


def postgresql_functions() -> list[str]:
    """Three functions shared by the tables (TG_TABLE_NAME is the record type), each writing only the
    transaction's own slot: rows a statement added, rows it removed (from its transition table, grouped), a
    row moved between groups."""
    grouped = "SELECT team_id, owner_id, TG_TABLE_NAME, status, {slot}, {sign}count(*) FROM {rows} GROUP BY {group}"
    added = UPSERT.format(grouped.format(slot=SLOT, sign="", rows="added", group=GROUP))
    removed = UPSERT.format(grouped.format(slot=SLOT, sign="-", rows="removed", group=GROUP))
    moved = f"{_add('TG_TABLE_NAME', 'OLD', SLOT, '-1')}; {_add('TG_TABLE_NAME', 'NEW', SLOT)}"
    return [
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
        for name, body in zip(NAMES, (added, removed, moved), strict=True)
    ]


def postgresql_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER owner_count_added AFTER INSERT ON {table} REFERENCING NEW TABLE AS added "
        "FOR EACH STATEMENT EXECUTE FUNCTION owner_count_added()",
        f"CREATE TRIGGER owner_count_removed AFTER DELETE ON {table} REFERENCING OLD TABLE AS removed "
        "FOR EACH STATEMENT EXECUTE FUNCTION owner_count_removed()",
        f"CREATE TRIGGER owner_count_moved AFTER UPDATE OF {GROUP} ON {table} FOR EACH ROW "
        f"WHEN ({_moved('postgresql')}) EXECUTE FUNCTION owner_count_moved()",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "owner_count",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY),
    )
    statements = [] if dialect == "sqlite" else postgresql_functions()
    for table in TABLES:
        statements += sqlite_triggers(table) if dialect == "sqlite" else postgresql_triggers(table)
    for statement in statements + rebuild():
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        for name in sqlite_trigger_names(table) if sqlite else NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table}"))
    for name in () if sqlite else NAMES:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("owner_count")
