"""pipeline_month: open deals per owner, month, process, stage and currency, kept by triggers

App Home's funnel grouped a rep's open deals of the quarter by process, stage and currency on every open
(~1,400 index entries sorted for a rep owning 20,000 of 1M deals: half of Home's SQL), and a manager's
per-rep lines grouped each rep's deals by month (12.9 ms for 10 reps of 20,000). `pipeline_month` holds
those groups, per owner and month of estimated close date, so both read a handful of rows
(store/pipeline.py). Triggers on `opportunity` keep it: every write path (the services, imports, bulk
UPDATEs and DELETEs, a workspace's erasure) changes it in the same transaction as the rows. Only open
deals with a close date count; `cents` is each deal's estimated revenue rounded to cents and added as
an integer, as `store.pipeline.money_sum` sums it on SQLite (exact on both databases). A group whose deals
all left keeps its row with `deals` 0 (a decrement is an UPDATE, never an insert of a negative row).

PostgreSQL: one row trigger, whose two changes of an UPDATE moving a deal between groups go in key order,
so two writes moving deals between the same two groups lock their rows in the same order. TRUNCATE fires
no row trigger (nothing here truncates `opportunity`). SQLite: four triggers. A later migration that
rebuilds `opportunity` with `batch_alter_table` on SQLite drops them with the table and must create them
again (`sqlite_triggers`); bench/pipeline.py's bulk load drops and recreates them, then `rebuild`s.

Revision ID: 0021_pipeline_month
Revises: 0020_search_covering_walks
Create Date: 2026-12-07 04:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_pipeline_month"
down_revision: str | None = "0020_search_covering_walks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ("team_id", "owner_id", "month", "process_name", "stage", "currency")
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


def _add(dialect: str, row: str) -> str:
    """Count the deal `row` (NEW) into its group."""
    month, cents = MONTH[dialect].format(row), CENTS[dialect].format(row)
    return (
        f"INSERT INTO pipeline_month ({', '.join(KEY)}, deals, cents) VALUES ({row}.team_id, {row}.owner_id, "
        f"{month}, {row}.process_name, {row}.stage, {row}.currency, 1, {cents}) "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET deals = pipeline_month.deals + 1, "
        "cents = pipeline_month.cents + excluded.cents"
    )


def _remove(dialect: str, row: str) -> str:
    """Take the deal `row` (OLD) out of its group."""
    month, cents = MONTH[dialect].format(row), CENTS[dialect].format(row)
    return (
        f"UPDATE pipeline_month SET deals = deals - 1, cents = cents - {cents} "
        f"WHERE team_id = {row}.team_id AND owner_id = {row}.owner_id AND month = {month} "
        f"AND process_name = {row}.process_name AND stage = {row}.stage AND currency = {row}.currency"
    )


def rebuild(dialect: str) -> list[str]:
    """The groups computed again from the rows (the upgrade's backfill; a bulk load without triggers)."""
    return [
        "DELETE FROM pipeline_month",
        f"INSERT INTO pipeline_month ({', '.join(KEY)}, deals, cents) "
        f"SELECT team_id, owner_id, {MONTH[dialect].format('opportunity')}, process_name, stage, currency, "
        f"count(*), sum({CENTS[dialect].format('opportunity')}) FROM opportunity "
        f"WHERE {COUNTED.format('opportunity')} "
        f"GROUP BY team_id, owner_id, {MONTH[dialect].format('opportunity')}, process_name, stage, currency",
    ]


def sqlite_triggers() -> list[str]:
    update = f"AFTER UPDATE OF {KEPT} ON opportunity"
    return [
        f"CREATE TRIGGER pipeline_month_insert AFTER INSERT ON opportunity WHEN {COUNTED.format('NEW')} "
        f"BEGIN {_add('sqlite', 'NEW')}; END",
        f"CREATE TRIGGER pipeline_month_delete AFTER DELETE ON opportunity WHEN {COUNTED.format('OLD')} "
        f"BEGIN {_remove('sqlite', 'OLD')}; END",
        f"CREATE TRIGGER pipeline_month_update_old {update} WHEN {COUNTED.format('OLD')} "
        f"BEGIN {_remove('sqlite', 'OLD')}; END",
        f"CREATE TRIGGER pipeline_month_update_new {update} WHEN {COUNTED.format('NEW')} "
        f"BEGIN {_add('sqlite', 'NEW')}; END",
    ]


SQLITE_TRIGGERS = (
    "pipeline_month_insert",
    "pipeline_month_delete",
    "pipeline_month_update_old",
    "pipeline_month_update_new",
)


def postgresql_trigger() -> list[str]:
    key = "({0}.team_id, {0}.owner_id, " + MONTH["postgresql"] + ", {0}.process_name, {0}.stage, {0}.currency)"
    old_key, new_key = key.format("OLD"), key.format("NEW")
    function = f"""
CREATE FUNCTION pipeline_month_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    leaving boolean := false;
    arriving boolean := false;
    leave_first boolean := true;
BEGIN
    IF TG_OP <> 'INSERT' THEN leaving := {COUNTED.format("OLD")}; END IF;
    IF TG_OP <> 'DELETE' THEN arriving := {COUNTED.format("NEW")}; END IF;
    IF leaving AND arriving THEN
        IF {old_key} = {new_key} AND OLD.estimated_revenue IS NOT DISTINCT FROM NEW.estimated_revenue THEN
            RETURN NULL;
        END IF;
        leave_first := {old_key} <= {new_key};
    END IF;
    IF arriving AND NOT leave_first THEN {_add("postgresql", "NEW")}; END IF;
    IF leaving THEN {_remove("postgresql", "OLD")}; END IF;
    IF arriving AND leave_first THEN {_add("postgresql", "NEW")}; END IF;
    RETURN NULL;
END
$$"""
    trigger = (
        f"CREATE TRIGGER pipeline_month_keep AFTER INSERT OR DELETE OR UPDATE OF {KEPT} ON opportunity "
        "FOR EACH ROW EXECUTE FUNCTION pipeline_month_keep()"
    )
    return [function, trigger]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "pipeline_month",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("process_name", sa.String(length=100), nullable=False),
        sa.Column("stage", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY),
    )
    for statement in sqlite_triggers() if dialect == "sqlite" else postgresql_trigger():
        op.execute(statement)
    for statement in rebuild(dialect):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS pipeline_month_keep ON opportunity")
        op.execute("DROP FUNCTION IF EXISTS pipeline_month_keep()")
    op.drop_table("pipeline_month")
