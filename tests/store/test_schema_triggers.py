"""The triggers keeping derived rows (the text indexes, owner_count, pipeline_month) are all there after
`salesbot db upgrade` of a fresh database, exactly store.schema_triggers.TRIGGERS, and the counts they keep
equal counting the rows after writes. On SQLite, Alembic's batch mode rebuilding a table drops its triggers
silently: `batch_alter_table_keeping_triggers` (for migrations) keeps them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from store.counter_slots import fold
from store.models import Lead, Opportunity, Task
from store.schema_triggers import TRIGGERS, batch_alter_table_keeping_triggers, triggers_of
from tests.conftest import POSTGRES_URL

DUE = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as `database_url` (PostgreSQL: a schema of its own)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    schema = f"salesbot_triggers_{os.getpid()}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    admin.dispose()


def test_a_fresh_database_upgraded_by_the_cli_has_every_trigger_and_exact_counts(
    fresh_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env |= {"DATABASE_URL": fresh_url, "PYTHONPATH": str(Path(__file__).parents[2])}
    upgraded = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
    assert upgraded.returncode == 0, upgraded.stderr
    engine = sa.create_engine(fresh_url)
    try:
        with engine.connect() as connection:
            assert triggers_of(connection) == TRIGGERS[connection.dialect.name]
        _write_and_compare(engine)
    finally:
        engine.dispose()


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")  # the helper's why
def test_a_table_rebuilt_in_batch_mode_keeps_its_triggers_through_the_helper(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            before, indexes = triggers_of(connection), _indexes(connection)
            operations = Operations(MigrationContext.configure(connection))
            rebuilt = "always" if connection.dialect.name == "sqlite" else "auto"  # PostgreSQL: ALTER TABLE
            for table in ("lead", "opportunity", "task", "pipeline_month", "owner_count"):
                with batch_alter_table_keeping_triggers(operations, table, recreate=rebuilt) as batch:
                    batch.alter_column("team_id", existing_type=sa.String(32), nullable=False)
            assert triggers_of(connection) == before == TRIGGERS[connection.dialect.name]
            assert _indexes(connection) == indexes
        _write_and_compare(engine)
    finally:
        engine.dispose()


def test_a_batch_without_a_rebuild_through_the_helper_keeps_them_too(database_url: str) -> None:
    """SQLite adds a column in place (batch mode's "auto"): the helper's dropped triggers come back, the
    indexes it saved were never gone."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the session's PostgreSQL schema is shared by the tests: no column added to it")
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            indexes, operations = _indexes(connection), Operations(MigrationContext.configure(connection))
            with batch_alter_table_keeping_triggers(operations, "lead") as batch:
                batch.add_column(sa.Column("probe", sa.Integer(), nullable=True))
            assert triggers_of(connection) == TRIGGERS["sqlite"] and _indexes(connection) == indexes
        _write_and_compare(engine)
    finally:
        engine.dispose()


def test_sqlite_drops_a_rebuilt_tables_triggers_without_the_helper(database_url: str) -> None:
    """Why the helper: Alembic's own batch mode, on SQLite, loses them."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL alters tables in place")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        with Operations(MigrationContext.configure(connection)).batch_alter_table("task", recreate="always") as batch:
            batch.alter_column("team_id", existing_type=sa.String(32), nullable=False)
        lost = TRIGGERS["sqlite"] - triggers_of(connection)
    engine.dispose()
    assert lost == {("task", f"owner_count_task_{event}") for event in ("insert", "delete", "update")}


def _write_and_compare(engine: sa.Engine) -> None:
    """Leads, deals and tasks of two owners created, moved between owners and statuses, some deleted; then
    owner_count and pipeline_month equal counting and grouping the rows (before and after a fold)."""
    leads = Lead.__table__  # type: ignore[attr-defined]
    deals = Opportunity.__table__  # type: ignore[attr-defined]
    tasks = Task.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for owner in ("U1", "U2"):
            connection.execute(
                sa.insert(leads), [{"team_id": "T1", "owner_id": owner, "topic": f"L{n}"} for n in range(5)]
            )
            connection.execute(sa.insert(deals), [
                {"team_id": "T1", "owner_id": owner, "topic": f"D{n}", "estimated_close_date": date(2027, 1 + n, 2),
                 "estimated_revenue": 100 + n} for n in range(4)
            ])  # fmt: skip
            connection.execute(sa.insert(tasks), [
                {"team_id": "T1", "owner_id": owner, "title": f"T{n}", "due_at": DUE} for n in range(3)
            ])  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.update(leads).where(leads.c.topic == "L1").values(owner_id="U3"))
        connection.execute(sa.update(leads).where(leads.c.topic == "L2").values(status="qualified"))
        connection.execute(sa.update(deals).where(deals.c.topic == "D0").values(owner_id="U3", stage="Develop"))
        connection.execute(sa.update(deals).where(deals.c.topic == "D1").values(status="won"))
        connection.execute(
            sa.update(tasks).where(tasks.c.title == "T0", tasks.c.owner_id == "U1").values(status="done")
        )
        connection.execute(sa.delete(leads).where(leads.c.topic == "L3"))
        connection.execute(sa.delete(deals).where(deals.c.topic == "D2", deals.c.owner_id == "U2"))
        connection.execute(sa.delete(tasks).where(tasks.c.title == "T2"))
    _counts_agree(engine)
    with engine.begin() as connection:
        fold(connection)
    _counts_agree(engine)


COUNTED = (
    "SELECT owner_id, '{0}', status, count(*) FROM {0} GROUP BY owner_id, status",
    "SELECT owner_id, record_type, status, sum(records) FROM owner_count WHERE record_type = '{0}' "
    "GROUP BY owner_id, record_type, status HAVING sum(records) <> 0",
)
MONTHS = (
    "SELECT owner_id, {month}, stage, count(*), sum(CAST(round(estimated_revenue * 100) AS BIGINT)) FROM opportunity "
    "WHERE status = 'open' AND estimated_close_date IS NOT NULL GROUP BY owner_id, {month}, stage",
    "SELECT owner_id, month, stage, sum(deals), sum(cents) FROM pipeline_month GROUP BY owner_id, month, stage "
    "HAVING sum(deals) <> 0",
)
MONTH = {
    "sqlite": "date(estimated_close_date, 'start of month')",
    "postgresql": "CAST(date_trunc('month', estimated_close_date) AS date)",
}


def _counts_agree(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        for table in ("lead", "opportunity", "task"):
            counted, stored = (_rows(connection, query.format(table)) for query in COUNTED)
            assert stored == counted, table
        month = MONTH[connection.dialect.name]
        grouped, stored = (_rows(connection, query.format(month=month)) for query in MONTHS)
        assert stored == grouped and len(stored) == 4


def _indexes(connection: sa.Connection) -> set[str]:
    """The indexes of the counted tables (SQLite: as created; PostgreSQL: their definitions)."""
    if connection.dialect.name == "sqlite":
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('lead', 'opportunity', 'task')"
    else:
        query = (
            "SELECT indexdef FROM pg_indexes WHERE tablename IN ('lead', 'opportunity', 'task') "
            "AND schemaname = ANY (current_schemas(false))"
        )
    return {sql for (sql,) in connection.exec_driver_sql(query) if sql}


def _rows(connection: sa.Connection, query: str) -> set[tuple[object, ...]]:
    return {tuple(str(value) for value in row) for row in connection.exec_driver_sql(query)}
