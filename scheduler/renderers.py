"""One renderer per outbox kind: builds the message from the database at send time.

A renderer returns the `chat.postMessage` arguments (text, blocks, optionally channel), or None when
the row has become pointless (appointment cancelled or moved, task done, deal closed…): the
dispatcher then records it as cancelled instead of sending it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.deps import Deps
from bot.domain.assistant import format_local
from bot.views.assistant import RecordLabel, failed_notice, label_of, nudge_message, reminder_message, task_message
from bot.views.tasks import TaskLine, task_due_message
from scheduler.labels import record_label
from store.alerts import get_subscription
from store.batch_reads import by_ids, users_by_slack_ids
from store.db import transaction
from store.models import AlertSubscription, Appointment, Lead, Opportunity, Outbox, SlackUser, Task
from store.records import get_record
from store.tasks import get_appointment, get_task
from store.users import get_user, update_profile

log = logging.getLogger("salesbot.renderers")
PROFILE_MAX_AGE = timedelta(days=7)


@dataclass
class Prefetched:
    """What a claimed batch's reminders render from, read before sending in one query per table
    (three queries per row before: they were most of the dispatcher's CPU per row)."""

    appointments: dict[int, Appointment] = field(default_factory=dict)
    users: dict[tuple[str, str], SlackUser] = field(default_factory=dict)
    records: dict[tuple[str, int], Lead | Opportunity] = field(default_factory=dict)
    subscriptions: dict[int, AlertSubscription] = field(default_factory=dict)  # of the batch's alert rows


def prefetch(session: Session, rows: list[Outbox]) -> Prefetched:
    """The appointments, recipients and records the rows' renderers will read (each still checked
    against the row's workspace when used)."""
    found = Prefetched()
    ids = {_int(row.payload.get("appointment_id")) for row in rows if row.kind == "appointment_reminder"}
    found.appointments = {appointment.id or 0: appointment for appointment in by_ids(session, Appointment, ids)}
    recipients = {row.recipient for row in rows}
    found.users = {(user.team_id, user.user_id): user for user in users_by_slack_ids(session, recipients)}
    found.subscriptions = _subscriptions(session, rows)
    refs = {(a.record_type, a.record_id) for a in found.appointments.values()}
    refs |= {(row.record_type, row.record_id) for row in rows if row.record_type and row.record_id}
    lead_ids = {record_id for record_type, record_id in refs if record_type == "lead"}
    opportunity_ids = {record_id for record_type, record_id in refs if record_type == "opportunity"}
    for lead in by_ids(session, Lead, lead_ids):
        found.records[("lead", lead.id or 0)] = lead
    for opportunity in by_ids(session, Opportunity, opportunity_ids):
        found.records[("opportunity", opportunity.id or 0)] = opportunity
    return found


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return 0


def _subscriptions(session: Session, rows: list[Outbox]) -> dict[int, AlertSubscription]:
    ids = {_int(row.payload.get("subscription_id")) for row in rows if row.kind in ("alert", "alert_daily")}
    return {subscription.id or 0: subscription for subscription in by_ids(session, AlertSubscription, ids)}


@dataclass
class RenderContext:
    deps: Deps
    client: WebClient
    session: Session
    now: datetime
    prefetched: Prefetched | None = None

    def appointment(self, team_id: str, appointment_id: int) -> Appointment | None:
        if self.prefetched is not None and appointment_id in self.prefetched.appointments:
            found = self.prefetched.appointments[appointment_id]
            return found if found.team_id == team_id else None
        return get_appointment(self.session, team_id=team_id, appointment_id=appointment_id)

    def user(self, team_id: str, user_id: str) -> SlackUser | None:
        if self.prefetched is not None and (team_id, user_id) in self.prefetched.users:
            return self.prefetched.users[(team_id, user_id)]
        return get_user(self.session, team_id=team_id, user_id=user_id)

    def record(self, team_id: str, record_type: str | None, record_id: int | None) -> Lead | Opportunity | None:
        if not record_type or not record_id:
            return None
        if self.prefetched is not None and (record_type, record_id) in self.prefetched.records:
            found = self.prefetched.records[(record_type, record_id)]
            return found if found.team_id == team_id else None
        return get_record(self.session, team_id=team_id, record_type=record_type, record_id=record_id)

    def subscription(self, team_id: str, subscription_id: int) -> AlertSubscription | None:
        if self.prefetched is not None and subscription_id in self.prefetched.subscriptions:
            found = self.prefetched.subscriptions[subscription_id]
            return found if found.team_id == team_id else None
        return get_subscription(self.session, team_id=team_id, subscription_id=subscription_id)

    def label(self, team_id: str, record_type: str | None, record_id: int | None) -> RecordLabel | None:
        if self.prefetched is not None and record_type and record_id:
            found = self.prefetched.records.get((record_type, record_id))
            if found is not None and found.team_id == team_id:
                return label_of(found)
        return record_label(self.session, team_id, record_type, record_id)


Renderer = Callable[[RenderContext, Outbox], dict[str, Any] | None]
RENDERERS: dict[str, Renderer] = {}
# Per kind, called in the transaction recording a row's outcome: (session, row, outcome, sent ts,
# error) -> True when it handled a failure itself (the owner's failure notice is then not sent).
Settled = Callable[[Session, Outbox, str, "str | None", "str | None"], bool]
ON_SETTLED: dict[str, Settled] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def add(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        return fn

    return add


def user_tz(ctx: RenderContext, team_id: str, user_id: str) -> str:
    """The user's Slack time zone, refreshed from `users.info` when unknown or a week old (cached in slack_user)."""
    user = ctx.user(team_id, user_id)
    fresh = (
        user is not None and user.profile_fetched_at is not None and ctx.now - user.profile_fetched_at < PROFILE_MAX_AGE
    )
    if fresh and user is not None:
        return user.tz
    try:
        info = ctx.client.users_info(user=user_id)["user"]
    except (SlackApiError, OSError, KeyError) as error:  # show the time in the zone we know rather than not at all
        log.info("users.info for %s failed (%s); using the stored time zone", user_id, error)
        return user.tz if user is not None else "UTC"
    tz = str(info.get("tz") or "UTC")
    try:  # in its own transaction: the web side may be storing the same profile right now
        with transaction(ctx.deps.new_session) as session:
            update_profile(
                session,
                team_id=team_id,
                user_id=user_id,
                name=str(info.get("real_name") or info.get("name") or ""),
                tz=tz,
                is_slack_admin=bool(info.get("is_admin") or info.get("is_owner")),
                at=ctx.now,
            )
    except IntegrityError:
        pass
    return tz


@renderer("dm")
def render_dm(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    """Rows of kind `dm` carry their message (text, blocks) in the payload."""
    return {"text": row.payload.get("text", ""), "blocks": row.payload.get("blocks")}


@renderer("appointment_reminder")
def render_appointment_reminder(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    appointment = ctx.appointment(row.team_id, _int(row.payload.get("appointment_id")))
    if appointment is None or appointment.status != "scheduled":
        return None
    if appointment.start_at + timedelta(minutes=appointment.duration_minutes) < ctx.now:
        return None  # it is over: a reminder now would only confuse
    if row.recipient != appointment.owner_id and row.recipient not in (appointment.attendees or []):
        return None  # removed from the attendees since
    tz = user_tz(ctx, row.team_id, row.recipient)
    record = ctx.label(row.team_id, appointment.record_type, appointment.record_id)
    text, blocks = reminder_message(
        appointment_id=appointment.id or 0,
        subject=appointment.subject,
        start_at=appointment.start_at,
        duration_minutes=appointment.duration_minutes,
        location=appointment.location,
        tz=tz,
        now=ctx.now,
        record=record,
    )
    return {"text": text, "blocks": blocks}


@renderer("task_due")
def render_task_due(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    task = get_task(ctx.session, team_id=row.team_id, task_id=int(row.payload.get("task_id", 0)))
    if task is None or task.status != "open" or abs((task.due_at - row.due_at).total_seconds()) > 1:
        return None  # done, skipped, cancelled, or snoozed (a newer row announces it)
    if row.recipient != task.owner_id:
        return None  # reassigned since: the new owner's row announces it
    tz = user_tz(ctx, row.team_id, task.owner_id)
    record = ctx.label(row.team_id, task.record_type, task.record_id)
    if task.enrollment_id is None:
        return adhoc_task_due(task, record, tz)
    text, blocks = task_message(
        task_id=task.id or 0,
        kind=task.kind,
        title=task.title,
        sequence=task.description,
        due_at=task.due_at,
        tz=tz,
        record=record,
    )
    return {"text": text, "blocks": blocks}


def adhoc_task_due(task: Task, record: RecordLabel | None, tz: str) -> dict[str, Any]:
    line = TaskLine(task.id or 0, task.title, task.kind, task.due_at, task.priority, True, record)
    text, blocks = task_due_message(line, description=task.description, tz=tz, now=task.due_at)
    return {"text": text, "blocks": blocks}


@renderer("nudge")
def render_nudge(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    from scheduler.planner import nudge_still_applies

    kind = str(row.payload.get("nudge"))
    if not nudge_still_applies(ctx.session, row, ctx.deps.settings.stale_deal_days, ctx.now):
        return None
    tz = user_tz(ctx, row.team_id, row.recipient)
    record = ctx.label(row.team_id, row.record_type, row.record_id)
    if kind == "overdue_task":
        task = get_task(ctx.session, team_id=row.team_id, task_id=int(row.payload.get("task_id", 0)))
        if task is None:
            return None
        text, blocks = nudge_message(
            kind=kind,
            record=record,
            title=task.title,
            due=format_local(task.due_at, tz),
            task_id=task.id,
            adhoc=task.enrollment_id is None,
        )
    elif kind == "past_close":
        due = str(row.payload.get("close_date", ""))
        text, blocks = nudge_message(kind=kind, record=record, due=due)
    else:
        text, blocks = nudge_message(kind=kind, record=record, days=ctx.deps.settings.stale_deal_days)
    return {"text": text, "blocks": blocks}


@renderer("digest")
def render_digest(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    from scheduler.digests import build_digest, digest_message_for

    tz = user_tz(ctx, row.team_id, row.recipient)
    digest = build_digest(ctx.session, ctx.deps.settings, row, tz=tz)
    if digest is None:
        return None
    return digest_message_for(digest)


@renderer("delivery_failed")
def render_delivery_failed(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    record = ctx.label(row.team_id, row.record_type, row.record_id)
    text, blocks = failed_notice(
        kind=str(row.payload.get("kind", "")),
        recipient=str(row.payload.get("recipient", "")),
        error=str(row.payload.get("error", "")),
        record=record,
    )
    return {"text": text, "blocks": blocks}
