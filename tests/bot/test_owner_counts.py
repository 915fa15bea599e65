"""owner_count (migration 0024): its triggers keep it equal to counting the leads, opportunities and tasks per
workspace, owner and status, whatever writes them through the services and stores (creation, the CSV import,
drafts, qualifying, disqualifying, reactivating, won, lost, reopen, assignment, a claim from the leads channel,
GDPR erasure, tasks done, the drafts' clean-up, a workspace's deletion), on SQLite and PostgreSQL; and on
PostgreSQL, concurrent writers of one owner lose no count and do not deadlock."""

from __future__ import annotations

import io
import itertools
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from bot.domain.leads import LeadDraft
from bot.imports.leads import import_leads
from bot.refusals import Refused
from bot.services import assignment, erasure, opportunity_stages, work_queue
from bot.services import leads as lead_service
from bot.services import workspaces as workspace_service
from store import adhoc_tasks, counter_slots, owner_counts, routing
from store.access import Viewer
from store.db import make_engine, session_factory, transaction
from store.models import Lead, Opportunity, OwnerCount, Task

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OWNERS = ("U1", "U2", "")  # "": a lead waiting in the leads channel
TEAMS = ("A", "B")
_TABLES = {"lead": Lead, "opportunity": Opportunity, "task": Task}
_COUNTS = OwnerCount.__table__  # type: ignore[attr-defined]
_runs = itertools.count(1)

which = st.integers(min_value=0, max_value=30)
team = st.sampled_from(TEAMS)
owner = st.sampled_from(OWNERS)
operations = st.one_of(
    st.tuples(st.just("create lead"), team, owner, st.sampled_from(("open", "open", "draft"))),
    st.tuples(st.just("import"), team, st.sampled_from(OWNERS[:2]), st.integers(min_value=1, max_value=4)),
    st.tuples(st.just("create anyway"), team, which),
    st.tuples(st.just("qualify"), team, which),
    st.tuples(st.just("disqualify"), team, which),
    st.tuples(st.just("reactivate"), team, which),
    st.tuples(st.just("erase"), team, which),
    st.tuples(st.just("assign lead"), team, which, st.sampled_from(OWNERS[:2])),
    st.tuples(st.just("assign opportunity"), team, which, st.sampled_from(OWNERS[:2])),
    st.tuples(st.just("claim"), team, which, st.sampled_from(OWNERS[:2])),
    st.tuples(st.just("won"), team, which),
    st.tuples(st.just("lost"), team, which),
    st.tuples(st.just("reopen"), team, which),
    st.tuples(st.just("add task"), team, which, st.sampled_from(OWNERS[:2])),
    st.tuples(st.just("task done"), team, which),
    st.tuples(
        st.just("discard drafts"),
    ),
    st.tuples(st.just("delete workspace"), team),
    st.tuples(
        st.just("fold"),
    ),
)


def _nth(session: Session, model: Any, team_id: str, index: int) -> Any:
    """The workspace's row number `index` (modulo how many there are) of `model`, or None."""
    rows = session.execute(sa.select(model).where(model.team_id == team_id).order_by(model.id)).scalars().all()
    return rows[index % len(rows)] if rows else None


