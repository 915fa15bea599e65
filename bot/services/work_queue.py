"""The work queue's use cases: what is due for a user, who may work a task or an appointment, and what
Done, Skip, Snooze and Log outcome change; the user's reminder and digest settings.

The caller owns the transaction; a "no" raises `Refused` (task gone, not allowed…) before anything is
written. Nothing here talks to Slack: the outcomes carry values the handler words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.assistant import SNOOZE_REMINDER, SNOOZE_TASK
from bot.domain.kinds import AppointmentStatus, RecordType, TaskStatus
from bot.messages import APPOINTMENT_GONE, NOT_ALLOWED, TASK_GONE
from bot.refusals import Refused
from bot.services import sequences as sequence_service
from bot.services.records import Record, may_change_record, records_about
from store import appointments as appointment_store
from store.access import Viewer
from store.activities import add_activity
from store.models import Appointment, Lead, SlackUser, Task
from store.outbox import enqueue
from store.prepared import Reader
from store.records import RecordTitle, get_record
from store.tasks import QueueItem, QueueProbe, get_appointment, get_task, work_queue
from store.users import ensure_user, get_user

ONLY_SEQUENCE_STEPS = "Only sequence steps can be skipped: mark the task `Done` or `Snooze` it."


@dataclass(frozen=True)
class Worked:
    """What a click on a task or an appointment did: `action` ("done", "skipped", "skip", "snooze"),
    the time it moved to (snooze), the sequence's next task, all in the user's time zone `tz`."""

    subject: str
    action: str
    tz: str
    moved_to: datetime | None = None
    following: Task | None = None
    last_step: bool = False


# --- reading --------------------------------------------------------------------------------------


def stored_profile(session: Session, *, team_id: str, user_id: str) -> SlackUser | None:
    """The user's row: their time zone (once the profile was fetched) and their settings."""
    return get_user(session, team_id=team_id, user_id=user_id)


def queue(
    session: Session,
    reader: Reader,
    *,
    team_id: str,
    user_id: str,
    now: datetime,
    day_end: datetime,
    limit: int,
    probe: QueueProbe,
) -> tuple[list[tuple[QueueItem, RecordTitle | None]], int]:
    """The first `limit` lines due for the user until the end of their day, each with the title of the
    record it is about, and how many lines there are (capped: store/listing.py). Nothing is read when App
    Home's `probe` (store/home_probes.py) found the window empty, and nothing through the ORM unless it
    says there may be an appointment."""
    if not probe:
        return [], 0
    items, total = work_queue(session, reader, team_id=team_id, user_id=user_id, now=now, day_end=day_end,
                              limit=limit, any_appointments=probe.appointments)  # fmt: skip
    about = [(a.record_type, a.record_id) if (a := item.appointment) else None for item in items]
    records = records_about(session, team_id, about) if any(about) else [None] * len(items)
    found = [item.about if item.task else _title(record) for item, record in zip(items, records, strict=True)]
    return list(zip(items, found, strict=True)), total


def _title(record: Record | None) -> RecordTitle | None:
    if record is None:
        return None
    if isinstance(record, Lead):
        return RecordTitle(RecordType.LEAD, record.id or 0, record.topic, record.company)
    return RecordTitle(RecordType.OPPORTUNITY, record.id or 0, record.topic, record.account_name)


def _tz(session: Session, who: Viewer) -> str:
    user = get_user(session, team_id=who.team_id, user_id=who.user_id)
    return user.tz if user is not None else "UTC"


# --- who may work what ----------------------------------------------------------------------------


def may_work_task(session: Session, who: Viewer, task: Task) -> bool:
    """Its owner, their manager, admins, and whoever may change the record it is on."""
    if who.is_admin or task.owner_id == who.user_id or task.owner_id in who.reps:
        return True
    if task.record_type and task.record_id:
        record = get_record(session, team_id=who.team_id, record_type=task.record_type, record_id=task.record_id)
        if record is not None:
            return may_change_record(session, who, record, task.record_type)
    return False


def may_work_appointment(session: Session, who: Viewer, appointment: Appointment, *, owner_only: bool = False) -> bool:
    """Its owner, their manager, admins, whoever may change its record, and (unless `owner_only`) its
    attendees."""
    if who.is_admin or appointment.owner_id == who.user_id or appointment.owner_id in who.reps:
        return True
    if not owner_only and who.user_id in (appointment.attendees or []):
        return True
    record = get_record(
        session, team_id=who.team_id, record_type=appointment.record_type, record_id=appointment.record_id
    )
    return record is not None and may_change_record(session, who, record, appointment.record_type)


# --- tasks ----------------------------------------------------------------------------------------


