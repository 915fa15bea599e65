"""App Home's reads: who asks and their time zone from one read of their row before the transaction, then
every section reads in the publish's one transaction, mostly through prepared statements on its
connection (store/prepared.py), sharing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.access import Viewer
from store.prepared import Reader, reading, session_reader
from store.users import read_zone_and_viewer


@dataclass(frozen=True)
class HomeReads:
    session: Session
    reader: Reader  # the session's connection
    viewer: Viewer
    tz: str  # the user's Slack time zone


def home_asker(
    engine: Engine, *, team_id: str, user_id: str, admin_ids: frozenset[str], ask_zone: Callable[[], str | None]
) -> tuple[str, Viewer]:
    """The user's stored time zone and who they are (one prepared read of their row on a kept connection);
    `ask_zone` (Slack's users.info) when the profile was never fetched, called with no connection or
    transaction held, falling back to the stored zone (or UTC) when Slack does not say."""
    with reading(engine) as reader:
        known, viewer = read_zone_and_viewer(reader, team_id=team_id, user_id=user_id, admin_ids=admin_ids)
    if known is not None and known.fetched:
        return known.tz, viewer
    tz = ask_zone()
    if tz is None:
        tz = known.tz if known is not None else "UTC"
    return tz, viewer


def home_reads(session: Session, *, viewer: Viewer, tz: str) -> HomeReads:
    """The publish's transaction and its connection, with who asks and their time zone (`home_asker`)."""
    return HomeReads(session, session_reader(session), viewer, tz)
