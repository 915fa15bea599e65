"""pipeline_month in per-transaction slots on PostgreSQL, like owner_count: no shared hot rows, no deadlocks

Migration 0021 kept one row per (owner, month, process, stage, currency) group, changed by every writer of a
deal of the group and locked by it until it committed. Its trigger wrote the two groups of one deal's move in
key order, but two transactions moving several deals between the same owners in opposite orders (A's January
deal to B then A's February one, while B's February deal goes to A then B's January one) locked the groups
in opposite orders and deadlocked: PostgreSQL aborted one after a second (tests/store/test_counter_deadlocks.py).
Now each transaction writes only its own slot (its transaction id) of a group, as owner_count's triggers do
(migration 0024): writers never wait for each other, a reader sums the committed slots it sees, and
`store.counter_slots.fold` (the scheduler and the web processes, every COUNT_FOLD_SECONDS) folds committed
slots into slot 0. A deal added or removed counts per statement from the statement's transition table (an
import of 10,000 deals is one grouped upsert), a deal moved between groups per row.

SQLite (one writer at a time): slot 0 only, the same four triggers as 0021's. The table is created again
(its primary key gains `slot`) and refilled from the deals; its triggers with it.

Revision ID: 0025_pipeline_month_slots
Revises: 0024_owner_count
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_pipeline_month_slots"
down_revision: str | None = "0024_owner_count"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = ("team_id", "owner_id", "month", "process_name", "stage", "currency")
KEY = (*GROUP, "slot")
KEPT = "team_id, owner_id, status, estimated_close_date, process_name, stage, currency, estimated_revenue"
MONTH = {
    "sqlite": "date({0}.estimated_close_date, 'start of month')",
    "postgresql": "CAST(date_trunc('month', CAST({0}.estimated_close_date AS timestamp)) AS date)",
}
CENTS = {
    "sqlite": "coalesce(CAST(round({0}.estimated_revenue * 100) AS INTEGER), 0)",
    "postgresql": "coalesce(CAST(round({0}.estimated_revenue * 100) AS bigint), 0)",
}
COUNTED = "{0}.status = 'open' AND {0}.estimated_close_date IS NOT NULL"
UPSERT = (
    f"INSERT INTO pipeline_month ({', '.join(KEY)}, deals, cents) {{}} ON CONFLICT ({', '.join(KEY)}) "
    "DO UPDATE SET deals = pipeline_month.deals + excluded.deals, cents = pipeline_month.cents + excluded.cents"
)
SLOT = "CAST(txid_current() AS bigint)"  # PostgreSQL: the writing transaction's own row of each group
SQLITE_TRIGGERS = (
    "pipeline_month_insert",
    "pipeline_month_delete",
    "pipeline_month_update_old",
    "pipeline_month_update_new",
)
NAMES = ("pipeline_month_added", "pipeline_month_removed", "pipeline_month_moved")  # PostgreSQL: trigger = function


def _values(dialect: str, row: str) -> list[str]:
    """The group of the deal `row` (NEW, OLD, or a transition table's name), a value per column of GROUP."""
    return [f"{row}.team_id", f"{row}.owner_id", MONTH[dialect].format(row), *(f"{row}.{c}" for c in GROUP[3:])]


def _columns(dialect: str, row: str) -> str:
    return ", ".join(_values(dialect, row))


def _add(dialect: str, row: str, slot: str = "0", sign: str = "") -> str:
    """Count the deal `row` into its group's `slot` (`sign` "-": out of it)."""
    return UPSERT.format(f"VALUES ({_columns(dialect, row)}, {slot}, {sign}1, {sign}{CENTS[dialect].format(row)})")


def _remove_sqlite(row: str) -> str:
    """SQLite: take the deal `row` (OLD) out of its group (an UPDATE: never an insert of a negative row)."""
    group = " AND ".join(f"{column} = {value}" for column, value in zip(GROUP, _values("sqlite", row), strict=True))
    return f"UPDATE pipeline_month SET deals = deals - 1, cents = cents - {CENTS['sqlite'].format(row)} WHERE {group}"


def sqlite_triggers() -> list[str]:
    update = f"AFTER UPDATE OF {KEPT} ON opportunity"
    return [
        f"CREATE TRIGGER pipeline_month_insert AFTER INSERT ON opportunity WHEN {COUNTED.format('NEW')} "
        f"BEGIN {_add('sqlite', 'NEW')}; END",
        f"CREATE TRIGGER pipeline_month_delete AFTER DELETE ON opportunity WHEN {COUNTED.format('OLD')} "
        f"BEGIN {_remove_sqlite('OLD')} AND slot = 0; END",
        f"CREATE TRIGGER pipeline_month_update_old {update} WHEN {COUNTED.format('OLD')} "
        f"BEGIN {_remove_sqlite('OLD')} AND slot = 0; END",
        f"CREATE TRIGGER pipeline_month_update_new {update} WHEN {COUNTED.format('NEW')} "
        f"BEGIN {_add('sqlite', 'NEW')}; END",
    ]


def _grouped(rows: str, sign: str) -> str:
    """PostgreSQL: the counted deals of the transition table `rows`, per group, into the transaction's slot."""
    group = _columns("postgresql", rows)
    cents = CENTS["postgresql"].format(rows)
    return UPSERT.format(
        f"SELECT {group}, {SLOT}, {sign}count(*), {sign}sum({cents}) FROM {rows} "
        f"WHERE {COUNTED.format(rows)} GROUP BY {group}"
    )


def postgresql_functions() -> list[str]:
    moved = (
        f"IF {COUNTED.format('OLD')} THEN {_add('postgresql', 'OLD', SLOT, '-')}; END IF; "
        f"IF {COUNTED.format('NEW')} THEN {_add('postgresql', 'NEW', SLOT)}; END IF"
    )
    bodies = (_grouped("added", ""), _grouped("removed", "-"), moved)
    return [
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
        for name, body in zip(NAMES, bodies, strict=True)
    ]


def postgresql_triggers() -> list[str]:
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in KEPT.split(", "))
    return [
        "CREATE TRIGGER pipeline_month_added AFTER INSERT ON opportunity REFERENCING NEW TABLE AS added "
        "FOR EACH STATEMENT EXECUTE FUNCTION pipeline_month_added()",
        "CREATE TRIGGER pipeline_month_removed AFTER DELETE ON opportunity REFERENCING OLD TABLE AS removed "
        "FOR EACH STATEMENT EXECUTE FUNCTION pipeline_month_removed()",
        f"CREATE TRIGGER pipeline_month_moved AFTER UPDATE OF {KEPT} ON opportunity FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION pipeline_month_moved()",
    ]


