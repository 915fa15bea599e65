"""Sequences and enrollments: a record following a manager's steps, one task at a time.

Every function takes the workspace (`team_id`) and filters on it. The caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from store.models import Enrollment, Outbox, Task


def task_dedupe_key(task_id: int) -> str:
    """The outbox key of a task's announcement (DM to the owner when the task is due)."""
    return f"task:{task_id}"


def cancel_task_deliveries(session: Session, *, team_id: str, task_ids: list[int]) -> int:
    """Cancel pending outbox rows announcing or nudging about these tasks."""
    if not task_ids:
        return 0
    keys = [task_dedupe_key(task_id) for task_id in task_ids]
    rows = session.exec(
        select(Outbox).where(
            Outbox.team_id == team_id,
            col(Outbox.dedupe_key).in_(keys),
            Outbox.status == "pending",
        )
    ).all()
    for row in rows:
        row.status = "cancelled"
        session.add(row)
    return len(rows)


def end_enrollments(session: Session, *, team_id: str, record_type: str, record_id: int, now: datetime) -> int:
    """End the record's active enrollments (qualified, disqualified, closed): cancels their open tasks and
    pending deliveries. Returns how many enrollments were ended. Idempotent."""
    enrollments = session.exec(
        select(Enrollment).where(
            Enrollment.team_id == team_id,
            Enrollment.record_type == record_type,
            Enrollment.record_id == record_id,
            Enrollment.status == "active",
        )
    ).all()
    if not enrollments:
        return 0
    ids = [e.id for e in enrollments if e.id is not None]
    tasks = session.exec(
        select(Task).where(Task.team_id == team_id, col(Task.enrollment_id).in_(ids), Task.status == "open")
    ).all()
    for task in tasks:
        task.status, task.completed_at = "cancelled", now
        session.add(task)
    cancel_task_deliveries(session, team_id=team_id, task_ids=[t.id for t in tasks if t.id is not None])
    for enrollment in enrollments:
        enrollment.status, enrollment.ended_at = "ended", now
        session.add(enrollment)
    session.flush()
    return len(enrollments)