def _csv(rows: int, run: int) -> bytes:
    lines = ["Topic,First Name,Last Name,Company"] + [f"Imported {run}-{n},Ada,Row{n},Acme {n}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _lead_step(session: Session, kind: str, team_id: str, args: tuple[Any, ...]) -> None:
    lead = _nth(session, Lead, team_id, args[0])
    if lead is None:
        return
    if kind == "create anyway":
        lead_service.create_despite_duplicates(
            session, team_id=team_id, user_id=lead.owner_id, lead_id=lead.id, now=NOW
        )
    elif kind == "qualify":
        lead_service.qualify(session, lead, user_id="U1", now=NOW)
    elif kind == "disqualify":
        lead_service.disqualify(session, lead, reason="Lost interest", note="", user_id="U1", now=NOW)
    elif kind == "reactivate":
        lead_service.reactivate(session, lead, user_id="U1", now=NOW)
    elif kind == "erase":
        erasure.delete_lead(session, lead, by="U1", is_admin=True, now=NOW)
    elif kind == "assign lead":
        assignment.assign(session, lead, record_type="lead", new_owner=args[1], by="U1", now=NOW, reminder_minutes=0)
    else:  # claim
        routing.claim_lead(session, team_id=team_id, lead_id=lead.id, user_id=args[1], now=NOW)


def _opportunity_step(session: Session, kind: str, team_id: str, args: tuple[Any, ...]) -> None:
    deal = _nth(session, Opportunity, team_id, args[0])
    if deal is None:
        return
    if kind == "assign opportunity":
        assignment.assign(session, deal, record_type="opportunity", new_owner=args[1], by="U1", now=NOW,
                          reminder_minutes=0)  # fmt: skip
    elif kind == "won":
        opportunity_stages.close_won(session, deal, actual_revenue=Decimal("10.00"), close_date=date(2026, 3, 1),
                                     user_id="U1", now=NOW)  # fmt: skip
    elif kind == "lost":
        opportunity_stages.close_lost(session, deal, reason="Price", competitor="", description="",
                                      close_date=date(2026, 3, 1), user_id="U1", now=NOW)  # fmt: skip
    else:  # reopen
        opportunity_stages.reopen(session, deal, user_id="U1", now=NOW)


def _task_step(session: Session, kind: str, team_id: str, args: tuple[Any, ...]) -> None:
    if kind == "add task":
        lead = _nth(session, Lead, team_id, args[0])
        adhoc_tasks.create_adhoc_task(
            session, team_id=team_id, owner_id=args[1], created_by="U1", title="Call", due_at=NOW + timedelta(days=1),
            priority=2, description="", record_type="lead" if lead else None, record_id=lead.id if lead else None,
            now=NOW,
        )  # fmt: skip
        return
    task = _nth(session, Task, team_id, args[0])
    if task is not None:
        work_queue.work_task(session, Viewer(team_id, task.owner_id, "admin"), task_id=task.id, action="done", now=NOW)


def _apply(engine: sa.Engine, step: tuple[Any, ...], run: int) -> None:
    kind, *args = step
    new_session = session_factory(engine)
    if kind == "import":
        import_leads(io.BytesIO(_csv(args[2], run)), engine=engine, team_id=args[0], owner_id=args[1], now=NOW)
        return
    if kind == "fold":
        with engine.begin() as connection:
            counter_slots.fold(connection)
        return
    if kind == "delete workspace":
        workspace_service.delete_data(new_session, args[0], now=NOW, batch=2)
        return
    try:
        with transaction(new_session) as session:
            if kind == "create lead":
                lead_service.create_lead(session, team_id=args[0], owner_id=args[1], draft=LeadDraft(topic="New"),
                                         now=NOW, status=args[2])  # fmt: skip
            elif kind == "discard drafts":
                lead_service.discard_abandoned_drafts(session, now=NOW + timedelta(days=30))
            elif kind in ("won", "lost", "reopen", "assign opportunity"):
                _opportunity_step(session, kind, args[0], tuple(args[1:]))
            elif kind in ("add task", "task done"):
                _task_step(session, kind, args[0], tuple(args[1:]))
            else:
                _lead_step(session, kind, args[0], tuple(args[1:]))
    except Refused:
        pass  # a step the service refuses (reopen an open deal, assign to the owner…) writes nothing


def _counted(connection: sa.Connection) -> Counter[tuple[str, str, str, str]]:
    """count(*) of each table's rows per workspace, owner and status."""
    found: Counter[tuple[str, str, str, str]] = Counter()
    for name, model in _TABLES.items():
        table = model.__table__  # type: ignore[attr-defined]
        group = (table.c.team_id, table.c.owner_id, table.c.status)
        for team_id, owner_id, status, rows in connection.execute(sa.select(*group, sa.func.count()).group_by(*group)):
            found[(team_id, owner_id, name, status)] = rows
    return found


def _stored(connection: sa.Connection) -> Counter[tuple[str, str, str, str]]:
    """Each group's count: the sum of its slots (PostgreSQL: a slot per writing transaction until folded)."""
    key = (_COUNTS.c.team_id, _COUNTS.c.owner_id, _COUNTS.c.record_type, _COUNTS.c.status)
    rows = connection.execute(sa.select(*key, sa.func.sum(_COUNTS.c.records)).group_by(*key))
    stored = Counter({tuple(row[:4]): int(row[4]) for row in rows})
    assert all(records >= 0 for records in stored.values()), stored
    return +stored  # the groups whose rows all left stay at 0


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    return make_engine(database_url)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(steps=st.lists(operations, min_size=1, max_size=10))
def test_the_stored_counts_equal_counting_the_rows_after_any_writes(engine: sa.Engine, steps: list[Any]) -> None:
    for step in steps:
        _apply(engine, step, next(_runs))
        with engine.connect() as connection:
            assert _stored(connection) == _counted(connection), step
    with engine.begin() as connection:  # what a bulk load without the triggers runs afterwards
        owner_counts.rebuild_counts(connection)
    with engine.connect() as connection:
        assert _stored(connection) == _counted(connection)
    workspace_service.delete_data(session_factory(engine), "A", now=NOW)
    workspace_service.delete_data(session_factory(engine), "B", now=NOW)
    with engine.connect() as connection:
        assert _stored(connection) == _counted(connection) == Counter()


def test_the_lists_counts_are_exact_past_the_old_cap(engine: sa.Engine) -> None:
    """The written-out counts (the property above compares two computations of them): a qualify moves the
    lead from open to qualified and opens a deal; `open_counts` answers routing."""
    with engine.begin() as connection:
        connection.execute(sa.insert(Lead), [{"team_id": "T1", "owner_id": "U1", "topic": "x"}] * 1_200)
    new_session = session_factory(engine)
    with transaction(new_session) as session:
        lead_service.qualify(session, _nth(session, Lead, "T1", 0), user_id="U1", now=NOW)
    with transaction(new_session) as session:
        found = owner_counts.open_counts(session, team_id="T1", record_type="lead", owners=["U1", "U2"])
        deals = owner_counts.open_counts(session, team_id="T1", record_type="opportunity", owners=["U1"])
    assert (found, deals) == ({"U1": 1_199}, {"U1": 1})


def _concurrently(work: list[Any]) -> list[BaseException]:
    """Run each callable of `work` in its own thread, all released at once; the exceptions they raised."""
    start, errors = threading.Barrier(len(work)), []  # type: ignore[var-annotated]

    def run(job: Any) -> None:
        start.wait()
        try:
            job()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_writers_of_the_same_owners_lose_no_count_and_do_not_deadlock(database_url: str) -> None:
    """PostgreSQL (SQLite has one writer at a time): 8 threads at once, each 25 transactions creating a lead of
    U1 and one of U2 (the same groups), in either order, assigning the first to the other owner and sometimes
    disqualifying the second, while a ninth folds the slots again and again: every count lands, and no
    transaction waits for another's count or is chosen as a deadlock victim (any error fails the test)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's concurrent writers")
    engine = make_engine(database_url)
    new_session, done = session_factory(engine), threading.Event()

    def writer(seed: int) -> None:
        for n in range(25):
            first, second = OWNERS[(seed + n) % 2], OWNERS[(seed + n + 1) % 2]
            with transaction(new_session) as session:
                one = lead_service.create_lead(session, team_id="T1", owner_id=first,
                                               draft=LeadDraft(topic=f"L{seed}-{n}"), now=NOW)  # fmt: skip
                two = lead_service.create_lead(session, team_id="T1", owner_id=second,
                                               draft=LeadDraft(topic=f"M{seed}-{n}"), now=NOW)  # fmt: skip
                assignment.assign(session, one, record_type="lead", new_owner=second, by="U1", now=NOW,
                                  reminder_minutes=0)  # fmt: skip
                if n % 5 == 0:
                    lead_service.disqualify(session, two, reason="x", note="", user_id="U1", now=NOW)

    def folder() -> None:
        while not done.is_set():
            with engine.begin() as connection:
                counter_slots.fold(connection)

    writers = [lambda seed=seed: writer(seed) for seed in range(8)]
    folding = threading.Thread(target=folder)
    folding.start()
    errors = _concurrently(writers)
    done.set()
    folding.join()
    assert errors == []
    with engine.begin() as connection:
        assert _stored(connection) == _counted(connection)
        assert sum(_stored(connection).values()) == 8 * 25 * 2
        counter_slots.fold(connection)
        slots = connection.execute(sa.select(sa.func.count()).select_from(_COUNTS)).scalar_one()
        assert _stored(connection) == _counted(connection) and slots == len(_stored(connection))  # a row a group
    engine.dispose()
