"""Timeline entries of leads and opportunities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from store.models import Activity, Post, utcnow


def add_activity(
    session: Session,
    *,
    team_id: str,
    record_type: str,
    record_id: int,
    kind: str,
    author_id: str = "",
    subject: str = "",
    body: str = "",
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    slack_channel: str | None = None,
    slack_ts: str | None = None,
) -> Activity:
    activity = Activity(
        team_id=team_id,
        record_type=record_type,
        record_id=record_id,
        kind=kind,
        author_id=author_id,
        subject=subject,
        body=body,
        data=data or {},
        occurred_at=occurred_at or utcnow(),
        slack_channel=slack_channel,
        slack_ts=slack_ts,
    )
    session.add(activity)
    session.flush()
    return activity


def timeline(session: Session, *, team_id: str, record_type: str, record_id: int) -> list[Activity]:
    query = (
        select(Activity)
        .where(Activity.team_id == team_id, Activity.record_type == record_type, Activity.record_id == record_id)
        .order_by(col(Activity.occurred_at), col(Activity.id))
    )
    return list(session.exec(query))


def record_post(
    session: Session,
    *,
    team_id: str,
    record_type: str,
    record_id: int,
    channel: str,
    ts: str,
    kind: str = "card",
) -> Post:
    post = Post(team_id=team_id, record_type=record_type, record_id=record_id, channel=channel, ts=ts, kind=kind)
    session.add(post)
    session.flush()
    return post
