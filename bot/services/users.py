"""Who is asking: the viewer a permission check reads, and the cached Slack profile of a user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.access import Viewer
from store.db import SessionFactory, bounded, transaction
from store.events import first_delivery, first_delivery_kept
from store.prepared import reading
from store.users import Asker as Asker
from store.users import StoredZone, get_user, read_viewer, read_zone, update_profile, viewer_for


def viewer_of(session: Session, *, team_id: str, user_id: str, admin_ids: frozenset[str]) -> Viewer:
    """The user's role (admin, manager with their reps, or rep) for permission checks."""
    return viewer_for(session, team_id=team_id, user_id=user_id, admin_ids=admin_ids)


def current_viewer(engine: Engine, *, team_id: str, user_id: str, admin_ids: frozenset[str]) -> Viewer:
    """`viewer_of` on a pooled connection of its own, without an ORM session (an ack's first read)."""
    with reading(engine) as reader:
        return read_viewer(reader, team_id=team_id, user_id=user_id, admin_ids=admin_ids)


def user_zone(engine: Engine, *, team_id: str, user_id: str, ask_zone: Callable[[], str | None]) -> str:
    """The user's time zone: stored by the profile middleware (one prepared read on a kept connection), else
    `ask_zone` (Slack's users.info, called with no connection held), else the stored default or UTC."""
    with reading(engine) as reader:
        known = read_zone(reader, team_id=team_id, user_id=user_id)
    return settled_zone(known, ask_zone)


def settled_zone(known: StoredZone | None, ask_zone: Callable[[], str | None]) -> str:
    """The stored zone once the profile was fetched; else what `ask_zone` says; else the stored default."""
    if known is not None and known.fetched:
        return known.tz
    asked = ask_zone()
    if asked is not None:
        return asked
    return known.tz if known is not None else "UTC"


def is_first_delivery(new_session: SessionFactory, engine: Engine, *, team_id: str, event_id: str) -> bool:
    """True the first time an Events API event id is seen (Slack redelivers when an ack was late): on a
    kept connection, or in a transaction bounded by the request's database budget while one is set."""
    if not bounded():
        return first_delivery_kept(engine, team_id=team_id, event_id=event_id)
    with transaction(new_session) as session:
        return first_delivery(session, team_id=team_id, event_id=event_id)


def profile_is_fresh(session: Session, *, team_id: str, user_id: str, now: datetime, max_age: timedelta) -> bool:
    known = get_user(session, team_id=team_id, user_id=user_id)
    return known is not None and known.profile_fetched_at is not None and now - known.profile_fetched_at < max_age


def save_profile(
    session: Session, *, team_id: str, user_id: str, name: str, tz: str, is_slack_admin: bool, at: datetime
) -> None:
    update_profile(session, team_id=team_id, user_id=user_id, name=name, tz=tz, is_slack_admin=is_slack_admin, at=at)