def work_task(session: Session, who: Viewer, *, task_id: int, action: str, now: datetime) -> Worked:
    """Done, skipped (sequence steps only) or snooze; a finished task is on its record's timeline."""
    task = get_task(session, team_id=who.team_id, task_id=task_id)
    if task is None or task.status != TaskStatus.OPEN:
        raise Refused(TASK_GONE)
    if not may_work_task(session, who, task):
        raise Refused(NOT_ALLOWED.format(action="work this task"))
    if action == "skipped" and task.enrollment_id is None:
        raise Refused(ONLY_SEQUENCE_STEPS)
    if action == "snooze":
        sequence_service.snooze_task(session, task, now=now)
        return Worked(task.title, action, _tz(session, who), moved_to=task.due_at)
    following = sequence_service.complete_task(session, task, outcome=action, now=now)
    if task.record_type and task.record_id:
        verb = "Done" if action == "done" else "Skipped"
        add_activity(
            session, team_id=who.team_id, record_type=task.record_type, record_id=task.record_id, kind="status",
            author_id=who.user_id, subject=f"{verb}: {task.title}"[:300],
        )  # fmt: skip
    last_step = following is None and task.enrollment_id is not None
    return Worked(task.title, action, _tz(session, who), following=following, last_step=last_step)


# --- appointments ---------------------------------------------------------------------------------


def _appointment(
    session: Session, who: Viewer, appointment_id: int, *, status: str = AppointmentStatus.SCHEDULED
) -> Appointment:
    """The appointment, refused when it is gone (or not `status`; "" accepts any but cancelled)."""
    appointment = get_appointment(session, team_id=who.team_id, appointment_id=appointment_id)
    if appointment is None or appointment.status == AppointmentStatus.CANCELLED:
        raise Refused(APPOINTMENT_GONE)
    if status and appointment.status != status:
        raise Refused(APPOINTMENT_GONE)
    return appointment


def work_appointment(session: Session, who: Viewer, *, appointment_id: int, action: str, now: datetime) -> Worked:
    """Done (attendees too), skip (cancels it and its reminders) or snooze (off the queue for a day;
    the meeting and its reminders stay as they are)."""
    appointment = _appointment(session, who, appointment_id)
    if not may_work_appointment(session, who, appointment, owner_only=action != "done"):
        raise Refused(NOT_ALLOWED.format(action="change this appointment"))
    moved_to = None
    if action == "done":
        appointment.status = AppointmentStatus.DONE
    elif action == "skip":
        appointment_store.cancel_appointment(session, appointment)
    else:
        appointment.queue_after = moved_to = now + SNOOZE_TASK
    session.add(appointment)
    return Worked(appointment.subject, action, _tz(session, who), moved_to=moved_to)


def snooze_reminder(session: Session, who: Viewer, *, appointment_id: int, now: datetime) -> tuple[datetime, str]:
    """Remind the owner or an attendee again later; returns when, and their time zone."""
    appointment = _appointment(session, who, appointment_id)
    if who.user_id != appointment.owner_id and who.user_id not in (appointment.attendees or []):
        raise Refused(NOT_ALLOWED.format(action="snooze this reminder"))
    due = now + SNOOZE_REMINDER
    enqueue(
        session, team_id=who.team_id, kind="appointment_reminder", recipient=who.user_id, due_at=due,
        dedupe_key=f"appointment:{appointment.id}:{who.user_id}:snooze:{int(due.timestamp())}",
        payload={"appointment_id": appointment.id}, record_type=appointment.record_type,
        record_id=appointment.record_id,
    )  # fmt: skip
    return due, _tz(session, who)


def appointment_to_log(session: Session, who: Viewer, *, appointment_id: int) -> Appointment:
    """The appointment whose outcome the user may log (done ones too: the outcome can be rewritten)."""
    appointment = _appointment(session, who, appointment_id, status="")
    if not may_work_appointment(session, who, appointment):
        raise Refused(NOT_ALLOWED.format(action="log this outcome"))
    return appointment


def log_outcome(session: Session, who: Viewer, *, appointment_id: int, outcome: str) -> str:
    """Save the outcome (the appointment is done) on the record's timeline; returns its subject."""
    appointment = appointment_to_log(session, who, appointment_id=appointment_id)
    appointment.outcome, appointment.status = outcome[:2000], AppointmentStatus.DONE
    session.add(appointment)
    add_activity(
        session, team_id=who.team_id, record_type=appointment.record_type, record_id=appointment.record_id,
        kind="appointment", author_id=who.user_id, subject=f"Outcome: {appointment.subject}"[:300],
        body=outcome[:4000], data={"appointment_id": appointment.id},
    )  # fmt: skip
    return appointment.subject


# --- settings -------------------------------------------------------------------------------------


def save_settings(
    session: Session, *, team_id: str, user_id: str, minutes: int | None, daily_summary: bool,
    digest_when_empty: bool | None,
) -> None:  # fmt: skip
    """`digest_when_empty` is None when the modal did not offer it (not a manager): left as it is."""
    user = ensure_user(session, team_id=team_id, user_id=user_id)
    user.reminder_minutes = minutes
    user.daily_summary = daily_summary
    if digest_when_empty is not None:
        user.digest_when_empty = digest_when_empty
    session.add(user)
