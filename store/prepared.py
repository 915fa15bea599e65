"""Hot reads without the ORM: Core statements compiled once per dialect, run on a pooled DBAPI connection.

An ack that only lists rows (`/lead list`, App Home's leads) spends more CPU in SQLAlchemy's session,
execution context and result wrapping than in the database: 0.53 ms against 0.22 ms per list of a rep
with 10,000 leads on SQLite, 1.3–1.8 ms against 0.8 ms on PostgreSQL (same statements, measured
side by side). The pipeline's grouped reports (store/pipeline.py) run the same way on their
transaction's connection (`session_reader`). Writes and everything else keep `store.db.transaction`.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Session

from store import db
from store.types import postgresql_array
from store.unindexed import Unindexed


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # bind names in order, for qmark drivers (sqlite3); None: named
    defaults: dict[str, Any]  # values bound into the statement itself (literals, constants)
    processors: Mapping[str, Callable[[Any], Any]]  # the bind types' conversions (a date to ISO text on SQLite…)


Statement = sa.Select[Any] | sa.CompoundSelect | sa.Insert


class PreparedQuery:
    """A SELECT whose SQL text is compiled once per dialect. Its bind parameters go through their
    types' bind conversions (a date or an aware datetime is stored as SQLAlchemy stores it); its result
    columns are used as the driver returns them (no SQLAlchemy result processing: ints and strings, or
    the caller reads dates, datetimes and decimals in both databases' forms)."""

    def __init__(self, statement: Statement | Callable[[str], Statement]) -> None:
        """`statement`, or a function building it for a dialect's name (when the SQL differs by database);
        an INSERT only through `write_once`."""
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}
        self._lock = Lock()

    def compiled_for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            with self._lock:
                statement = self.statement(dialect.name) if callable(self.statement) else self.statement
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


def in_bound_list(dialect: str, column: Any, name: str, item_type: Any) -> sa.ColumnElement[bool]:
    """`column` is in the bound list `name` (`bound_list`: on SQLite a JSON array, on PostgreSQL an array of
    `item_type`): one statement, one plan, for any number of values."""
    if dialect == "sqlite":
        listed = sa.func.json_each(sa.bindparam(name, type_=sa.String)).table_valued("value")
        return column.in_(sa.select(listed.c.value))
    return column == sa.any_(sa.bindparam(name, type_=postgresql_array(item_type)))


def unindexed_team(table: Any) -> Any:
    """The table's `team_id` as a condition's column, no index serving it on SQLite (store/unindexed.py: written
    `+table.team_id`), so a read by primary key (ids, or a range past a cursor) is driven by it, where SQLite
    would otherwise read (and sort) the workspace's whole index on `team_id`."""
    return Unindexed(table.c.team_id)


def packed_rows(dialect: str, page: sa.Select[Any]) -> sa.Select[Any]:
    """`page` as `Reader.packed` reads it: on SQLite one row holding its rows as a JSON array of arrays (in
    `page`'s order), else `page` itself. sqlite3 releases the GIL at each step of a statement, i.e. per row
    read, which under a worker's request threads is a hand-over to another thread (futex, context switch)
    per row; packed, a page is one step. Only for columns whose JSON is exact: text, integers and NULLs
    (SQLite 3.40 writes a real with 15 digits; `quote(x)` round-trips one as text)."""
    if dialect != "sqlite":
        return page
    rows = page.subquery("page")
    return sa.select(sa.func.json_group_array(sa.func.json_array(*rows.c)))


def row_columns(where: tuple[Any, ...], **columns: Any) -> tuple[Any, ...]:
    """Columns of the one row `where` finds, as labelled scalar subqueries for another statement's columns
    (NULL when there is no such row; uncorrelated, so evaluated once): who asks, a record's head or a user's
    zone read with a page instead of by a statement of their own."""
    return tuple(sa.select(column).where(*where).scalar_subquery().label(name) for name, column in columns.items())


