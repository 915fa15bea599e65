"""Sequence use cases: a record following a manager's steps, one task at a time — bot.domain.assistant
decides which step comes next and when; store.sequences writes the enrollment and its tasks.

The caller owns the transaction; nothing here talks to Slack.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain.assistant import SNOOZE_TASK, STEP_KINDS, describe_step, next_step
from store import sequences as sequence_store
from store.models import Enrollment, Sequence, Task


def start_enrollment(
    session: Session,
    *,
    team_id: str,
    sequence: Sequence,
    record_type: str,
    record_id: int,
    owner_id: str,
    now: datetime,
) -> tuple[Enrollment, Task | None]:
    """Enroll a record (its owner works the steps): the first step becomes a task, announced when due."""
    enrollment = sequence_store.add_enrollment(
        session,
        team_id=team_id,
        sequence=sequence,
        record_type=record_type,
        record_id=record_id,
        owner_id=owner_id,
        now=now,
    )
    return enrollment, _schedule_from(session, enrollment, 0, now)


def _schedule_from(session: Session, enrollment: Enrollment, start: int, now: datetime) -> Task | None:
    """The task of the first actionable step at or after `start`; none (the enrollment completes) when done."""
    step = next_step(enrollment.steps, start, now)
    if step is None:
        sequence_store.complete_enrollment(session, enrollment, now=now)
        return None
    definition = enrollment.steps[step.position]
    return sequence_store.add_step_task(
        session,
        enrollment,
        position=step.position,
        kind=str(definition.get("kind")) if definition.get("kind") in STEP_KINDS else "task",
        title=describe_step(definition),
        due_at=step.due_at,
        now=now,
    )


def complete_task(session: Session, task: Task, *, outcome: str, now: datetime) -> Task | None:
    """Done or Skip: close the task and, for a sequence step, schedule the next one (returned)."""
    if task.status != "open":
        return None
    sequence_store.close_task(session, task, outcome=outcome, now=now)
    if task.enrollment_id is None:
        return None
    enrollment = sequence_store.get_enrollment(session, team_id=task.team_id, enrollment_id=task.enrollment_id)
    if enrollment is None or enrollment.status != "active":
        return None
    return _schedule_from(session, enrollment, (task.position or 0) + 1, now)


def snooze_task(session: Session, task: Task, *, now: datetime) -> None:
    """Postpone by one day (from now when already overdue) and announce it again then."""
    sequence_store.postpone_task(session, task, due_at=max(task.due_at, now) + SNOOZE_TASK)
