"""The Alembic migrations build exactly the schema the SQLModel models describe, and go back down."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers the tables)
from store.db import alembic_config, make_engine
from store.text_search import include_object


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"include_object": include_object}), SQLModel.metadata
        )
    engine.dispose()
    assert differences == []


def test_the_last_migration_goes_down_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "-1")
        assert "ix_lead_owner_recent" not in _index_names(connection, "lead")
        assert "ix_lead_team_owner_status" in _index_names(connection, "lead")
        command.upgrade(alembic_config(connection), "head")
        assert "ix_lead_owner_recent" in _index_names(connection, "lead")
        assert "ix_lead_team_owner_status" not in _index_names(connection, "lead")
    engine.dispose()


def _index_names(connection: sa.Connection, table: str) -> set[str]:
    return {index["name"] or "" for index in sa.inspect(connection).get_indexes(table)}