def unpacked(packed: str) -> list[Any]:
    """The rows of a JSON array of arrays (`packed_rows`, `/opp list`'s page) as lists."""
    try:
        return list(orjson.loads(packed))
    except orjson.JSONDecodeError:  # what orjson refuses and the standard library reads (as bot/fastjson.py)
        return list(json.loads(packed))


def bound_list(dialect: Dialect, values: list[Any]) -> Any:
    """`values` as `in_bound_list`'s parameter for this dialect."""
    return json.dumps(values) if dialect.name == "sqlite" else values


@dataclass
class Reader:
    """A read-only DBAPI connection of the engine's pool and its dialect."""

    connection: Any
    dialect: Dialect

    def all(self, query: PreparedQuery, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(*query.parameters(self.dialect, values))
            return _tuples(cursor.fetchall())
        finally:
            cursor.close()

    def all_inlined(self, query: PreparedQuery, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """`all`, on PostgreSQL with the values written into the SQL as literals (psycopg's client-side
        binding quotes them): planned for these values at each execution whatever the plan mode, for a
        statement whose best plan depends on them (a text index probe: a text in a sixth of the rows is
        found sooner by reading the table than through the index, a rare one the other way round)."""
        if self.dialect.name != "postgresql":
            return self.all(query, values)
        import psycopg  # only with PostgreSQL

        cursor = psycopg.ClientCursor(self.connection.dbapi_connection)
        try:
            cursor.execute(*query.parameters(self.dialect, values))
            return _tuples(cursor.fetchall())
        finally:
            cursor.close()

    def packed(self, query: PreparedQuery, values: Mapping[str, Any]) -> list[Any]:
        """The rows of a `packed_rows` statement: on SQLite lists read from its JSON array (one step of the
        statement), else the driver's tuples."""
        rows = self.all(query, values)
        return unpacked(rows[0][0]) if self.dialect.name == "sqlite" else rows

    def scalar(self, query: PreparedQuery, values: Mapping[str, Any]) -> Any:
        rows = self.all(query, values)
        return rows[0][0] if rows else None


def _tuples(rows: list[Any]) -> list[tuple[Any, ...]]:
    """The rows as tuples: sqlite3's and psycopg's default rows already are (a copy of each of `/opp list`'s
    240 rows was ~3 µs); any other row type is copied."""
    return rows if not rows or type(rows[0]) is tuple else [tuple(row) for row in rows]


# PostgreSQL plans a prepared statement anew at each execution while its generic plan's estimated cost is
# above its custom plans' (`plan_cache_mode = auto`): for `/lead list` and `/lead TEXT` on `lead` (many
# indexes) that planning cost as much as the execution (a list 0.62 ms -> 0.32 ms with the generic plan,
# a search 1.9-2.2 -> 1.4-1.5 ms, measured). A read whose statements have plans that do not depend on the
# values (`reading(engine, generic_plans=True)`; tests/store/test_list_queries.py checks them) runs on a
# kept connection with `force_generic_plan`: planned once per connection, not per execution.
_SET_PLAN_MODE = {True: "SET plan_cache_mode = force_generic_plan", False: "SET plan_cache_mode = auto"}
KEPT_READERS = 16  # at most this many connections per engine and process kept between reads (waitress's threads)


class _Kept:
    """The connections `reading` keeps for the next read of one engine in this process, most recently
    used last: detached from the engine's pool (the pool opens another in its place, so sessions lose
    none of its size), PostgreSQL's in autocommit for good. Handing one out is a list pop, where the
    pool's checkout and checkin (its events, the reset's ROLLBACK on SQLite) were a fourteenth of a
    `/lead list` ack's CPU. As many are kept as reads ran at once (at most KEPT_READERS; past that a
    connection is closed after its read). Like the pool's, a PostgreSQL connection idle for
    PING_IDLE_AFTER seconds is pinged before use and replaced if the server dropped it: closing idle
    ones instead meant cold backends (no cached plans or catalog) after every pause, measured slower
    than `main` in the closed loop. One whose read failed is closed; a forked process opens its own."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.pid = engine, os.getpid()
        self.plan_modes = engine.dialect.name == "postgresql"
        self.idle: list[tuple[Any, float, bool]] = []  # connection, last used, in force_generic_plan
        self.lock = Lock()
        sa.event.listen(engine, "engine_disposed", lambda _engine: self.close_all())

    def take(self, generic: bool = False) -> Any:
        """A kept connection (one in the plan mode asked for, if any; else switched to it) or a new one."""
        generic = generic and self.plan_modes
        while True:
            with self.lock:
                found = self._pop(generic)
            if found is None or self.pid != os.getpid():
                return self._in_mode(self._fresh(), False, generic)
            if time.monotonic() - found[1] < db.PING_IDLE_AFTER or self._alive(found[0]):
                return self._in_mode(found[0], found[2], generic)
            self._close(found[0])

    def _pop(self, generic: bool) -> tuple[Any, float, bool] | None:
        """The most recently used idle connection in this plan mode, else the most recently used one."""
        for index in range(len(self.idle) - 1, -1, -1):
            if self.idle[index][2] is generic:
                return self.idle.pop(index)
        return self.idle.pop() if self.idle else None

    def _in_mode(self, connection: Any, generic: bool, wanted: bool) -> Any:
        if generic is not wanted:
            try:
                cursor = connection.cursor()
                cursor.execute(_SET_PLAN_MODE[wanted])
                cursor.close()
            except BaseException:
                self._close(connection)
                raise
        return connection

    def give_back(self, connection: Any, failed: bool, generic: bool = False) -> None:
        dbapi = connection.dbapi_connection
        if failed or self.pid != os.getpid() or len(self.idle) >= KEPT_READERS:
            self._close(connection)
            return
        if getattr(dbapi, "in_transaction", False):  # sqlite3: a read left a transaction open
            dbapi.rollback()
        with self.lock:
            self.idle.append((connection, time.monotonic(), generic and self.plan_modes))

    def _fresh(self) -> Any:
        connection = self.engine.raw_connection()
        connection.detach()
        if self.engine.dialect.name == "postgresql":
            connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]  # no BEGIN, no ROLLBACK
        elif self.engine.dialect.name == "sqlite":
            cursor = connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(f"PRAGMA cache_size=-{db.SQLITE_READER_CACHE_KIB}")
            cursor.close()
        return connection

    def _alive(self, connection: Any) -> bool:
        if self.engine.dialect.name != "postgresql":  # a file is not dropped by a server
            return True
        try:
            return bool(self.engine.dialect.do_ping(connection.dbapi_connection))
        except Exception:  # whatever the driver raises for a dead connection
            return False

    def close_all(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for connection, *_ in idle:
            self._close(connection)

    def _close(self, connection: Any) -> None:
        if self.pid == os.getpid():  # another process's copy of a socket or file is left alone
            with contextlib.suppress(Exception):
                connection.close()


_KEPT: weakref.WeakKeyDictionary[Engine, _Kept] = weakref.WeakKeyDictionary()
_KEPT_LOCK = Lock()


def _kept(engine: Engine) -> _Kept:
    found = _KEPT.get(engine)
    if found is None:
        with _KEPT_LOCK:
            found = _KEPT.get(engine) or _KEPT.setdefault(engine, _Kept(engine))
    return found


class reading:  # noqa: N801 (used as a function: `with reading(engine) as reader`)
    """A connection for a few reads (`with reading(engine) as reader`), kept for the next read afterwards
    (`_Kept`). On PostgreSQL the reads run in autocommit: no BEGIN before the first and no ROLLBACK
    after, two round trips of a `/lead list` that reads twice. A class, not a generator: the context
    manager's own cost is part of every list."""

    __slots__ = ("kept", "connection", "generic")

    def __init__(self, engine: Engine, *, generic_plans: bool = False) -> None:
        """`generic_plans`: PostgreSQL runs the reads' statements with their generic plans (`_SET_PLAN_MODE`)."""
        self.kept, self.generic = _kept(engine), generic_plans

    def __enter__(self) -> Reader:
        self.connection = self.kept.take(self.generic)
        return Reader(self.connection, self.kept.engine.dialect)

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.kept.give_back(self.connection, failed=kind is not None, generic=self.generic)


def write_once(engine: Engine, query: PreparedQuery, values: Mapping[str, Any]) -> int:
    """One statement that writes (an INSERT without RETURNING), committed at once, on a kept connection
    (`reading`): no session, no pool checkout; the number of rows it wrote. Not bounded by the request's
    database budget (`store.db.budget`): the caller takes a transaction instead while one is set
    (`db.bounded()`). On PostgreSQL in the generic plan mode (an INSERT has one plan either way), as App
    Home's reads after an event's dedupe: a connection in the other mode was switched there and back (two
    SETs) when a Home found no idle one in its mode. On SQLite in one step (`_write_in_one_step`)."""
    with reading(engine, generic_plans=True) as reader:
        if reader.dialect.name == "sqlite":
            return _write_in_one_step(reader.connection.dbapi_connection, query.parameters(reader.dialect, values))
        if reader.dialect.name == "postgresql" and not reader.connection.info.get(_NO_FLUSH_WAIT):
            reader.connection.dbapi_connection.execute(_NO_FLUSH_WAIT)  # once per kept connection
            reader.connection.info[_NO_FLUSH_WAIT] = True
        cursor = reader.connection.cursor()  # autocommit (`_Kept`): committed by the statement itself
        try:
            cursor.execute(*query.parameters(reader.dialect, values))
            return int(cursor.rowcount)
        finally:
            cursor.close()


def _write_in_one_step(dbapi: Any, statement: tuple[str, Any]) -> int:
    """SQLite: the statement in autocommit, so it takes the write lock, writes, commits and lets go of the lock
    within one `sqlite3_step` (the GIL released throughout). sqlite3's implicit BEGIN, the INSERT's RETURNING
    row and the COMMIT were three steps, with the lock held while the thread waited for the GIL between them:
    the other writers (every event's dedupe row, from both workers' request threads) found it taken and slept
    in SQLite's busy handler (1, 2, 5, 10 ms… polls), 75 % of the dedupe's wall time and a third of App Home's
    request threads' samples in a closed loop (py-spy). Not serialized by a lock of this process: its holder
    waited for the GIL before letting go, and the writers queued behind it (60 % of the dedupe's wall time)."""
    previous, dbapi.isolation_level = dbapi.isolation_level, None
    try:
        cursor = dbapi.execute(*statement)
        written = int(cursor.rowcount)
        cursor.close()
        return written
    finally:
        dbapi.isolation_level = previous


# PostgreSQL: `write_once`'s commits (an event's dedupe row, before App Home or any other event is acked) do
# not wait for their WAL to reach the disk: an fdatasync, 0.2-4 ms on this machine, and ~0.1 ms of the
# worker's CPU around the longer wait (0.145 against 0.029 ms of thread CPU per dedupe INSERT, measured).
# A server crash may lose the last ~0.6 s of those rows (never corrupting anything): a Slack retry of such
# an event would be handled again. SQLite's WAL with synchronous=NORMAL (store/db.py) gives the same.
_NO_FLUSH_WAIT = "SET synchronous_commit = off"


def session_reader(session: Session) -> Reader:
    """A Reader on the session's own connection: prepared reads inside a unit of work that also uses the
    ORM (one pooled connection, one transaction, the request's database budget)."""
    connection = session.connection()
    return Reader(connection.connection, connection.dialect)
