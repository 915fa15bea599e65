"""PostgreSQL connections in the pool: a connection idle for a while is pinged before use and replaced
when the server dropped it; one just used is handed out without a ping (store/db.py). The prepared
reads' kept connections (store/prepared.reading): reused, replaced when idle too long or failed, few."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from store import db
from store.db import make_engine
from store.prepared import KEPT_READERS, PreparedQuery, reading


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(url: str, pid: int) -> None:
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_dropped_idle_connection_is_replaced(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    engine = make_engine(database_url)
    dropped = _backend_pid(engine)
    _terminate(database_url, dropped)
    monkeypatch.setattr(db, "PING_IDLE_AFTER", 0.0)  # as if it had been idle for long
    assert _backend_pid(engine) != dropped
    with reading(engine) as reader:  # the prepared reads' checkout too
        assert reader.connection.dbapi_connection.autocommit
    engine.dispose()


def test_a_connection_just_used_is_not_pinged(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    engine = make_engine(database_url)
    dropped = _backend_pid(engine)
    _terminate(database_url, dropped)
    with pytest.raises(sa.exc.DBAPIError):  # no ping: the first statement finds the connection dead
        _backend_pid(engine)
    assert _backend_pid(engine) != dropped  # and the pool replaced it
    engine.dispose()


def _dbapi(engine: sa.Engine) -> object:
    with reading(engine) as reader:
        return reader.connection.dbapi_connection


def test_reads_reuse_a_kept_connection_outside_the_pool(database_url: str) -> None:
    engine = make_engine(database_url)
    first = _dbapi(engine)
    assert _dbapi(engine) is first
    assert engine.pool.checkedout() == 0  # kept detached: sessions have the whole pool
    with engine.connect() as connection:  # and the pool still hands out connections of its own
        assert connection.connection.dbapi_connection is not first
    engine.dispose()


def test_kept_sqlite_readers_have_the_readers_page_cache_and_the_pool_its_own(database_url: str) -> None:
    """The hot reads' connections hold SQLITE_READER_CACHE_KIB of pages (at 1M deals the 40 rows of an
    `/opp list` need more than the pool's SQLITE_CACHE_KIB); the pool's connections keep the smaller cache."""
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite pragma")
    engine = make_engine(database_url)
    for _ in range(2):  # a new kept connection, then the same one again
        with reading(engine) as reader:
            cursor = reader.connection.cursor()
            assert cursor.execute("PRAGMA cache_size").fetchone()[0] == -db.SQLITE_READER_CACHE_KIB
            cursor.close()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar_one() == -db.SQLITE_CACHE_KIB
    assert db.SQLITE_READER_CACHE_KIB > db.SQLITE_CACHE_KIB
    engine.dispose()


def test_a_read_that_failed_leaves_its_connection_closed(database_url: str) -> None:
    engine = make_engine(database_url)
    with pytest.raises(RuntimeError), reading(engine) as reader:
        failed = reader.connection.dbapi_connection
        raise RuntimeError("a read failed")
    assert _dbapi(engine) is not failed
    engine.dispose()


def test_a_kept_connection_the_server_dropped_is_replaced(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    engine = make_engine(database_url)
    first = _dbapi(engine)
    with reading(engine) as reader:
        pid = reader.scalar(_BACKEND_PID, {})
    _terminate(database_url, pid)
    monkeypatch.setattr(db, "PING_IDLE_AFTER", 0.0)  # as if idle for long: pinged, found dead
    with reading(engine) as reader:
        assert reader.connection.dbapi_connection is not first
        assert reader.scalar(_ONE, {}) == 1
    engine.dispose()


def test_an_idle_kept_connection_that_answers_is_kept(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pinged (PostgreSQL) and used again: a fresh connection would start cold (no cached plans)."""
    engine = make_engine(database_url)
    first = _dbapi(engine)
    monkeypatch.setattr(db, "PING_IDLE_AFTER", 0.0)
    assert _dbapi(engine) is first
    engine.dispose()


def test_at_most_a_few_connections_are_kept_and_dispose_closes_them(database_url: str) -> None:
    engine = make_engine(database_url)
    readers = [reading(engine) for _ in range(KEPT_READERS + 2)]
    connections = [r.__enter__().connection.dbapi_connection for r in readers]
    for r in readers:
        r.__exit__(None, None, None)
    assert len({id(c) for c in connections}) == KEPT_READERS + 2
    kept = [_dbapi(engine) for _ in range(1)]
    assert kept[0] in connections
    engine.dispose()
    closed = [c for c in connections if getattr(c, "closed", None) or _is_closed_sqlite(c)]
    assert len(closed) == len(connections)


def test_a_read_on_a_kept_connection_sees_what_was_committed_since(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE kept_probe (n INTEGER)")
    try:
        assert _count_probe(engine) == 0
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO kept_probe VALUES (1)")
        assert _count_probe(engine) == 1
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE kept_probe")
        engine.dispose()


_ONE = PreparedQuery(sa.select(sa.literal(1)))
_BACKEND_PID = PreparedQuery(sa.select(sa.func.pg_backend_pid()))
_PROBE = PreparedQuery(sa.select(sa.func.count()).select_from(sa.table("kept_probe")))


def _count_probe(engine: sa.Engine) -> int:
    with reading(engine) as reader:
        return int(reader.scalar(_PROBE, {}))


def _is_closed_sqlite(connection: object) -> bool:
    try:
        connection.execute("SELECT 1")  # type: ignore[attr-defined]
    except sqlite3.ProgrammingError:
        return True
    return False


def _plan_mode(reader: object) -> str:
    cursor = reader.connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("SHOW plan_cache_mode")
    return str(cursor.fetchone()[0])


def test_reads_with_generic_plans_run_in_their_plan_mode(database_url: str) -> None:
    """PostgreSQL: `reading(..., generic_plans=True)` runs on a kept connection in force_generic_plan, any
    other read in auto, on whichever kept connection (switched when none in its mode is idle)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite plans every statement as it prepares it")
    engine = make_engine(database_url)
    with reading(engine, generic_plans=True) as reader:
        assert _plan_mode(reader) == "force_generic_plan"
        generic = reader.connection.dbapi_connection
    with reading(engine) as reader:
        assert reader.connection.dbapi_connection is generic and _plan_mode(reader) == "auto"
    with reading(engine, generic_plans=True) as first, reading(engine) as second:
        assert (_plan_mode(first), _plan_mode(second)) == ("force_generic_plan", "auto")
        kept = {first.connection.dbapi_connection: "generic", second.connection.dbapi_connection: "auto"}
    for generic_plans in (True, False, True):  # each finds an idle connection in its mode
        with reading(engine, generic_plans=generic_plans) as reader:
            assert kept[reader.connection.dbapi_connection] == ("generic" if generic_plans else "auto")
            assert _plan_mode(reader) == ("force_generic_plan" if generic_plans else "auto")
    engine.dispose()


def test_reads_return_rows_as_plain_tuples(database_url: str) -> None:
    """`Reader.all` hands the driver's rows on as they are when they are tuples (both drivers' default)."""
    engine = make_engine(database_url)
    with reading(engine) as reader:
        rows = reader.all(PreparedQuery(sa.select(sa.literal(1), sa.literal("a"))), {})
        assert rows == [(1, "a")] and type(rows[0]) is tuple
        assert reader.all(PreparedQuery(sa.select(sa.literal(1)).where(sa.false())), {}) == []
    engine.dispose()
