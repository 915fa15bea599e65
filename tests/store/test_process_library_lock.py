"""Two process uploads of one workspace at once (PostgreSQL, several workers): the version row is
locked, so each upload gets its own version and no worker keeps a parse of a version whose text changed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from store.db import make_engine, session_factory, transaction
from store.models import ProcessLibraryVersion
from store.process_libraries import save_library

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_two_uploads_at_once_get_two_versions(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time")
    engine = make_engine(database_url)
    new_session = session_factory(engine)
    with transaction(new_session) as session:
        save_library(session, team_id="T1", toml="# first", now=NOW)
    versions: dict[str, int] = {}

    def second() -> None:
        with transaction(new_session) as session:
            versions["second"] = save_library(session, team_id="T1", toml="# third", now=NOW).version

    with transaction(new_session) as session:
        versions["first"] = save_library(session, team_id="T1", toml="# second", now=NOW).version
        other = threading.Thread(target=second)
        other.start()
        other.join(timeout=0.5)
        assert other.is_alive()  # waiting for the first upload's lock
    other.join(timeout=10)
    with transaction(new_session) as session:
        row = session.exec(select(ProcessLibraryVersion)).one()
    engine.dispose()
    assert versions == {"first": 2, "second": 3} and (row.version, row.toml) == (3, "# third")
