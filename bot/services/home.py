"""App Home's reads: who asks and their time zone from one read of their row before the sections, then
every section reads through prepared statements on one kept connection (store/prepared.py), sharing it.
A section that needs the ORM (quotes and the work queue, only when their probe finds something) gets a
session, opened at its first use and committed with the publish."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from types import TracebackType

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.services.users import settled_zone
from store.access import Viewer
from store.db import SessionFactory, transaction
from store.prepared import Reader, reading
from store.users import read_zone_and_viewer


class HomeReads:
    """What Home's sections read with: the kept connection (`reader`), who asks, their Slack time zone,
    and a session opened at the first use of `session` (a context manager: committed on leaving it,
    rolled back on an error; nothing to do when no section asked for one)."""

    __slots__ = ("reader", "viewer", "tz", "_new_session", "_session", "_stack")

    def __init__(self, reader: Reader, viewer: Viewer, tz: str, new_session: SessionFactory) -> None:
        self.reader, self.viewer, self.tz = reader, viewer, tz
        self._new_session = new_session
        self._session: Session | None = None
        self._stack = ExitStack()

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._stack.enter_context(transaction(self._new_session))
        return self._session

    def __enter__(self) -> HomeReads:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stack.__exit__(kind, error, trace)


def home_asker(
    engine: Engine, *, team_id: str, user_id: str, admin_ids: frozenset[str], ask_zone: Callable[[], str | None]
) -> tuple[str, Viewer]:
    """The user's stored time zone and who they are (one prepared read of their row on a kept connection);
    `ask_zone` (Slack's users.info) when the profile was never fetched, called with no connection or
    transaction held, falling back to the stored zone (or UTC) when Slack does not say."""
    with reading(engine, generic_plans=True) as reader:
        known, viewer = read_zone_and_viewer(reader, team_id=team_id, user_id=user_id, admin_ids=admin_ids)
    return settled_zone(known, ask_zone), viewer


@contextmanager
def home_reads(engine: Engine, *, viewer: Viewer, tz: str, new_session: SessionFactory) -> Iterator[HomeReads]:
    """The publish's reads: a kept connection (given back after), a session only if a section asks. PostgreSQL
    runs them with their generic plans (store/prepared.py): planned once per connection, where in `auto` mode
    the open leads' page (its bound LIMIT) was planned at every Home (tests/store/test_home_reads.py checks
    the generic plans read the same indexes)."""
    with reading(engine, generic_plans=True) as reader, HomeReads(reader, viewer, tz, new_session) as reads:
        yield reads
