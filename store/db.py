"""Engine, sessions and schema upgrades (Alembic, under a PostgreSQL advisory lock)."""

from __future__ import annotations

import functools
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
UPGRADE_LOCK_KEY = 0x5A1E5B07  # any constant shared by every instance of salesbot

SessionFactory = Callable[[], Session]
SQLITE_BUSY_TIMEOUT_MS = 30000  # background work and the scheduler wait this long for a lock
# Page cache per SQLite connection, KiB. SQLite's default (2 MiB) times a pool of 8-15 connections per
# worker was most of a worker's growth under load (+22 MB vs +14 MB over 1,200 searches from 8
# threads), with no measurable difference in a search's time: the OS page cache holds the file.
# 256 rather than 512: another 2-3 MB less per worker, searches and lists timed alike (2026-12-06).
SQLITE_CACHE_KIB = 256
# Page cache of the connections store/prepared.py keeps for the hot reads (`reading`): at 1M deals the 40
# rows of an `/opp list` shown by id touch ~90 pages (root to leaf, scattered), more than 256 KiB hold, so
# every list read them from the OS again (LRU over a cycle larger than the cache: no hits). 512 KiB holds
# them: `/opp list`'s reads 0.36 -> 0.29 ms on 8 connections in turn, 2 MiB no better (2026-12-07).
SQLITE_READER_CACHE_KIB = 512
# Connections a SQLite pool keeps: a worker's request threads (8) and after-ack threads (8). With
# SQLAlchemy's default (5), every checkout beyond 5 at once opened a connection and closed it at checkin:
# 1.4 ms of CPU each (SQLite parses the schema on a connection's first statement; 0.006 ms for a query
# on a pooled one), ~3 % of a Home request under load (py-spy). An idle one holds ~0.5 MB.
SQLITE_POOL_SIZE = 16
PING_IDLE_AFTER = 5.0  # seconds in the pool after which a PostgreSQL connection is pinged before use
LOCK_TIMEOUT_STATES = {"55P03", "57014"}  # PostgreSQL: lock_not_available, query_canceled (statement_timeout)


class DatabaseBusy(Exception):
    """The database did not answer within the request's budget: a lock held elsewhere, or a slow
    statement. The transaction was rolled back; nothing was stored."""


_deadline: ContextVar[float | None] = ContextVar("salesbot_db_deadline", default=None)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=SQLITE_POOL_SIZE
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "checkin", _restore_busy_timeout)
        return engine
    from store.models import add_postgresql_options  # the tables' PostgreSQL-only options

    add_postgresql_options()
    engine = sa.create_engine(url, pool_size=10, max_overflow=20)
    sa.event.listen(engine, "checkin", _note_idle)
    sa.event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    return engine


def _note_idle(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: sa.Dialect, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """PostgreSQL: a connection idle in the pool for PING_IDLE_AFTER seconds is pinged before use, and
    replaced if the server dropped it (a restart, a proxy's idle timeout). SQLAlchemy's pool_pre_ping
    pings at every checkout: a round trip of its own per request under load, for connections that
    served another request milliseconds earlier."""
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < PING_IDLE_AFTER:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as error:  # whatever the driver raises for a dead connection
        raise sa.exc.DisconnectionError(str(error)[:200]) from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def session_factory(engine: Engine) -> SessionFactory:
    def new_session() -> Session:
        return Session(engine, expire_on_commit=False)

    return new_session


def _restore_busy_timeout(dbapi_connection: Any, record: Any) -> None:
    if record is not None and record.info.pop("bounded", False):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()


@contextmanager
def budget(seconds: float | None) -> Iterator[None]:
    """Every transaction opened in this context (this thread: a request being acked) waits for locks
    and statements at most until `seconds` from now, then raises DatabaseBusy. None: no bound."""
    if seconds is None:
        yield
        return
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def bounded() -> bool:
    """Whether this thread's transactions run within a request's budget (`budget`)."""
    return _deadline.get() is not None


@contextmanager
def transaction(new_session: SessionFactory) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error. Inside `budget(...)` its lock waits
    and statements are bounded (SQLite busy_timeout; PostgreSQL lock_timeout and statement_timeout)."""
    session = new_session()
    deadline = _deadline.get()
    try:
        if deadline is not None:
            _bound(session, deadline)
        yield session
        session.commit()
    except OperationalError as error:
        session.rollback()
        if deadline is not None and _is_lock_timeout(error):
            raise DatabaseBusy(str(error.orig)[:200]) from error
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _bound(session: Session, deadline: float) -> None:
    remaining_ms = int((deadline - time.monotonic()) * 1000)
    if remaining_ms <= 0:
        raise DatabaseBusy("the request's database budget is spent")
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.connection.info["bounded"] = True
        connection.exec_driver_sql(f"PRAGMA busy_timeout={remaining_ms}")
    else:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {remaining_ms}")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {remaining_ms}")


def _is_lock_timeout(error: OperationalError) -> bool:
    if getattr(error.orig, "sqlstate", None) in LOCK_TIMEOUT_STATES:
        return True
    message = str(error.orig).lower()
    return isinstance(error.orig, sqlite3.OperationalError) and ("locked" in message or "busy" in message)


def alembic_config(connection: sa.Connection | None = None) -> Config:
    from alembic.config import Config  # Alembic (and Mako, Pygments) only where the schema is upgraded

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


_REVISION_LINE = re.compile(r'^(down_revision|revision)\b[^=]*=\s*"([^"]*)"', re.MULTILINE)


def head_revision() -> str:
    """The head of the migration chain, read from the versions' `revision` / `down_revision` lines
    without importing Alembic (with Mako and Pygments, a fifth of `salesbot run`'s start-up)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for key, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            (revisions if key == "revision" else parents).add(value)
    (head,) = revisions - parents  # a branched chain is a bug the migration tests catch
    return head


def at_head(connection: sa.Connection) -> bool:
    """The database's schema is the head revision: nothing to upgrade."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return False
    stamped = [row[0] for row in connection.execute(sa.text("SELECT version_num FROM alembic_version"))]
    connection.rollback()
    return stamped == [head_revision()]


def upgrade(engine: Engine) -> None:
    """Upgrade to head. On PostgreSQL an advisory lock keeps instances starting together from racing."""
    with engine.connect() as connection:
        if at_head(connection):
            return
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK_KEY})
            connection.commit()
        try:
            from alembic import command

            command.upgrade(alembic_config(connection), "head")
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK_KEY})
                connection.commit()


def backup(engine: Engine, target: Path) -> None:
    """Online copy of a SQLite database (its backup API works while the bot runs); PostgreSQL has pg_dump."""
    if engine.dialect.name != "sqlite":
        raise RuntimeError("db backup copies SQLite databases; for PostgreSQL use pg_dump")
    database = engine.url.database
    if not database or database == ":memory:":
        raise RuntimeError("nothing to back up: the database is in memory")
    source = sqlite3.connect(database)
    destination = sqlite3.connect(str(target))
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
