"""Timeline entries of leads and opportunities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
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


def _record_filter(team_id: str, record_type: str, record_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Activity.team_id) == team_id, col(Activity.record_type) == record_type, col(Activity.record_id) == record_id
    )


def count_activities(session: Session, *, team_id: str, record_type: str, record_id: int) -> int:
    query = select(sa.func.count()).select_from(Activity).where(_record_filter(team_id, record_type, record_id))
    return int(session.exec(query).one())


def activity_slice(
    session: Session, *, team_id: str, record_type: str, record_id: int, offset: int, limit: int
) -> list[Activity]:
    """Entries `offset`..`offset+limit` in chronological order (oldest first)."""
    query = (
        select(Activity)
        .where(_record_filter(team_id, record_type, record_id))
        .order_by(col(Activity.occurred_at), col(Activity.id))
        .offset(offset)
        .limit(limit)
    )
    return list(session.exec(query))


def recent_activity_count(
    session: Session, *, team_id: str, record_type: str, record_id: int, since: datetime, kinds: tuple[str, ...]
) -> int:
    query = (
        select(sa.func.count())
        .select_from(Activity)
        .where(
            _record_filter(team_id, record_type, record_id),
            col(Activity.occurred_at) >= since,
            col(Activity.kind).in_(kinds),
            col(Activity.deleted).is_(False),
        )
    )
    return int(session.exec(query).one())


def find_post(session: Session, *, team_id: str, channel: str, ts: str) -> Post | None:
    return session.exec(select(Post).where(Post.team_id == team_id, Post.channel == channel, Post.ts == ts)).first()


def posts_of(session: Session, *, team_id: str, record_type: str, record_id: int) -> list[Post]:
    query = select(Post).where(Post.team_id == team_id, Post.record_type == record_type, Post.record_id == record_id)
    return list(session.exec(query.order_by(col(Post.id))))


def find_reply(session: Session, *, team_id: str, channel: str, ts: str) -> Activity | None:
    query = select(Activity).where(
        Activity.team_id == team_id,
        Activity.slack_channel == channel,
        Activity.slack_ts == ts,
        Activity.kind == "reply",
    )
    return session.exec(query).first()


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


def record_question_post(session: Session, *, team_id: str, activity_id: int, ts: str, permalink: str | None) -> None:
    """The "Asked colleagues" entry learns where its question was posted (replies follow that thread)."""
    activity = session.get(Activity, activity_id)
    if activity is not None and activity.team_id == team_id:
        activity.slack_ts, activity.data = ts, {"permalink": permalink}
        session.add(activity)
