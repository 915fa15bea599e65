"""Channel alert subscriptions: who may manage them, adding, pausing, resuming and removing."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlmodel import Session

from bot.domain.alerts import SubscriptionForm, SubscriptionLine
from bot.refusals import Refused
from store import alerts as alert_store
from store.access import Viewer
from store.models import AlertSubscription

MANAGERS_ONLY = "Only managers and admins can manage channel alerts."
GONE = "That alert was removed meanwhile."
NOT_YOURS = "Only the alert's creator or an admin can change it."


def may_manage(viewer: Viewer) -> bool:
    return viewer.role in ("admin", "manager")


def require_manager(viewer: Viewer) -> None:
    if not may_manage(viewer):
        raise Refused(MANAGERS_ONLY)


def listing(session: Session, viewer: Viewer, *, channel_id: str) -> list[SubscriptionLine]:
    """In a channel: its subscriptions. From a DM: every subscription the viewer may manage."""
    if channel_id:
        found = alert_store.subscriptions(session, team_id=viewer.team_id, channel_id=channel_id)
    elif viewer.is_admin:
        found = alert_store.subscriptions(session, team_id=viewer.team_id)
    else:
        found = alert_store.subscriptions(session, team_id=viewer.team_id, created_by=viewer.user_id)
    return [_line(subscription, viewer) for subscription in found]


def _line(subscription: AlertSubscription, viewer: Viewer) -> SubscriptionLine:
    return SubscriptionLine(
        id=subscription.id or 0,
        channel_id=subscription.channel_id,
        event=subscription.event,
        delivery=subscription.delivery,
        hour=subscription.hour,
        status=subscription.status,
        min_revenue=subscription.min_revenue,
        owner_id=subscription.owner_id,
        team_name=subscription.team_name,
        process_name=subscription.process_name,
        lead_source=subscription.lead_source,
        created_by=subscription.created_by,
        manageable=_may_change(subscription, viewer),
    )


def _may_change(subscription: AlertSubscription, viewer: Viewer) -> bool:
    return viewer.is_admin or (viewer.role == "manager" and subscription.created_by == viewer.user_id)


def add(session: Session, viewer: Viewer, form: SubscriptionForm, *, now: datetime) -> AlertSubscription:
    require_manager(viewer)
    alert_store.start_cursors(session, team_id=viewer.team_id, now=now)
    values = asdict(form)
    return alert_store.add_subscription(
        session, team_id=viewer.team_id, created_by=viewer.user_id, values={**values, "created_at": now}
    )


def _owned(session: Session, viewer: Viewer, subscription_id: int) -> AlertSubscription:
    require_manager(viewer)
    found = alert_store.get_subscription(session, team_id=viewer.team_id, subscription_id=subscription_id)
    if found is None:
        raise Refused(GONE)
    if not _may_change(found, viewer):
        raise Refused(NOT_YOURS)
    return found


def set_status(session: Session, viewer: Viewer, subscription_id: int, *, status: str) -> AlertSubscription:
    """Pause or resume; resuming clears the reason it was paused for."""
    found = _owned(session, viewer, subscription_id)
    found.status, found.paused_reason = status, ""
    session.add(found)
    return found


def remove(session: Session, viewer: Viewer, subscription_id: int) -> str:
    """Delete the subscription; returns its channel."""
    found = _owned(session, viewer, subscription_id)
    channel = found.channel_id
    alert_store.delete_subscription(session, found)
    return channel
