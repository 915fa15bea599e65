"""Two transactions moving deals between the same two owners at once, in opposite orders (A's deals to B
while B's go to A), on PostgreSQL: the counters kept by triggers (pipeline_month, owner_count) must not make
them wait for each other, let alone deadlock (PostgreSQL would abort one after deadlock_timeout)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from bot.services.workspaces import delete_data
from store.counter_slots import fold
from store.db import session_factory
from store.models import Opportunity

MONTHS = (date(2027, 1, 15), date(2027, 2, 15))
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _deals(connection: sa.Connection, owner: str) -> list[int]:
    """Two open deals of `owner`, one closing in each of MONTHS."""
    table = Opportunity.__table__  # type: ignore[attr-defined]
    ids = []
    for close in MONTHS:
        values = {"team_id": "T1", "owner_id": owner, "topic": f"{owner} {close}", "estimated_close_date": close,
                  "estimated_revenue": 1000, "process_name": "Default", "stage": "Qualify"}  # fmt: skip
        ids.append(connection.execute(sa.insert(table).values(values).returning(table.c.id)).scalar_one())
    return ids


def _in_step(engine: sa.Engine, steps: list[list[Callable[[sa.Connection], object]]]) -> list[BaseException]:
    """Each list of steps in a transaction of its own thread; the threads take their first steps, then all wait
    for each other, then take their second steps; what each raised."""
    met = threading.Barrier(len(steps), timeout=30)
    failures: list[BaseException] = []

    def run(own: list[Callable[[sa.Connection], object]]) -> None:
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
                own[0](connection)
                met.wait()
                own[1](connection)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            failures.append(error)

    threads = [threading.Thread(target=run, args=(own,)) for own in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return failures


def _move(deal: int, owner: str) -> Callable[[sa.Connection], object]:
    table = Opportunity.__table__  # type: ignore[attr-defined]
    return lambda connection: connection.execute(sa.update(table).where(table.c.id == deal).values(owner_id=owner))


def test_deals_moving_both_ways_between_two_owners_at_once_do_not_deadlock(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            (a_jan, a_feb), (b_jan, b_feb) = _deals(connection, "UA"), _deals(connection, "UB")
        # A's January deal to B then A's February one; B's February deal to A then B's January one
        failures = _in_step(
            engine, [[_move(a_jan, "UB"), _move(a_feb, "UB")], [_move(b_feb, "UA"), _move(b_jan, "UA")]]
        )
        assert failures == []
        _figures_agree(engine)
        with engine.begin() as connection:
            assert fold(connection) > 0  # the committed slots, into slot 0
        _figures_agree(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql(SLOTS).all() == [(0, 0)]
    finally:
        engine.dispose()


SLOTS = (
    "SELECT (SELECT count(*) FROM pipeline_month WHERE slot <> 0), (SELECT count(*) FROM owner_count WHERE slot <> 0)"
)


def _figures_agree(engine: sa.Engine) -> None:
    """Each owner has one deal in each month, in pipeline_month and in owner_count."""
    with engine.connect() as connection:
        months = connection.exec_driver_sql(
            "SELECT owner_id, month, sum(deals), sum(cents) FROM pipeline_month GROUP BY owner_id, month "
            "HAVING sum(deals) <> 0 ORDER BY owner_id, month"
        ).all()
        counts = connection.exec_driver_sql(
            "SELECT owner_id, sum(records) FROM owner_count WHERE record_type = 'opportunity' "
            "GROUP BY owner_id ORDER BY owner_id"
        ).all()
    assert [(owner, month.month, deals, int(cents)) for owner, month, deals, cents in months] == [
        ("UA", 1, 1, 100_000), ("UA", 2, 1, 100_000), ("UB", 1, 1, 100_000), ("UB", 2, 1, 100_000),
    ]  # fmt: skip
    assert counts == [("UA", 2), ("UB", 2)]


def test_a_workspaces_counters_are_deleted_after_a_running_fold_not_alongside_it(database_url: str) -> None:
    """A fold deletes the slots and then updates slot 0; a workspace's deletion deletes its counters in its own
    order, right after its deals' deletion wrote slots: the deletion waits for the fold's advisory lock."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            _deals(connection, "UA")
        deleting = threading.Thread(target=delete_data, args=(session_factory(engine), "T1"), kwargs={"now": NOW})
        with engine.begin() as folding:
            assert fold(folding) > 0  # holds the lock until it commits
            deleting.start()
            deleting.join(timeout=1.0)
            assert deleting.is_alive()  # waiting for the fold
        deleting.join(timeout=30)
        with engine.connect() as connection:
            left = connection.exec_driver_sql(
                "SELECT (SELECT count(*) FROM pipeline_month), (SELECT count(*) FROM owner_count)"
            ).one()
        assert not deleting.is_alive() and tuple(left) == (0, 0)
    finally:
        engine.dispose()
