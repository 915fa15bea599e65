"""The triggers the schema at head has, and keeping them through a SQLite table rebuild.

Triggers keep derived rows in the same transaction as the rows they follow, whatever writes them: the text
indexes on SQLite (FTS5, migrations 0007, 0015, 0017), `pipeline_month` (0021, 0025) and `owner_count` (0024).
SQLite drops a table's triggers with the table, and Alembic's batch mode rebuilds a table on SQLite (a new
table, the rows copied, the old one dropped, the new one renamed) for most changes of a column or a
constraint: the triggers went with it, silently, and the counts and the search drifted from the rows from
then on. A migration that alters `lead`, `opportunity`, `task` (or any table with triggers) in batch mode
uses `batch_alter_table_keeping_triggers` instead of `op.batch_alter_table`; tests/store/test_schema_triggers.py
checks that the database at head has exactly TRIGGERS, and that a rebuild through the helper keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

_COUNTED = ("lead", "opportunity", "task")  # owner_count's
_SEARCHED = ("lead", "opportunity")  # the text indexes'
# (table, trigger) at head; a migration adding or dropping a trigger changes this too
TRIGGERS: dict[str, frozenset[tuple[str, str]]] = {
    "sqlite": frozenset(
        {(table, f"owner_count_{table}_{event}") for table in _COUNTED for event in ("insert", "delete", "update")}
        | {(table, f"{table}_fts_{event}") for table in _SEARCHED for event in ("ai", "ad", "au")}
        | {("opportunity", f"pipeline_month_{event}") for event in ("insert", "delete", "update_old", "update_new")}
    ),
    "postgresql": frozenset(
        {(table, f"owner_count_{change}") for table in _COUNTED for change in ("added", "removed", "moved")}
        | {("opportunity", f"pipeline_month_{change}") for change in ("added", "removed", "moved")}
    ),
}


def triggers_of(connection: sa.Connection) -> set[tuple[str, str]]:
    """The (table, trigger) pairs the database has (PostgreSQL: those of the connection's search path, not
    the ones it makes itself for foreign keys)."""
    if connection.dialect.name == "sqlite":
        query = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = ANY (current_schemas(false)::regnamespace[])"
        )
    return {(table, name) for table, name in connection.exec_driver_sql(query)}


@contextmanager
def batch_alter_table_keeping_triggers(operations: Any, table: str, **options: Any) -> Iterator[Any]:
    """`operations.batch_alter_table(table, **options)` (`operations`: Alembic's `op` in a migration) that
    keeps the triggers on SQLite: those on `table` and those of other tables whose body names it are saved,
    dropped before the rebuild (SQLite checks triggers naming a table when it is renamed) and created again
    after; and the table's indexes on expressions, which Alembic leaves out of the rebuilt table. PostgreSQL
    alters tables in place (batch mode's default, `recreate="auto"`): its triggers stay, nothing to do."""
    connection: sa.Connection = operations.get_bind()
    if connection.dialect.name != "sqlite":
        with operations.batch_alter_table(table, **options) as batch:
            yield batch
        return
    saved = _naming(connection, table)
    indexes = _indexes(connection, table)
    for name, _ in saved:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    with operations.batch_alter_table(table, **options) as batch:
        yield batch
    for _, sql in saved:
        connection.exec_driver_sql(sql)
    for sql in indexes:  # IF NOT EXISTS: a batch that needed no rebuild (e.g. a column added) kept them
        connection.exec_driver_sql(sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))


def _naming(connection: sa.Connection, table: str) -> list[tuple[str, str]]:
    """SQLite: (name, CREATE statement) of the triggers on `table` or whose body names it."""
    rows = connection.exec_driver_sql("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    return [(name, sql) for name, on, sql in rows if on == table or _names(sql, table)]


def _indexes(connection: sa.Connection, table: str) -> list[str]:
    """SQLite: the CREATE statements of the table's indexes on expressions (the search walks of migrations 0015
    and 0017). Alembic's rebuild creates the indexes it reflects again, not these: it leaves them out, with a
    warning. (Only these: an index the migration drops in the batch stays dropped.)"""
    query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
    found = connection.exec_driver_sql(query, (table,)).all()
    return [sql for name, sql in found if _on_expressions(connection, name)]


def _on_expressions(connection: sa.Connection, index: str) -> bool:
    """Whether any column of the index is an expression (index_xinfo's cid -2)."""
    return any(row[1] == -2 for row in connection.exec_driver_sql(f'PRAGMA index_xinfo("{index}")'))


def _names(sql: str, table: str) -> bool:
    return re.search(rf"(?i)\b{re.escape(table)}\b", sql) is not None
