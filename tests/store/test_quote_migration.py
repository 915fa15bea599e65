"""Migration 0008_quotes adds the quote, quote_line, sales_order and document_counter tables and goes back down."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from store.db import alembic_config, make_engine

QUOTE_TABLES = {"quote", "quote_line", "sales_order", "document_counter"}


def test_quotes_migration_goes_down_and_up_again(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007_list_indexes")
        assert not QUOTE_TABLES & set(sa.inspect(connection).get_table_names())
        command.upgrade(alembic_config(connection), "head")
        assert set(sa.inspect(connection).get_table_names()) >= QUOTE_TABLES
    engine.dispose()
