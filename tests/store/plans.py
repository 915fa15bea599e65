"""The database's plan of a prepared query, one line per step, for tests that hold a query to its index."""

from __future__ import annotations

import re
from typing import Any

from store.prepared import PreparedQuery


def analyze(engine: Any, *tables: str) -> None:
    """PostgreSQL: VACUUM ANALYZE the tables after a bulk insert (the statistics autovacuum keeps on a server
    in use), so plans are chosen as for real data; nothing on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM ANALYZE {', '.join(tables)}")


def plan(reader: Any, query: PreparedQuery, values: dict[str, Any]) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN details, or PostgreSQL's EXPLAIN lines, of `query` with `values`."""
    sql, parameters = query.parameters(reader.dialect, values)
    explain = "EXPLAIN QUERY PLAN " if reader.dialect.name == "sqlite" else "EXPLAIN "
    cursor = reader.connection.cursor()
    cursor.execute(explain + sql, parameters)
    return [str(row[-1] if reader.dialect.name == "sqlite" else row[0]).strip() for row in cursor.fetchall()]


def generic_plan(reader: Any, query: PreparedQuery, values: dict[str, Any]) -> list[str]:
    """PostgreSQL's EXPLAIN lines of `query`'s generic plan (the one `reading(..., generic_plans=True)`
    runs): prepared under `force_generic_plan`, the values bound only at EXECUTE."""
    import psycopg

    sql, parameters = query.parameters(reader.dialect, values)
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
    for number, name in enumerate(names, 1):
        sql = sql.replace(f"%({name})s", f"${number}")
    dbapi = reader.connection.dbapi_connection
    cursor = psycopg.ClientCursor(dbapi)
    try:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        cursor.execute("PREPARE generic_plan_check AS " + sql)
        arguments = ", ".join(["%s"] * len(names))
        cursor.execute(f"EXPLAIN EXECUTE generic_plan_check({arguments})", [parameters[name] for name in names])
        return [str(row[0]).strip() for row in cursor.fetchall()]
    finally:
        cursor.execute("DEALLOCATE generic_plan_check")
        cursor.execute("SET plan_cache_mode = auto")
        cursor.close()
