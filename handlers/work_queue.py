"""The work queue (App Home section) and the buttons of tasks, reminders and appointments;
`/salesbot settings` (reminder minutes, daily summary, empty digests)."""

from __future__ import annotations

import functools
import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.deps import Deps
from bot.domain.assistant import SNOOZE_REMINDER, SNOOZE_TASK, StepError, day_bounds, format_local, local_date
from bot.domain.assistant import parse_reminder_minutes as parse_minutes
from bot.domain.permissions import may_change
from bot.ids import (
    APPOINTMENT_DONE,
    APPOINTMENT_SKIP,
    APPOINTMENT_SNOOZE,
    ASSISTANT_OPEN,
    REMINDER_LOG_OUTCOME,
    REMINDER_SNOOZE,
    TASK_DONE,
    TASK_SKIP,
    TASK_SNOOZE,
    VIEW_LOG_OUTCOME,
    VIEW_OUTCOME_SAVED,
    VIEW_SETTINGS,
    VIEW_SETTINGS_SAVED,
    Metadata,
    parse_id,
)
from bot.messages import (
    APPOINTMENT_GONE,
    NOT_ALLOWED,
    OUTCOME_SAVED,
    REMINDER_SNOOZED,
    SETTINGS_SAVED,
    TASK_GONE,
)
from bot.refusals import Refused
from bot.services import sequences as sequence_service
from bot.surface import Surface
from bot.views.assistant import QueueLine, label_of, log_outcome_modal, settings_modal, work_queue_section
from bot.views.blocks import Block, context, modal, section
from bot.views.inputs import ModalState
from bot.views.markup import escape
from handlers.cards import show_card
from handlers.context import team_id, user_id, viewer
from handlers.home import publish_home
from handlers.listeners import after_ack, later
from handlers.record_loading import action_ref, load_record
from handlers.replies import open_view, replace_message, reply_ephemeral
from store.access import Viewer
from store.activities import add_activity
from store.db import transaction
from store.models import Appointment, Task
from store.outbox import enqueue
from store.records import change_facts, get_record
from store.tasks import get_appointment, get_task, work_queue
from store.users import ensure_user, get_user

log = logging.getLogger("salesbot.work_queue")


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    surface.uses("chat:write", "im:write", "users:read")
    surface.home_section(20)(queue_blocks)
    for action_id, verb in ((TASK_DONE, "done"), (TASK_SKIP, "skipped"), (TASK_SNOOZE, "snooze")):
        after_ack(app, deps, action_id, functools.partial(_task_action, surface, deps, action=verb))
    for action_id, verb in ((APPOINTMENT_DONE, "done"), (APPOINTMENT_SKIP, "skip"), (APPOINTMENT_SNOOZE, "snooze")):
        after_ack(app, deps, action_id, functools.partial(_appointment_action, surface, deps, action=verb))
    after_ack(app, deps, ASSISTANT_OPEN, functools.partial(open_record, deps))
    after_ack(app, deps, REMINDER_SNOOZE, functools.partial(snooze_reminder, deps))
    after_ack(app, deps, REMINDER_LOG_OUTCOME, functools.partial(open_outcome, deps))
    app.view(VIEW_LOG_OUTCOME)(functools.partial(outcome_submitted, surface, deps))
    surface.salesbot_subcommands["settings"] = functools.partial(settings_command, deps)
    app.view(VIEW_SETTINGS)(functools.partial(settings_submitted, deps))


