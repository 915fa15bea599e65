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
