"""Sequence use cases: a record following a manager's steps, one task at a time — bot.domain.assistant
decides which step comes next and when; store.sequences writes the enrollment and its tasks.

The caller owns the transaction; nothing here talks to Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.assistant import SNOOZE_TASK, STEP_KINDS, describe_step, next_step
from bot.domain.kinds import TaskStatus, is_open
from bot.messages import SEQUENCE_ALREADY, SEQUENCE_CLOSED_RECORD, SEQUENCES_NONE
from bot.refusals import Refused
from bot.views.markup import fill
from store import sequences as sequence_store
from store.activities import add_activity
from store.models import Enrollment, Sequence, Task
from store.records import Record
from store.users import get_user


@dataclass(frozen=True)
class Started:
    """A record now following a sequence: its first step's task (none when nothing is left to do)."""

    sequence: Sequence
    task: Task | None
    owner_tz: str  # the record owner's time zone, for the task's due time


def may_define_sequences(role: str) -> bool:
    return role in ("manager", "admin")


def sequences_with_counts(session: Session, *, team_id: str) -> list[tuple[Sequence, int]]:
    """The workspace's sequences, each with how many records follow it now."""
    counts = sequence_store.active_enrollment_counts(session, team_id=team_id)
    return [(s, int(counts.get(s.id or 0, 0))) for s in sequence_store.list_sequences(session, team_id=team_id)]


def get_sequence(session: Session, *, team_id: str, sequence_id: int) -> Sequence | None:
    return sequence_store.get_sequence(session, team_id=team_id, sequence_id=sequence_id)


def name_taken(session: Session, *, team_id: str, name: str, sequence_id: int | None) -> bool:
    """Whether another sequence than `sequence_id` is called `name`."""
    same = sequence_store.sequence_named(session, team_id=team_id, name=name) if name else None
    return same is not None and same.id != sequence_id


# Create a sequence, or change one (edits apply to new enrollments only): the store's write is the
# whole use case, so the service offers it as it is.
save_sequence = sequence_store.save_sequence


def start_problem(session: Session, *, record: Record, record_type: str, record_id: int) -> str | None:
    """Why the record cannot start a sequence now (None: it can)."""
    if not is_open(record.status):
        return SEQUENCE_CLOSED_RECORD
    active = sequence_store.active_enrollment(
        session, team_id=record.team_id, record_type=record_type, record_id=record_id
    )
    if active is not None:
        return fill(SEQUENCE_ALREADY, name=active.sequence_name)
    return None


def start(
    session: Session, *, record: Record, record_type: str, record_id: int, sequence_id: int | None, by: str,
    now: datetime,
) -> Started:  # fmt: skip
    """Enroll the record in the chosen sequence (refused when closed, already following one, or gone)."""
    team = record.team_id
    sequence = get_sequence(session, team_id=team, sequence_id=sequence_id) if sequence_id else None
    problem = start_problem(session, record=record, record_type=record_type, record_id=record_id)
    if problem or sequence is None:
        raise Refused(problem or SEQUENCES_NONE)
    _, task = start_enrollment(
        session, team_id=team, sequence=sequence, record_type=record_type, record_id=record_id,
        owner_id=record.owner_id, now=now,
    )  # fmt: skip
    add_activity(
        session, team_id=team, record_type=record_type, record_id=record_id, kind="status", author_id=by,
        subject=f"Sequence {sequence.name} started",
    )  # fmt: skip
    owner = get_user(session, team_id=team, user_id=record.owner_id)
    return Started(sequence, task, owner.tz if owner else "UTC")


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
    if task.status != TaskStatus.OPEN:
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
