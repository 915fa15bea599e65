"""`/task list`'s reads (store/task_lists.py) on SQLite and PostgreSQL: with statistics of a few thousand
tasks, the page reads ix_task_owner_status_due in due-time order (only the ties of one due time are sorted:
no sort of all the rep's open tasks), the capped count reads the index alone, and the records' titles are
read by primary key. What the list shows is tested through Slack in tests/handlers/test_tasks.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from store import task_lists
from store.db import make_engine
from store.listing import COUNT_CAP
from store.models import Lead, Opportunity, SlackUser, Task
from store.prepared import reading
from store.records import RecordTitle
from store.users import StoredZone, read_zone
from tests.store.plans import analyze, generic_plan, plan

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def test_the_page_walks_the_owners_index_in_due_order(database_url: str) -> None:
    engine = make_engine(database_url)
    rows = [{"team_id": "T1", "owner_id": f"U{n % 3}", "title": f"T{n}", "due_at": T0 + timedelta(minutes=n // 2),
             "priority": 1 + n % 3, "status": "open" if n % 5 else "done"} for n in range(6_000)]  # fmt: skip
    leads = [{"team_id": "T1", "owner_id": "U1", "topic": f"L{n}"} for n in range(2_000)]
    deals = [{"team_id": "T1", "owner_id": "U1", "topic": f"O{n}"} for n in range(2_000)]
    for n, row in enumerate(rows):  # every third task on a lead, every third on an opportunity
        row.update(record_type=(None, "lead", "opportunity")[n % 3], record_id=1 + n % 2_000 if n % 3 else None)
    with engine.begin() as connection:
        connection.execute(sa.insert(Task), rows)
        connection.execute(sa.insert(Lead), leads)
        connection.execute(sa.insert(Opportunity), deals)
    analyze(engine, "task", "lead", "opportunity")
    values = {"team": "T1", "owner": "U1"}
    with reading(engine) as reader:
        found, total, _zone = task_lists.open_task_page(reader, team_id="T1", owner_id="U1", limit=15)
        page = plan(reader, task_lists.page_statement(15), values)
    tasks = [task for task, _ in found]
    expected = sorted((r for r in rows if r["owner_id"] == "U1" and r["status"] == "open"),
                      key=lambda r: (r["due_at"], r["priority"]))  # fmt: skip
    assert [t.title for t in tasks] == [r["title"] for r in expected[:15]] and total == len(expected) > COUNT_CAP
    assert all(t.due_at.tzinfo is UTC for t in tasks)
    assert any("ix_task_owner_status_due" in step for step in page), page
    # SQLite sorts only "the right part" (ties of a due time), PostgreSQL's is an Incremental Sort: no full sort.
    full_sorts = [
        step for step in page if step == "USE TEMP B-TREE FOR ORDER BY" or step.lstrip("-> ").startswith("Sort  (")
    ]
    assert not full_sorts and any("RIGHT PART" in step or "Incremental Sort" in step for step in page), page
    # The records' titles by primary key (SQLite: not along the workspace's index on team_id).
    assert any("lead USING INTEGER PRIMARY KEY" in step or "using pk_lead" in step for step in page), page
    assert any("opportunity USING INTEGER PRIMARY KEY" in step or "pk_opportunity" in step for step in page), page
    if engine.dialect.name == "postgresql":  # as the service runs them: generic plans
        with reading(engine, generic_plans=True) as reader:
            generic = generic_plan(reader, task_lists.page_statement(15), values)
        assert any("ix_task_owner_status_due" in step for step in generic), generic
        assert not any(step.lstrip("-> ").startswith("Sort  (") for step in generic), generic
    engine.dispose()


def test_the_work_queue_and_the_digests_read_a_due_window_along_the_same_index(database_url: str) -> None:
    """App Home's work queue and the digests: the first tasks due in [after, before), never all of them."""
    engine = make_engine(database_url)
    rows = [{"team_id": "T1", "owner_id": f"U{n % 3}", "title": f"T{n}", "due_at": T0 + timedelta(minutes=n // 2),
             "priority": 1 + n % 3, "status": "open" if n % 5 else "done"} for n in range(20_000)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Task), rows)
    analyze(engine, "task")
    after, before = T0 + timedelta(minutes=100), T0 + timedelta(minutes=9_000)  # most of U1's tasks
    values = {"team": "T1", "owner": "U1", "before": before}  # Home's: overdue tasks too, no lower bound
    due = sorted((r for r in rows if r["owner_id"] == "U1" and r["status"] == "open" and after <= r["due_at"] < before),
                 key=lambda r: (r["due_at"], r["priority"]))  # fmt: skip
    for generic in (False, True) if engine.dialect.name == "postgresql" else (False,):
        with reading(engine, generic_plans=generic) as reader:
            tasks, total = task_lists.open_tasks_due_page(
                reader, team_id="T1", owner_id="U1", after=after, before=before, limit=15
            )
            steps = (generic_plan if generic else plan)(reader, task_lists.due_page_statement(15), values)
            backlog, _ = task_lists.open_tasks_due_page(reader, team_id="T1", owner_id="U1", before=before, limit=15)
            overdue, late = task_lists.open_tasks_due_page(reader, team_id="T1", owner_id="U1", before=T0, limit=15)
            _, exact = task_lists.open_tasks_due_page(reader, team_id="T1", owner_id="U1", after=after, before=before,
                                                      limit=15, capped=False)  # fmt: skip
        assert [t.title for t, _ in tasks] == [r["title"] for r in due[:15]] and total == COUNT_CAP + 1
        assert exact == len(due) > COUNT_CAP + 1
        assert (overdue, late) == ([], 0)
        assert [t.title for t, _ in backlog] == [r["title"] for r in sorted(
            (r for r in rows if r["owner_id"] == "U1" and r["status"] == "open" and r["due_at"] < before),
            key=lambda r: (r["due_at"], r["priority"]))[:15]]  # fmt: skip
        assert any("ix_task_owner_status_due" in step for step in steps), steps
        assert not any(s == "USE TEMP B-TREE FOR ORDER BY" or s.lstrip("-> ").startswith("Sort  (") for s in steps), (
            steps
        )
    engine.dispose()


