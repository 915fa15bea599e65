"""Events API dedupe: Slack retries a delivery with the same event_id; the first one wins."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from store.models import SlackEvent


def first_delivery(session: Session, *, team_id: str, event_id: str) -> bool:
    """Record the event id; False when it was already recorded (a retry or a duplicate)."""
    try:
        with session.begin_nested():
            session.add(SlackEvent(team_id=team_id, event_id=event_id))
        return True
    except IntegrityError:
        return False
