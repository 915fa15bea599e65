"""The work queue (App Home section) and the buttons of tasks, reminders and appointments;
`/salesbot settings` (reminder minutes, daily summary, empty digests)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.assistant import StepError, format_local
from bot.domain.assistant import parse_reminder_minutes as parse_minutes
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
from bot.messages import OUTCOME_SAVED, REMINDER_SNOOZED, SETTINGS_SAVED
from bot.refusals import Refused
from bot.services import work_queue as service
from bot.services.users import user_zone
from bot.services.work_queue import QueueItem, Worked
from bot.surface import Surface
from bot.views.assistant import (
    QUEUE_ITEMS_MAX,
    QueueLine,
    RecordLabel,
    log_outcome_modal,
    settings_modal,
    titled_label,
    work_queue_section,
)
from bot.views.blocks import Block, context, modal, section
from bot.views.inputs import ModalState
from bot.views.markup import escape
from handlers.cards import show_card
from handlers.context import team_id, user_id, viewer
from handlers.home import HomeRequest, publish_home, slack_zone
from handlers.listeners import after_ack, later
from handlers.record_loading import action_ref, load_record
from handlers.replies import open_view, replace_message, reply_ephemeral
from store.access import Viewer
from store.db import transaction

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
    appointment_id = parse_id(Metadata.decode(view.get("private_metadata")).id) or 0
    try:
        with transaction(deps.new_session) as session:
            subject = service.log_outcome(session, who, appointment_id=appointment_id, outcome=outcome)
    except Refused as refused:
        ack(response_action="errors", errors={"outcome": refused.message})
        return
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
        service.save_settings(
            session, team_id=team_id(body), user_id=user_id(body), minutes=minutes,
            daily_summary=bool(state.checked("daily_summary")),
            digest_when_empty=bool(state.checked("digest_when_empty")) if "digest_when_empty" in state.values else None,
        )  # fmt: skip
    ack(response_action="update", view=modal("Settings", [section(SETTINGS_SAVED)], callback_id=VIEW_SETTINGS_SAVED))


# --- the work queue ----------------------------------------------------------------------------


def user_tz(deps: Deps, client: WebClient, team: str, user: str) -> str:
    """The user's Slack time zone: stored by the profile middleware, else asked of users.info (not stored
    here: the middleware is refreshing the same row in the background)."""
    return user_zone(deps.engine, team_id=team, user_id=user, ask_zone=functools.partial(slack_zone, client, user))


def queue_blocks(home: HomeRequest) -> list[Block]:
    now, (start, end) = home.reads.now, home.reads.day
    items, total = service.queue(home.reads.session, home.reads.reader, team_id=home.team, user_id=home.user, now=now,
                                 day_end=end, limit=QUEUE_ITEMS_MAX, probe=home.reads.probes.queue)  # fmt: skip
    lines = [_queue_line(item, titled_label(*title) if title is not None else None) for item, title in items]
    return work_queue_section(lines, total=total, tz=home.reads.tz, now=now, today_start=start)


def _queue_line(item: QueueItem, record: RecordLabel | None) -> QueueLine:
    if item.task is not None:
        task = item.task
        return QueueLine(item.due_at, task.title, task.kind, task_id=task.id, record=record,
                         priority=task.priority, adhoc=task.enrollment_id is None)  # fmt: skip
    assert item.appointment is not None
    return QueueLine(item.due_at, item.appointment.subject, "appointment",
                     appointment_id=item.appointment.id, record=record)  # fmt: skip


def _task_action(surface: Surface, deps: Deps, client: WebClient, body: dict[str, Any], action: str) -> None:
    work = functools.partial(service.work_task, task_id=_int_value(body), action=action)
    _work_and_answer(surface, deps, client, body, work, _task_note)


def _appointment_action(surface: Surface, deps: Deps, client: WebClient, body: dict[str, Any], action: str) -> None:
    work = functools.partial(service.work_appointment, appointment_id=_int_value(body), action=action)
    _work_and_answer(surface, deps, client, body, work, _appointment_note)


def _work_and_answer(
    surface: Surface,
    deps: Deps,
    client: WebClient,
    body: dict[str, Any],
    work: Callable[..., Worked],
    word: Callable[[Worked], str],
) -> None:
    """Do the work in one transaction and answer in place: the note replaces the buttons, refusal or not."""
    who = viewer(deps, body)
    try:
        with transaction(deps.new_session) as session:
            note = word(work(session, who, now=deps.clock()))
    except Refused as refused:
        note = refused.message
    _answer(surface, deps, client, body, who, note)


def _task_note(worked: Worked) -> str:
    title = escape(worked.subject)
    if worked.moved_to is not None:
        return f":zzz: *{title}* moved to {format_local(worked.moved_to, worked.tz)}."
    note = f":white_check_mark: {'Done' if worked.action == 'done' else 'Skipped'}: *{title}*."
    if worked.following is not None:
        due = format_local(worked.following.due_at, worked.tz)
        note += f" Next: *{escape(worked.following.title)}*, due {due}."
    elif worked.last_step:
        note += " That was the last step of the sequence."
    return note


def _appointment_note(worked: Worked) -> str:
    subject = escape(worked.subject)
    if worked.action == "done":
        return f":white_check_mark: Done: *{subject}*."
    if worked.action == "skip":
        return f":no_entry_sign: *{subject}* cancelled; its reminders too."
    assert worked.moved_to is not None
    until = format_local(worked.moved_to, worked.tz)
    return f":zzz: *{subject}* is off your work queue until {until}; the meeting is unchanged."


def _answer(surface: Surface, deps: Deps, client: WebClient, body: dict[str, Any], who: Viewer, note: str) -> None:
    """Refresh the home tab; in a message, replace the buttons with what happened (the work is done)."""
    container = body.get("container") or {}
    if container.get("type") == "message" and body.get("response_url"):
        original = (body.get("message") or {}).get("blocks") or []
        kept = [b for b in original if b.get("type") != "actions"][:45]
        replace_message(client, body, note, [*kept, context(note)])
    publish_home(surface, deps, client, who.team_id, who.user_id)


# --- reminders ---------------------------------------------------------------------------------


def open_record(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_record(deps, body, action_ref(body), change="open it")
    show_card(deps, client, body, loaded.ref, loaded.record)


def snooze_reminder(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        due, tz = service.snooze_reminder(session, who, appointment_id=_int_value(body), now=deps.clock())
    reply_ephemeral(client, body, REMINDER_SNOOZED.format(time=format_local(due, tz, with_date=False)))


def open_outcome(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        appointment = service.appointment_to_log(session, who, appointment_id=_int_value(body))
    open_view(
        client, body, log_outcome_modal(appointment.id or 0, appointment.subject, appointment.outcome), push=False
    )


# --- settings ----------------------------------------------------------------------------------


def open_settings(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        user = service.stored_profile(session, team_id=who.team_id, user_id=who.user_id)
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
