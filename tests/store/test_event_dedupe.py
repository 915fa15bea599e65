"""The Events API dedupe on a kept connection (store.events.first_delivery_kept, store.prepared.write_once):
the first delivery of an event id wins, a retry is known; on PostgreSQL its commit does not wait for the
WAL's flush (as SQLite's synchronous=NORMAL), while every other transaction still does."""

from __future__ import annotations

import threading

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


def test_on_sqlite_the_dedupe_is_one_statement_that_commits_itself(database_url: str) -> None:
    """One step holds SQLite's write lock: no BEGIN before the INSERT, no RETURNING row to fetch after it and no
    COMMIT, each of which had the thread wait for the GIL with the lock held (the other writers slept in
    SQLite's busy handler meanwhile)."""
    if not database_url.startswith("sqlite"):
        return
    engine = make_engine(database_url)
    with reading(engine, generic_plans=True) as reader:  # the kept connection the dedupe takes next
        sent: list[str] = []
        reader.connection.dbapi_connection.set_trace_callback(sent.append)
    assert first_delivery_kept(engine, team_id="T1", event_id="Ev1")
    assert not first_delivery_kept(engine, team_id="T1", event_id="Ev1")
    assert [statement.split()[0] for statement in sent] == ["INSERT", "INSERT"]
    assert not any("RETURNING" in statement for statement in sent)
    with reading(engine) as reader:
        assert not reader.connection.dbapi_connection.in_transaction
        assert reader.connection.dbapi_connection.isolation_level == ""  # sqlite3's default, for the other reads
    engine.dispose()


def test_racing_deliveries_of_two_processes_each_win_once(database_url: str) -> None:
    """Two engines (two workers) with four threads each deliver the same 50 event ids: each id is first once."""
    engines = [make_engine(database_url) for _ in range(2)]
    first_delivery_kept(engines[0], team_id="T1", event_id="warm-up")  # the table's first row outside the race
    wins: list[str] = []
    start = threading.Barrier(8)

    def deliver(engine: sa.Engine) -> None:
        start.wait(timeout=10)
        for n in range(50):
            if first_delivery_kept(engine, team_id="T1", event_id=f"Race{n}"):
                wins.append(f"Race{n}")

    threads = [threading.Thread(target=deliver, args=(engines[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(wins) == sorted(f"Race{n}" for n in range(50))
    for engine in engines:
        engine.dispose()