def test_each_task_has_its_records_title_from_its_own_workspace_and_kind(database_url: str) -> None:
    """The titles come from the page's joins: a lead's topic and company, an opportunity's topic and account,
    none for a lone task, a record gone, a record of another workspace with that id, or an unknown kind; a lead
    and an opportunity with the same id are told apart by the task's record type."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        mine = {"id": 7, "team_id": "T1", "owner_id": "U1", "topic": "Espresso bar", "company": ""}
        theirs = {"id": 8, "team_id": "T2", "owner_id": "U9", "topic": "Not yours", "company": "Elsewhere"}
        connection.execute(sa.insert(Lead), [mine, theirs])
        deal = {"id": 7, "team_id": "T1", "owner_id": "U1", "topic": "Grinders", "account_name": "Café Centrale"}
        connection.execute(sa.insert(Opportunity), [deal])
        about = [("lead", 7), ("opportunity", 7), (None, None), ("lead", 99), ("lead", 8), ("quote", 7)]
        connection.execute(sa.insert(Task), [{"team_id": "T1", "owner_id": "U1", "title": f"T{n}", "priority": 2,
                                              "due_at": T0 + timedelta(minutes=n), "status": "open",
                                              "record_type": kind, "record_id": record_id}
                                             for n, (kind, record_id) in enumerate(about)])  # fmt: skip
    with reading(engine) as reader:
        found, total, _zone = task_lists.open_task_page(reader, team_id="T1", owner_id="U1", limit=15)
    assert total == 6
    assert [title for _, title in found] == [
        RecordTitle("lead", 7, "Espresso bar", ""),
        RecordTitle("opportunity", 7, "Grinders", "Café Centrale"),
        None,
        None,
        None,
        None,
    ]
    with reading(engine) as reader:
        found, total, _zone = task_lists.open_task_page(reader, team_id="T1", owner_id="U1", limit=2)
        nobody = task_lists.open_task_page(reader, team_id="T1", owner_id="U2", limit=2)
    assert [task.title for task, _ in found] == ["T0", "T1"] and total == 6 and nobody == ([], 0, None)
    engine.dispose()


def test_the_page_carries_the_owners_stored_zone(database_url: str) -> None:
    """With the page (one statement) or, for an owner without an open task, read apart: the stored zone
    (UTC for an empty one), whether the profile was fetched, None for a user without a row; another
    workspace's row is not this one's."""
    engine = make_engine(database_url)
    fetched = datetime(2026, 12, 1, tzinfo=UTC)
    users = [("T1", "U1", "Europe/Rome", fetched), ("T1", "U2", "", None), ("T2", "U3", "Asia/Tokyo", fetched)]
    with engine.begin() as connection:
        rows = [{"team_id": team, "user_id": user, "tz": tz, "profile_fetched_at": at} for team, user, tz, at in users]
        connection.execute(sa.insert(SlackUser), rows)
        for owner in ("U1", "U2", "U3", "U4"):
            connection.execute(sa.insert(Task), [{"team_id": "T1", "owner_id": owner, "title": "Call", "priority": 2,
                                                  "due_at": T0, "status": "open"}])  # fmt: skip
    expected = {"U1": StoredZone("Europe/Rome", True), "U2": StoredZone("UTC", False), "U3": None, "U4": None}
    with reading(engine) as reader:
        for owner, zone in expected.items():
            page = task_lists.open_task_page(reader, team_id="T1", owner_id=owner, limit=5)
            assert len(page.tasks) == 1 and page.zone == zone, owner
            apart = task_lists.open_task_page(reader, team_id="T9", owner_id=owner, limit=5)  # no task there
            assert apart == ([], 0, read_zone(reader, team_id="T9", user_id=owner))
            assert page.zone == read_zone(reader, team_id="T1", user_id=owner), owner
    engine.dispose()
