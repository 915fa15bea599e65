"""PostgreSQL connections in the pool: a connection idle for a while is pinged before use and replaced
when the server dropped it; one just used is handed out without a ping (store/db.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from store import db
from store.db import make_engine
from store.prepared import reading


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
