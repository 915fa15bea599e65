"""App Home's probes, one statement: is there a quote to show, an open task of the user due, an appointment
of the workspace scheduled in the work queue's window. A section whose probe says no reads nothing more (and
opens no ORM session); on PostgreSQL each statement is a round trip that costs the backend 30-45 µs of CPU
when the client works between them (docs/performance.md), so the three answers come back in one."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa

from store.prepared import PreparedQuery, Reader
from store.quotes import waiting_for_home
from store.tasks import OVERDUE_LOOKBACK, QueueProbe, queue_probe_columns


class HomeProbes(NamedTuple):
    quotes: bool  # a quote waits for the user's approval, or one of theirs expired (`today`: UTC's date)
    queue: QueueProbe  # the work queue's window: tasks due, appointments scheduled (say maybe)


def _probes() -> sa.Select[tuple[bool, bool, bool]]:
    team, user = sa.bindparam("team", type_=sa.String), sa.bindparam("user", type_=sa.String)
    quotes = waiting_for_home(team, user, sa.bindparam("today"))
    return sa.select(quotes, *queue_probe_columns(team, user, sa.bindparam("start"), sa.bindparam("end")))


_PROBES = PreparedQuery(_probes())


def read_home_probes(
    reader: Reader, *, team_id: str, user_id: str, today: date, now: datetime, day_end: datetime
) -> HomeProbes:
    """The probes of App Home's quotes and work queue (the queue's window: the last OVERDUE_LOOKBACK up to
    the end of the user's today, `day_end`)."""
    values = {"team": team_id, "user": user_id, "today": today, "start": now - OVERDUE_LOOKBACK, "end": day_end}
    quotes, tasks, appointments = reader.all(_PROBES, values)[0]
    return HomeProbes(bool(quotes), QueueProbe(bool(tasks), bool(appointments)))
