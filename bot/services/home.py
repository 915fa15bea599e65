"""App Home's reads: who asks, their time zone and the workspace's process library version from one
statement before the sections, then every section reads through prepared statements on one kept
connection (store/prepared.py), sharing it; the quotes' and the work queue's probes are one statement
(store/home_probes.py). A section that needs the ORM (quotes and the work queue, only when their probe
finds something) gets a session, opened at its first use and committed with the publish."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from types import TracebackType
from typing import NamedTuple

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.domain.assistant import day_bounds, local_date
from bot.services.users import settled_zone
from store.access import Viewer
from store.db import SessionFactory, transaction
from store.home_probes import HomeProbes, read_home_probes
from store.prepared import Reader, reading
from store.users import read_home_asker


class HomeAsk(NamedTuple):
    """Who opens App Home, read once before the sections: their viewer, their settled time zone and the
    workspace's process library version (None: never uploaded)."""

    tz: str
    viewer: Viewer
    library_version: int | None


class HomeReads:
    """What Home's sections read with: the kept connection (`reader`), who asks (`ask`: viewer, zone, the
    process library's version), the moment of the publish (`now`), the probes of the quotes and the work
    queue (read once, by the first section that asks), and a session opened at the first use of `session`
    (a context manager: committed on leaving it, rolled back on an error; nothing to do when no section
    asked for one)."""

    __slots__ = ("reader", "ask", "now", "_new_session", "_session", "_stack", "_day", "_probes")

    def __init__(self, reader: Reader, ask: HomeAsk, now: datetime, new_session: SessionFactory) -> None:
        self.reader, self.ask, self.now = reader, ask, now
        self._new_session = new_session
        self._session: Session | None = None
        self._stack = ExitStack()
        self._day: tuple[datetime, datetime] | None = None
        self._probes: HomeProbes | None = None

    @property
    def viewer(self) -> Viewer:
        return self.ask.viewer

    @property
    def tz(self) -> str:
        return self.ask.tz

    @property
    def day(self) -> tuple[datetime, datetime]:
        """The user's today in UTC: [local midnight, next local midnight)."""
        if self._day is None:
            self._day = day_bounds(local_date(self.now, self.tz), self.tz)
        return self._day

    @property
    def probes(self) -> HomeProbes:
        if self._probes is None:
            self._probes = read_home_probes(
                self.reader, team_id=self.viewer.team_id, user_id=self.viewer.user_id, today=self.now.date(),
                now=self.now, day_end=self.day[1],
            )  # fmt: skip
        return self._probes

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
) -> HomeAsk:
    """The user's stored time zone, who they are and the library version (one prepared read on a kept
    connection); `ask_zone` (Slack's users.info) when the profile was never fetched, called with no
    connection or transaction held, falling back to the stored zone (or UTC) when Slack does not say."""
    with reading(engine, generic_plans=True) as reader:
        found = read_home_asker(reader, team_id=team_id, user_id=user_id, admin_ids=admin_ids)
    return HomeAsk(settled_zone(found.zone, ask_zone), found.viewer, found.library_version)


@contextmanager
def home_reads(engine: Engine, *, ask: HomeAsk, now: datetime, new_session: SessionFactory) -> Iterator[HomeReads]:
    """The publish's reads: a kept connection (given back after), a session only if a section asks. PostgreSQL
    runs them with their generic plans (store/prepared.py): planned once per connection, where in `auto` mode
    the open leads' page (its bound LIMIT) was planned at every Home (tests/store/test_home_reads.py checks
    the generic plans read the same indexes)."""
    with reading(engine, generic_plans=True) as reader, HomeReads(reader, ask, now, new_session) as reads:
        yield reads
