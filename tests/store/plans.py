"""The database's plan of a prepared query, one line per step, for tests that hold a query to its index."""

from __future__ import annotations

from typing import Any

from store.prepared import PreparedQuery


def plan(reader: Any, query: PreparedQuery, values: dict[str, Any]) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN details, or PostgreSQL's EXPLAIN lines, of `query` with `values`."""
    sql, parameters = query.parameters(reader.dialect, values)
    explain = "EXPLAIN QUERY PLAN " if reader.dialect.name == "sqlite" else "EXPLAIN "
    cursor = reader.connection.cursor()
    cursor.execute(explain + sql, parameters)
    return [str(row[-1] if reader.dialect.name == "sqlite" else row[0]).strip() for row in cursor.fetchall()]
