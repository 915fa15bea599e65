"""Alert subscriptions, the planner's cursors over the timeline tables, the workspace's channels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.kinds import RecordType
from store.models import Activity, AlertCursor, AlertSubscription, StageChange, WorkspaceChannel
from store.prepared import unindexed_team

LEAD_EVENT_SUBJECTS = ("Lead created", "Lead imported")
# The end of the subject of a quote's timeline entry (bot/services/quotes._log) -> the alert event
QUOTE_EVENT_SUFFIXES = {": approved": "quote_approved", ": rejected": "quote_rejected"}


def add_subscription(session: Session, *, team_id: str, created_by: str, values: dict[str, Any]) -> AlertSubscription:
    subscription = AlertSubscription(team_id=team_id, created_by=created_by, **values)
    session.add(subscription)
    session.flush()
    return subscription


def get_subscription(session: Session, *, team_id: str, subscription_id: int) -> AlertSubscription | None:
    query = select(AlertSubscription).where(
        AlertSubscription.team_id == team_id, AlertSubscription.id == subscription_id
    )
    return session.exec(query).first()


def subscriptions(
    session: Session, *, team_id: str, channel_id: str | None = None, created_by: str | None = None
) -> list[AlertSubscription]:
    """A workspace's subscriptions, optionally one channel's or one creator's, oldest first."""
    query = select(AlertSubscription).where(AlertSubscription.team_id == team_id)
    if channel_id is not None:
        query = query.where(AlertSubscription.channel_id == channel_id)
    if created_by is not None:
        query = query.where(AlertSubscription.created_by == created_by)
    return list(session.exec(query.order_by(col(AlertSubscription.id))))


def active_subscriptions(session: Session, *, team_id: str) -> list[AlertSubscription]:
    query = select(AlertSubscription).where(AlertSubscription.team_id == team_id, AlertSubscription.status == "active")
    return list(session.exec(query.order_by(col(AlertSubscription.id))))


def teams_with_subscriptions(session: Session) -> list[str]:
    """Workspaces with any subscription (paused ones too: their cursors keep moving, so resuming
    does not announce what happened meanwhile)."""
    return sorted(session.exec(select(AlertSubscription.team_id).distinct()))


def teams_with_wins_channel(session: Session) -> list[str]:
    query = select(WorkspaceChannel.team_id).where(WorkspaceChannel.purpose == "wins").distinct()
    return sorted(session.exec(query))


def delete_subscription(session: Session, subscription: AlertSubscription) -> None:
    session.delete(subscription)
    session.flush()


# --- the cursors ---------------------------------------------------------------------------------


def cursor(session: Session, *, team_id: str, source: str) -> AlertCursor:
    """The planner's position in `source` for a workspace; a new cursor starts at the table's end, so
    a first subscription does not announce the whole history."""
    query = select(AlertCursor).where(AlertCursor.team_id == team_id, AlertCursor.source == source)
    found = session.exec(query).first()
    if found is not None:
        return found
    model: Any = Activity if source == "activity" else StageChange
    return AlertCursor(team_id=team_id, source=source, last_id=_last_id(session, model, team_id, after_id=0))


def start_cursors(session: Session, *, team_id: str, now: datetime) -> None:
    """Fix where the planner starts reading for a workspace's first subscription: events after the
    subscription are announced, those before are not."""
    for source in ("activity", "stage_change"):
        found = cursor(session, team_id=team_id, source=source)
        if found.id is None:
            with session.begin_nested():
                move_cursor(session, found, found.last_id, now)


def move_cursor(session: Session, found: AlertCursor, last_id: int, now: datetime) -> None:
    found.last_id, found.updated_at = last_id, now
    session.add(found)
    session.flush()


def activity_events_after(session: Session, *, team_id: str, after_id: int, limit: int) -> list[Activity]:
    """Timeline rows saying a lead was created, imported or assigned, or a quote was approved or
    rejected, past the cursor."""
    quote_decided = sa.or_(*(col(Activity.subject).endswith(suffix) for suffix in QUOTE_EVENT_SUFFIXES))
    query = (
        select(Activity)
        .where(
            _team(session, Activity) == team_id,
            col(Activity.id) > after_id,
            sa.or_(
                sa.and_(
                    col(Activity.record_type) == RecordType.LEAD,
                    sa.or_(
                        sa.and_(col(Activity.kind) == "status", col(Activity.subject).in_(LEAD_EVENT_SUBJECTS)),
                        col(Activity.kind) == "assign",
                    ),
                ),
                sa.and_(
                    col(Activity.record_type) == RecordType.OPPORTUNITY, col(Activity.kind) == "quote", quote_decided
                ),
            ),
        )
        .order_by(col(Activity.id))
        .limit(limit)
    )
    return list(session.exec(query))


def quote_event_of(subject: str) -> str:
    """The alert event a quote's timeline subject announces ("" for none)."""
    return next((event for suffix, event in QUOTE_EVENT_SUFFIXES.items() if subject.endswith(suffix)), "")


def last_activity_id(session: Session, *, team_id: str, after_id: int) -> int:
    """The workspace's last timeline row past `after_id` (`after_id` when there is none)."""
    return _last_id(session, Activity, team_id, after_id=after_id)


def _last_id(session: Session, model: Any, team_id: str, *, after_id: int) -> int:
    """The workspace's largest id of `model` past `after_id`, read along the primary key from there (a
    cursor is near the end: a tick reads the rows written since the last one)."""
    query = select(sa.func.max(model.id)).where(_team(session, model) == team_id, col(model.id) > after_id)
    return int(session.exec(query).one() or after_id)


def _team(session: Session, model: Any) -> Any:
    """`team_id` as a read past a cursor writes it: on SQLite no index term (store.prepared.unindexed_team),
    so the read continues along the primary key; else SQLite read and sorted the workspace's whole index
    on team_id at every tick (139 ms at 1.95M stage changes)."""
    return unindexed_team(model.__table__)


def stage_changes_after(session: Session, *, team_id: str, after_id: int, limit: int) -> list[StageChange]:
    query = (
        select(StageChange)
        .where(_team(session, StageChange) == team_id, col(StageChange.id) > after_id)
        .order_by(col(StageChange.id))
        .limit(limit)
    )
    return list(session.exec(query))


# --- the workspace's channels ----------------------------------------------------------------------


def workspace_channel(session: Session, *, team_id: str, purpose: str) -> str | None:
    query = select(WorkspaceChannel.channel_id).where(
        WorkspaceChannel.team_id == team_id, WorkspaceChannel.purpose == purpose
    )
    return session.exec(query).first()


def workspace_channels(session: Session, *, team_id: str) -> dict[str, str]:
    """Purpose (`wins`, `leads`) -> channel id, for the admin modal."""
    query = select(WorkspaceChannel).where(WorkspaceChannel.team_id == team_id)
    return {row.purpose: row.channel_id for row in session.exec(query)}


def set_workspace_channel(
    session: Session, *, team_id: str, purpose: str, channel_id: str, user_id: str, now: datetime
) -> None:
    """Set (or with an empty `channel_id`, clear) the channel the workspace uses for `purpose`."""
    found = session.exec(
        select(WorkspaceChannel).where(WorkspaceChannel.team_id == team_id, WorkspaceChannel.purpose == purpose)
    ).first()
    if not channel_id:
        if found is not None:
            session.delete(found)
        return
    found = found or WorkspaceChannel(team_id=team_id, purpose=purpose, channel_id=channel_id)
    found.channel_id, found.set_by, found.updated_at = channel_id, user_id, now
    session.add(found)