def rebuild(dialect: str) -> str:
    """The groups computed again from the deals, in slot 0."""
    group = _columns(dialect, "opportunity")
    return (
        f"INSERT INTO pipeline_month ({', '.join(KEY)}, deals, cents) "
        f"SELECT {group}, 0, count(*), sum({CENTS[dialect].format('opportunity')}) FROM opportunity "
        f"WHERE {COUNTED.format('opportunity')} GROUP BY {group}"
    )


def _create_table(with_slot: bool) -> None:
    op.create_table(
        "pipeline_month",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("process_name", sa.String(length=100), nullable=False),
        sa.Column("stage", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        *([sa.Column("slot", sa.BigInteger(), nullable=False)] if with_slot else []),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*(KEY if with_slot else GROUP)),
    )


def _drop(sqlite: bool, names: Sequence[str]) -> None:
    for name in names:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else " ON opportunity"))
        if not sqlite:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("pipeline_month")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop(dialect == "sqlite", SQLITE_TRIGGERS if dialect == "sqlite" else ("pipeline_month_keep",))
    _create_table(with_slot=True)
    statements = sqlite_triggers() if dialect == "sqlite" else postgresql_functions() + postgresql_triggers()
    for statement in [*statements, rebuild(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    """Back to 0021's table and triggers: its module's own statements."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("0021_pipeline_month.py")
    spec = importlib.util.spec_from_file_location("pipeline_month_0021", path)
    assert spec is not None and spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    dialect = op.get_bind().dialect.name
    _drop(dialect == "sqlite", SQLITE_TRIGGERS if dialect == "sqlite" else NAMES)
    _create_table(with_slot=False)
    statements = previous.sqlite_triggers() if dialect == "sqlite" else previous.postgresql_trigger()
    for statement in [*statements, *previous.rebuild(dialect)]:
        op.execute(statement)
