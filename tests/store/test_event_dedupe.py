"""The Events API dedupe on a kept connection (store.events.first_delivery_kept, store.prepared.write_once):
the first delivery of an event id wins, a retry is known; on PostgreSQL its commit does not wait for the
WAL's flush (as SQLite's synchronous=NORMAL), while every other transaction still does."""

from __future__ import annotations

import sqlalchemy as sa

from store.db import make_engine
from store.events import first_delivery_kept
from store.prepared import reading


def _setting(connection: object) -> str:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("SHOW synchronous_commit")
    value = str(cursor.fetchone()[0])
    cursor.close()
    return value


def test_the_first_delivery_wins_and_is_kept(database_url: str) -> None:
    engine = make_engine(database_url)
    assert first_delivery_kept(engine, team_id="T1", event_id="Ev1")
    assert not first_delivery_kept(engine, team_id="T1", event_id="Ev1")
    assert first_delivery_kept(engine, team_id="T1", event_id="Ev2")
    engine.dispose()
    other = sa.create_engine(database_url)  # committed: another connection sees both rows
    with other.connect() as connection:
        found = connection.execute(sa.text("SELECT event_id FROM slack_event ORDER BY event_id")).scalars()
        assert list(found) == ["Ev1", "Ev2"]
    other.dispose()


def test_only_the_dedupe_commits_without_waiting_for_the_flush(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        return  # SQLite: synchronous=NORMAL on every connection (store/db.py)
    engine = make_engine(database_url)
    with reading(engine) as reader:
        assert _setting(reader.connection) == "on"  # a kept connection before any write
    assert first_delivery_kept(engine, team_id="T1", event_id="Ev1")
    with reading(engine) as reader:
        assert _setting(reader.connection) == "off"  # the same kept connection, after the dedupe
    with engine.connect() as connection:  # the pool's, for the ORM's transactions
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
    engine.dispose()
