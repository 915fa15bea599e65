"""App Home's reads: every section reads in the publish's one transaction, mostly through prepared
statements on its connection (store/prepared.py), sharing who asks and their time zone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from store.access import Viewer
from store.prepared import Reader, session_reader
from store.users import read_viewer, read_zone


@dataclass(frozen=True)
class HomeReads:
    session: Session
    reader: Reader  # the session's connection
    viewer: Viewer
    tz: str  # the user's Slack time zone


def home_reads(
    session: Session, *, team_id: str, user_id: str, admin_ids: frozenset[str], ask_zone: Callable[[], str | None]
) -> HomeReads:
    """Who asks, and their stored time zone; `ask_zone` (Slack's users.info) when the profile was never
    fetched, else the stored zone (or UTC)."""
    reader = session_reader(session)
    viewer = read_viewer(reader, team_id=team_id, user_id=user_id, admin_ids=admin_ids)
    known = read_zone(reader, team_id=team_id, user_id=user_id)
    tz = known.tz if known is not None and known.fetched else ask_zone()
    if tz is None:
        tz = known.tz if known is not None else "UTC"
    return HomeReads(session, reader, viewer, tz)
