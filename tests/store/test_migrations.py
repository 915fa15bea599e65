"""The Alembic migrations build exactly the schema the SQLModel models describe, and go back down."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers the tables)
from store.db import alembic_config, make_engine


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_the_last_migration_goes_down_and_up_again(database_url: str) -> None:
    """Whichever migration is last: down one step the schema differs from the models, up again it matches."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "-1")
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) != []
        command.upgrade(alembic_config(connection), "head")
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
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
