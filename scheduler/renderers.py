"""One renderer per outbox kind: builds the message from the database at send time.

A renderer returns the `chat.postMessage` arguments (text, blocks, optionally channel), or None when
the row has become pointless (appointment cancelled or moved, task done, deal closed…): the
dispatcher then records it as cancelled instead of sending it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.deps import Deps
from bot.domain.assistant import format_local
from bot.views.assistant import RecordLabel, failed_notice, label_of, nudge_message, reminder_message, task_message
from store.db import transaction
from store.models import Outbox
from store.records import get_record
from store.tasks import get_appointment, get_task
from store.users import get_user, update_profile

log = logging.getLogger("salesbot.renderers")
PROFILE_MAX_AGE = timedelta(days=7)


@dataclass
class RenderContext:
    deps: Deps
    client: WebClient
    session: Session
    now: datetime


Renderer = Callable[[RenderContext, Outbox], dict[str, Any] | None]
RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def add(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        return fn

    return add


def user_tz(ctx: RenderContext, team_id: str, user_id: str) -> str:
    """The user's Slack time zone, refreshed from `users.info` when unknown or a week old (cached in slack_user)."""
    user = get_user(ctx.session, team_id=team_id, user_id=user_id)
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


def record_label(session: Session, team_id: str, record_type: str | None, record_id: int | None) -> RecordLabel | None:
    if not record_type or not record_id:
        return None
    record = get_record(session, team_id=team_id, record_type=record_type, record_id=record_id)
    if record is None:
        return None
    return label_of(record)


@renderer("dm")
def render_dm(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    """Rows of kind `dm` carry their message (text, blocks) in the payload."""
    return {"text": row.payload.get("text", ""), "blocks": row.payload.get("blocks")}


@renderer("appointment_reminder")
def render_appointment_reminder(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    appointment = get_appointment(
        ctx.session, team_id=row.team_id, appointment_id=int(row.payload.get("appointment_id", 0))
    )
    if appointment is None or appointment.status != "scheduled":
        return None
    if appointment.start_at + timedelta(minutes=appointment.duration_minutes) < ctx.now:
        return None  # it is over: a reminder now would only confuse
    if row.recipient != appointment.owner_id and row.recipient not in (appointment.attendees or []):
        return None  # removed from the attendees since
    tz = user_tz(ctx, row.team_id, row.recipient)
    record = record_label(ctx.session, row.team_id, appointment.record_type, appointment.record_id)
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
    tz = user_tz(ctx, row.team_id, task.owner_id)
    record = record_label(ctx.session, row.team_id, task.record_type, task.record_id)
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


@renderer("nudge")
def render_nudge(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    from scheduler.planner import nudge_still_applies

    kind = str(row.payload.get("nudge"))
    if not nudge_still_applies(ctx.session, row, ctx.deps.settings.stale_deal_days, ctx.now):
        return None
    tz = user_tz(ctx, row.team_id, row.recipient)
    record = record_label(ctx.session, row.team_id, row.record_type, row.record_id)
    if kind == "overdue_task":
        task = get_task(ctx.session, team_id=row.team_id, task_id=int(row.payload.get("task_id", 0)))
        if task is None:
            return None
        text, blocks = nudge_message(
            kind=kind, record=record, title=task.title, due=format_local(task.due_at, tz), task_id=task.id
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
    record = record_label(ctx.session, row.team_id, row.record_type, row.record_id)
    text, blocks = failed_notice(
        kind=str(row.payload.get("kind", "")),
        recipient=str(row.payload.get("recipient", "")),
        error=str(row.payload.get("error", "")),
        record=record,
    )
    return {"text": text, "blocks": blocks}
