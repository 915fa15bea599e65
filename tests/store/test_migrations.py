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


def _schema(connection: sa.Connection) -> dict[str, set[str]]:
    inspector = sa.inspect(connection)
    return {table: {c["name"] for c in inspector.get_columns(table)} for table in inspector.get_table_names()}


def test_the_last_migration_goes_down_and_up_again(database_url: str) -> None:
    """Whatever the head migration is: going down changes the schema, going up restores it exactly."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        head = _schema(connection)
        command.downgrade(alembic_config(connection), "-1")
        assert _schema(connection) != head
        command.upgrade(alembic_config(connection), "head")
        assert _schema(connection) == head
    engine.dispose()
