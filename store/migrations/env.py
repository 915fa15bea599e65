"""Alembic environment: SQLModel metadata, batch mode so SQLite can alter tables."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import store.models  # registers every table on the metadata
from store.text_search import include_object

target_metadata = SQLModel.metadata
config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///salesbot.db")
        with engine.connect() as own_connection:
            _run(own_connection)
            own_connection.commit()
        return
    _run(connection)


def _run(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        store.models.add_postgresql_options()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
