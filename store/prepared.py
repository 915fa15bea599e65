"""Hot reads without the ORM: Core statements compiled once per dialect, run on a pooled DBAPI connection.

An ack that only lists rows (`/lead list`, App Home's leads) spends more CPU in SQLAlchemy's session,
execution context and result wrapping than in the database: 0.53 ms against 0.22 ms per list of a rep
with 10,000 leads on SQLite, 1.3–1.8 ms against 0.8 ms on PostgreSQL (same statements, measured
side by side). The pipeline's grouped reports (store/pipeline.py) run the same way on their
transaction's connection (`session_reader`). Writes and everything else keep `store.db.transaction`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from threading import Lock
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # bind names in order, for qmark drivers (sqlite3); None: named
    defaults: dict[str, Any]  # values bound into the statement itself (literals, constants)
    processors: Mapping[str, Callable[[Any], Any]]  # the bind types' conversions (a date to ISO text on SQLite…)


class PreparedQuery:
    """A SELECT whose SQL text is compiled once per dialect. Its bind parameters go through their
    types' bind conversions (a date or an aware datetime is stored as SQLAlchemy stores it); its result
    columns are used as the driver returns them (no SQLAlchemy result processing: ints and strings, or
    the caller reads dates, datetimes and decimals in both databases' forms)."""

    def __init__(self, statement: sa.Select[Any] | Callable[[str], sa.Select[Any]]) -> None:
        """`statement`, or a function building it for a dialect's name (when the SQL differs by database)."""
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}
        self._lock = Lock()

    def compiled_for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            with self._lock:
                statement = self.statement if isinstance(self.statement, sa.Select) else self.statement(dialect.name)
                compiled = statement.compile(dialect=dialect)
                defaults = {key: bind.value for key, bind in compiled.binds.items() if bind.value is not None}
                positions = tuple(compiled.positiontup) if compiled.positiontup is not None else None
                processors = {
                    key: processor
                    for key, bind in compiled.binds.items()
                    if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
                }
                found = self._compiled.setdefault(
                    dialect.name, _Compiled(compiled.string, positions, defaults, processors)
                )
        return found

    def parameters(self, dialect: Dialect, values: Mapping[str, Any]) -> tuple[str, Any]:
        compiled = self.compiled_for(dialect)
        merged = {**compiled.defaults, **values}
        for key, processor in compiled.processors.items():
            if key in merged:
                merged[key] = processor(merged[key])
        if compiled.positions is None:
            return compiled.sql, merged
        return compiled.sql, tuple(merged[name] for name in compiled.positions)


@dataclass
class Reader:
    """A read-only DBAPI connection of the engine's pool and its dialect."""

    connection: Any
    dialect: Dialect

    def all(self, query: PreparedQuery, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(*query.parameters(self.dialect, values))
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def scalar(self, query: PreparedQuery, values: Mapping[str, Any]) -> Any:
        rows = self.all(query, values)
        return rows[0][0] if rows else None


@contextmanager
def reading(engine: Engine) -> Iterator[Reader]:
    """A pooled connection for a few reads; returned to the pool (rolled back) afterwards. On
    PostgreSQL the reads run in autocommit: no BEGIN before the first and no ROLLBACK when the
    connection returns to the pool, two round trips of a `/lead list` that reads twice."""
    connection = engine.raw_connection()
    autocommit = engine.dialect.name == "postgresql"
    if autocommit:
        connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]
    try:
        yield Reader(connection, engine.dialect)
    finally:
        if autocommit and connection.dbapi_connection is not None:
            connection.dbapi_connection.autocommit = False  # what sessions and the pool expect
        connection.close()


def session_reader(session: Session) -> Reader:
    """A Reader on the session's own connection: prepared reads inside a unit of work that also uses the
    ORM (one pooled connection, one transaction, the request's database budget)."""
    connection = session.connection()
    return Reader(connection.connection, connection.dialect)