def outcome_submitted(
    surface: Surface, deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    outcome = ModalState(view).text("outcome")
    if not outcome:
        ack(response_action="errors", errors={"outcome": "Write what came out of the appointment."})
        return
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        appointment_id = parse_id(Metadata.decode(view.get("private_metadata")).id) or 0
        appointment = get_appointment(session, team_id=who.team_id, appointment_id=appointment_id)
        if appointment is None or appointment.status == "cancelled":
            ack(response_action="errors", errors={"outcome": APPOINTMENT_GONE})
            return
        if not _may_work_appointment(session, who, appointment):
            ack(response_action="errors", errors={"outcome": NOT_ALLOWED.format(action="log this outcome")})
            return
        appointment.outcome, appointment.status = outcome[:2000], "done"
        session.add(appointment)
        add_activity(
            session, team_id=who.team_id, record_type=appointment.record_type, record_id=appointment.record_id,
            kind="appointment", author_id=who.user_id, subject=f"Outcome: {appointment.subject}"[:300],
            body=outcome[:4000], data={"appointment_id": appointment.id},
        )  # fmt: skip
        subject = appointment.subject
    saved = modal("Outcome saved", [section(OUTCOME_SAVED.format(subject=subject))], callback_id=VIEW_OUTCOME_SAVED)
    ack(response_action="update", view=saved)
    later(deps, client, body, publish_home, surface, deps, client, who.team_id, who.user_id)


def settings_command(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    later(deps, client, body, open_settings, deps, client, body)


def settings_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    state = ModalState(view)
    try:
        minutes = parse_minutes(state.text("reminder_minutes"))
    except StepError as error:
        ack(response_action="errors", errors={"reminder_minutes": error.message})
        return
    with transaction(deps.new_session) as session:
        user = ensure_user(session, team_id=team_id(body), user_id=user_id(body))
        user.reminder_minutes = minutes
        user.daily_summary = bool(state.checked("daily_summary"))
        if "digest_when_empty" in state.values:
            user.digest_when_empty = bool(state.checked("digest_when_empty"))
        session.add(user)
    ack(response_action="update", view=modal("Settings", [section(SETTINGS_SAVED)], callback_id=VIEW_SETTINGS_SAVED))


# --- the work queue ----------------------------------------------------------------------------


def user_tz(deps: Deps, client: WebClient, team: str, user: str) -> str:
    """The user's Slack time zone: stored by the profile middleware, else asked of users.info (not stored
    here: the middleware is refreshing the same row in the background)."""
    with transaction(deps.new_session) as session:
        known = get_user(session, team_id=team, user_id=user)
    if known is not None and known.profile_fetched_at is not None:
        return known.tz
    try:
        return str(client.users_info(user=user)["user"].get("tz") or "UTC")
    except (SlackApiError, OSError, KeyError):
        return known.tz if known is not None else "UTC"


def queue_blocks(deps: Deps, client: WebClient, team: str, user: str) -> list[Block]:
    tz = user_tz(deps, client, team, user)
    now = deps.clock()
    start, end = day_bounds(local_date(now, tz), tz)
    with transaction(deps.new_session) as session:
        items = work_queue(session, team_id=team, user_id=user, now=now, day_end=end)
        lines = []
        for item in items:
            source: Task | Appointment | None = item.task or item.appointment
            record = None
            if source is not None and source.record_type and source.record_id:
                found = get_record(session, team_id=team, record_type=source.record_type, record_id=source.record_id)
                record = label_of(found) if found is not None else None
            if item.task is not None:
                lines.append(
                    QueueLine(
                        item.due_at,
                        item.task.title,
                        item.task.kind,
                        task_id=item.task.id,
                        record=record,
                        priority=item.task.priority,
                        adhoc=item.task.enrollment_id is None,
                    )
                )
            elif item.appointment is not None:
                lines.append(
                    QueueLine(
                        item.due_at,
                        item.appointment.subject,
                        "appointment",
                        appointment_id=item.appointment.id,
                        record=record,
                    )
                )
    return work_queue_section(lines, tz=tz, now=now, today_start=start)


def _task_action(surface: Surface, deps: Deps, client: WebClient, body: dict[str, Any], action: str) -> None:
    who = viewer(deps, body)
    now = deps.clock()
    note = ""
    with transaction(deps.new_session) as session:
        task = get_task(session, team_id=who.team_id, task_id=_int_value(body))
        if task is None or task.status != "open":
            note = TASK_GONE
        elif not _may_work_task(session, who, task):
            note = NOT_ALLOWED.format(action="work this task")
        elif action == "skipped" and task.enrollment_id is None:
            note = "Only sequence steps can be skipped: mark the task `Done` or `Snooze` it."
        elif action == "snooze":
            sequence_service.snooze_task(session, task, now=now)
            note = f":zzz: *{escape(task.title)}* moved to {format_local(task.due_at, _tz(session, who))}."
        else:
            following = sequence_service.complete_task(session, task, outcome=action, now=now)
            verb = "Done" if action == "done" else "Skipped"
            note = f":white_check_mark: {verb}: *{escape(task.title)}*."
            if following is not None:
                note += f" Next: *{escape(following.title)}*, due {format_local(following.due_at, _tz(session, who))}."
            elif task.enrollment_id is not None:
                note += " That was the last step of the sequence."
            if task.record_type and task.record_id:
                add_activity(
                    session,
                    team_id=who.team_id,
                    record_type=task.record_type,
                    record_id=task.record_id,
                    kind="status",
                    author_id=who.user_id,
                    subject=f"{verb}: {task.title}"[:300],
                )
    _answer(surface, deps, client, body, who, note)


def _appointment_action(surface: Surface, deps: Deps, client: WebClient, body: dict[str, Any], action: str) -> None:
    from store import appointments as appointment_store

    who = viewer(deps, body)
    now = deps.clock()
    with transaction(deps.new_session) as session:
        appointment = get_appointment(session, team_id=who.team_id, appointment_id=_int_value(body))
        if appointment is None or appointment.status != "scheduled":
            note = APPOINTMENT_GONE
        elif not _may_work_appointment(session, who, appointment, owner_only=action != "done"):
            note = NOT_ALLOWED.format(action="change this appointment")
        elif action == "done":
            appointment.status = "done"
            session.add(appointment)
            note = f":white_check_mark: Done: *{escape(appointment.subject)}*."
        elif action == "skip":
            appointment_store.cancel_appointment(session, appointment)
            note = f":no_entry_sign: *{escape(appointment.subject)}* cancelled; its reminders too."
        else:  # Snooze: off the work queue for a day; the meeting and its reminders stay as they are
            appointment.queue_after = now + SNOOZE_TASK
            session.add(appointment)
            until = format_local(appointment.queue_after, _tz(session, who))
            subject = escape(appointment.subject)
            note = f":zzz: *{subject}* is off your work queue until {until}; the meeting is unchanged."
    _answer(surface, deps, client, body, who, note)


def _answer(surface: Surface, deps: Deps, client: WebClient, body: dict[str, Any], who: Viewer, note: str) -> None:
    """Refresh the home tab; in a message, replace the buttons with what happened (the work is done)."""
    container = body.get("container") or {}
    if container.get("type") == "message" and body.get("response_url"):
        original = (body.get("message") or {}).get("blocks") or []
        kept = [b for b in original if b.get("type") != "actions"][:45]
        replace_message(client, body, note, [*kept, context(note)])
    publish_home(surface, deps, client, who.team_id, who.user_id)


def _may_work_task(session: Session, who: Viewer, task: Task) -> bool:
    if who.is_admin or task.owner_id == who.user_id or task.owner_id in who.reps:
        return True
    if task.record_type and task.record_id:
        record = get_record(session, team_id=who.team_id, record_type=task.record_type, record_id=task.record_id)
        if record is not None:
            return may_change(**change_facts(session, viewer=who, record=record, record_type=task.record_type))  # type: ignore[arg-type]
    return False


def _may_work_appointment(session: Session, who: Viewer, appointment: Appointment, *, owner_only: bool = False) -> bool:
    if who.is_admin or appointment.owner_id == who.user_id or appointment.owner_id in who.reps:
        return True
    if not owner_only and who.user_id in (appointment.attendees or []):
        return True
    record = get_record(
        session, team_id=who.team_id, record_type=appointment.record_type, record_id=appointment.record_id
    )
    if record is None:
        return False
    return may_change(**change_facts(session, viewer=who, record=record, record_type=appointment.record_type))  # type: ignore[arg-type]


def _tz(session: Session, who: Viewer) -> str:
    user = get_user(session, team_id=who.team_id, user_id=who.user_id)
    return user.tz if user is not None else "UTC"


# --- reminders ---------------------------------------------------------------------------------


def open_record(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_record(deps, body, action_ref(body), change="open it")
    show_card(deps, client, body, loaded.ref, loaded.record)


def snooze_reminder(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    who = viewer(deps, body)
    now = deps.clock()
    with transaction(deps.new_session) as session:
        appointment = get_appointment(session, team_id=who.team_id, appointment_id=_int_value(body))
        if appointment is None or appointment.status != "scheduled":
            message = APPOINTMENT_GONE
        elif who.user_id != appointment.owner_id and who.user_id not in (appointment.attendees or []):
            message = NOT_ALLOWED.format(action="snooze this reminder")
        else:
            due = now + SNOOZE_REMINDER
            enqueue(
                session,
                team_id=who.team_id,
                kind="appointment_reminder",
                recipient=who.user_id,
                due_at=due,
                dedupe_key=f"appointment:{appointment.id}:{who.user_id}:snooze:{int(due.timestamp())}",
                payload={"appointment_id": appointment.id},
                record_type=appointment.record_type,
                record_id=appointment.record_id,
            )
            message = REMINDER_SNOOZED.format(time=format_local(due, _tz(session, who), with_date=False))
    reply_ephemeral(client, body, message)


def open_outcome(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        appointment = get_appointment(session, team_id=who.team_id, appointment_id=_int_value(body))
        allowed = appointment is not None and _may_work_appointment(session, who, appointment)
    if appointment is None or appointment.status == "cancelled":
        raise Refused(APPOINTMENT_GONE)
    if not allowed:
        raise Refused(NOT_ALLOWED.format(action="log this outcome"))
    open_view(
        client, body, log_outcome_modal(appointment.id or 0, appointment.subject, appointment.outcome), push=False
    )


# --- settings ----------------------------------------------------------------------------------


def open_settings(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        user = get_user(session, team_id=who.team_id, user_id=who.user_id)
        is_manager = who.role in ("manager", "admin") or bool(who.reps)
        view = settings_modal(
            reminder_minutes=user.reminder_minutes if user else None,
            default_minutes=deps.settings.reminder_minutes_before,
            daily_summary=bool(user and user.daily_summary),
            digest_when_empty=bool(user and user.digest_when_empty),
            is_manager=is_manager,
            digest_hour=deps.settings.digest_hour,
        )
    open_view(client, body, view, push=False)


def _int_value(body: dict[str, Any]) -> int:
    """A task or appointment id: `12` or `appointment:12`."""
    value = str((body.get("actions") or [{}])[0].get("value") or "").rpartition(":")[2]
    return parse_id(value) or 0
