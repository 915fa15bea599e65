"""App Home's reads: every section reads in the publish's one transaction, mostly through prepared
statements on its connection (store/prepared.py), sharing who asks and their time zone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.access import Viewer
from store.prepared import Reader, reading, session_reader
from store.users import read_viewer, read_zone


@dataclass(frozen=True)
class HomeReads:
    session: Session
    reader: Reader  # the session's connection
    viewer: Viewer
    tz: str  # the user's Slack time zone


def home_zone(engine: Engine, *, team_id: str, user_id: str, ask_zone: Callable[[], str | None]) -> str:
    """The user's stored time zone (a prepared read on a kept connection); `ask_zone` (Slack's
    users.info) when the profile was never fetched, called with no connection or transaction held,
    falling back to the stored zone (or UTC) when Slack does not say."""
    with reading(engine) as reader:
        known = read_zone(reader, team_id=team_id, user_id=user_id)
    if known is not None and known.fetched:
        return known.tz
    tz = ask_zone()
    if tz is None:
        tz = known.tz if known is not None else "UTC"
    return tz


def home_reads(session: Session, *, team_id: str, user_id: str, admin_ids: frozenset[str], tz: str) -> HomeReads:
    """Who asks (on the session's connection), with their time zone (`home_zone`)."""
    reader = session_reader(session)
    viewer = read_viewer(reader, team_id=team_id, user_id=user_id, admin_ids=admin_ids)
    return HomeReads(session, reader, viewer, tz)
