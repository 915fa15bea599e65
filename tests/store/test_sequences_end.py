"""end_enrollments: qualifying, disqualifying or closing a record ends its sequence."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import select

from store.db import make_engine, session_factory, transaction
from store.models import Enrollment, Outbox, Task
from store.outbox import enqueue
from store.sequences import end_enrollments, task_dedupe_key

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_end_enrollments_cancels_open_tasks_and_pending_deliveries(database_url: str) -> None:
    engine = make_engine(database_url)
    new_session = session_factory(engine)
    with transaction(new_session) as session:
        enrollment = Enrollment(team_id="T1", sequence_id=1, sequence_name="S", record_type="lead", record_id=7,
                                owner_id="U1", steps=[{"kind": "call", "description": "Call"}])  # fmt: skip
        other = Enrollment(team_id="T1", sequence_id=1, sequence_name="S", record_type="lead", record_id=8,
                           owner_id="U1")  # fmt: skip
        session.add_all([enrollment, other])
        session.flush()
        task = Task(team_id="T1", owner_id="U1", record_type="lead", record_id=7, enrollment_id=enrollment.id,
                    position=0, title="Call", due_at=T0)  # fmt: skip
        session.add(task)
        session.flush()
        assert task.id is not None
        enqueue(session, team_id="T1", kind="task_due", recipient="U1", due_at=T0,
                dedupe_key=task_dedupe_key(task.id), payload={"task_id": task.id})  # fmt: skip
    with transaction(new_session) as session:
        assert end_enrollments(session, team_id="T1", record_type="lead", record_id=7, now=T0) == 1
    with transaction(new_session) as session:
        assert end_enrollments(session, team_id="T1", record_type="lead", record_id=7, now=T0) == 0
        assert end_enrollments(session, team_id="T2", record_type="lead", record_id=8, now=T0) == 0
        statuses = {e.record_id: e.status for e in session.exec(select(Enrollment))}
        assert statuses == {7: "ended", 8: "active"}
        assert session.exec(select(Task)).one().status == "cancelled"
        assert session.exec(select(Outbox)).one().status == "cancelled"
        assert session.exec(select(sa.func.count()).select_from(Outbox)).one() == 1
    engine.dispose()
