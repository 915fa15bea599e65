"""The Alembic migrations build exactly the schema the SQLModel models describe, and go back down."""

from __future__ import annotations

import subprocess
import sys
import warnings

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.schema import CreateIndex
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers the tables)
from store.db import alembic_config, at_head, head_revision, make_engine, upgrade
from store.text_search import include_object


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = _differences(connection)
    engine.dispose()
    assert differences == []


def test_the_last_migration_goes_down_and_up_again(database_url: str) -> None:
    """Whichever migration is last: down one step the schema differs from the models (or, for a migration
    adding only indexes the comparison leaves out, e.g. a text index, those indexes are gone), up again
    it matches."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        at_head = _raw_index_names(connection)
        last = ScriptDirectory.from_config(alembic_config(connection)).get_current_head()
        # a migration for some databases only (e.g. 0015_search_index, SQLite) names them in DIALECTS
        dialects = getattr(
            ScriptDirectory.from_config(alembic_config(connection)).get_revision(last).module, "DIALECTS", None
        )
        command.downgrade(alembic_config(connection), "-1")
        changed = _differences(connection) != [] or _raw_index_names(connection) != at_head
        assert changed or (dialects is not None and connection.dialect.name not in dialects)
        command.upgrade(alembic_config(connection), "head")
        assert _differences(connection) == [] and _raw_index_names(connection) == at_head
    engine.dispose()


def test_the_search_index_migration_goes_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0013_oauth_installations")
        assert "ix_lead_owner_search" not in _raw_index_names(connection)
        command.upgrade(alembic_config(connection), "head")  # SQLite: 0015; PostgreSQL: 0016
        assert "ix_lead_owner_search" in _raw_index_names(connection)
    engine.dispose()


def test_the_list_indexes_migration_goes_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0006_teams_tasks")
        assert "ix_lead_owner_recent" not in _index_names(connection, "lead")
        assert "ix_lead_team_owner_status" in _index_names(connection, "lead")
        command.upgrade(alembic_config(connection), "head")
        assert "ix_lead_owner_recent" in _index_names(connection, "lead")
        assert "ix_lead_team_owner_status" not in _index_names(connection, "lead")
    engine.dispose()


def test_the_playground_clock_migration_goes_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0004")
        assert "clock_offset" not in sa.inspect(connection).get_table_names()
        command.upgrade(alembic_config(connection), "head")
        assert "clock_offset" in sa.inspect(connection).get_table_names()
    engine.dispose()


def test_each_managers_reps_become_a_team_named_after_the_manager(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0005_playground_clock")
        connection.execute(
            sa.text(
                "INSERT INTO slack_user (team_id, user_id, name, role, manager_id, is_slack_admin, tz, "
                "daily_summary, digest_when_empty, created_at) VALUES "
                "('T1', 'UM', 'Maria Rossi', 'manager', NULL, false, 'UTC', false, false, CURRENT_TIMESTAMP), "
                "('T1', 'U1', '', 'rep', 'UM', false, 'UTC', false, false, CURRENT_TIMESTAMP), "
                "('T1', 'U2', '', 'rep', 'UM', false, 'UTC', false, false, CURRENT_TIMESTAMP), "
                "('T1', 'U3', '', 'rep', 'UX', false, 'UTC', false, false, CURRENT_TIMESTAMP), "
                "('T2', 'U9', '', 'rep', 'UM', false, 'UTC', false, false, CURRENT_TIMESTAMP)"
            )
        )
        command.upgrade(alembic_config(connection), "head")
        teams = connection.execute(
            sa.text("SELECT id, team_id, name, manager_id FROM sales_team ORDER BY team_id, name")
        ).all()
        assert [(t.team_id, t.name, t.manager_id) for t in teams] == [
            ("T1", "Maria Rossi", "UM"),
            ("T1", "UX", "UX"),
            ("T2", "UM", "UM"),
        ]
        members = connection.execute(
            sa.text("SELECT user_id FROM sales_team_member WHERE sales_team_id = :id ORDER BY user_id"),
            {"id": teams[0].id},
        )
        assert [m.user_id for m in members] == ["U1", "U2"]
    engine.dispose()


def _differences(connection: sa.Connection) -> list[object]:
    """Models against the schema, leaving out the text-index objects (FTS5 tables, trigram indexes)."""
    context = MigrationContext.configure(connection, opts={"include_object": include_object})
    with warnings.catch_warnings():  # SQLAlchemy does not reflect SQLite's expression index ix_lead_owner_search
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        return list(compare_metadata(context, SQLModel.metadata))


def _raw_index_names(connection: sa.Connection) -> set[str]:
    """Every index name as the database lists it (SQLAlchemy's inspector skips SQLite's expression indexes)."""
    if connection.dialect.name == "sqlite":
        return set(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'").scalars())
    return set(
        connection.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").scalars()
    )


def _index_names(connection: sa.Connection, table: str) -> set[str]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        return {index["name"] or "" for index in sa.inspect(connection).get_indexes(table)}


def test_the_channel_alerts_migration_goes_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    alerts = {"alert_subscription", "alert_cursor", "workspace_channel"}
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007_list_indexes")
        assert not alerts & set(sa.inspect(connection).get_table_names())
        command.upgrade(alembic_config(connection), "head")
        assert alerts <= set(sa.inspect(connection).get_table_names())
    engine.dispose()


def test_the_head_read_without_alembic_is_alembics_head() -> None:
    """`salesbot run` skips Alembic when the database is at `head_revision()`: it must be Alembic's head."""
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_database_at_head_is_not_upgraded_and_one_behind_is(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert at_head(connection)
        command.downgrade(alembic_config(connection), "-1")
        connection.commit()
        assert not at_head(connection)
    upgrade(engine)  # at_head said no: Alembic upgrades it
    with engine.connect() as connection:
        assert at_head(connection)
        assert _differences(connection) == []
    engine.dispose()


def test_start_up_on_a_migrated_database_imports_no_alembic(database_url: str) -> None:
    """The start-up saving is real: checking a database at head loads neither Alembic nor Mako."""
    check = (
        "import sys; from store.db import make_engine, upgrade; upgrade(make_engine(sys.argv[1])); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    output = subprocess.run([sys.executable, "-c", check, database_url], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "[]"


def test_a_postgresql_engine_gives_the_covering_indexes_their_include() -> None:
    """The models leave `postgresql_include` out of sa.Index (it loads the PostgreSQL dialect everywhere):
    making a PostgreSQL engine puts it on, so its DDL and autogenerate see what migration 0014 made."""
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # not connected
    indexes = {index.name: index for index in store.models.Opportunity.__table__.indexes}  # type: ignore[attr-defined]
    for name, include in store.models.POSTGRESQL_INCLUDES.items():
        ddl = str(CreateIndex(indexes[name]).compile(dialect=engine.dialect))
        assert ddl.endswith(f"INCLUDE ({', '.join(include)})"), ddl
    engine.dispose()
