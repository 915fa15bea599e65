"""Timeline entries of leads and opportunities."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col, select

from store.models import Activity, Post, utcnow
from store.prepared import PreparedQuery, Reader


def add_activity(
    session: Session,
    *,
    team_id: str,
    record_type: str,
    record_id: int,
    kind: str,
    author_id: str = "",
    subject: str = "",
    body: str = "",
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    slack_channel: str | None = None,
    slack_ts: str | None = None,
) -> Activity:
    activity = Activity(
        team_id=team_id,
        record_type=record_type,
        record_id=record_id,
        kind=kind,
        author_id=author_id,
        subject=subject,
        body=body,
        data=data or {},
        occurred_at=occurred_at or utcnow(),
        slack_channel=slack_channel,
        slack_ts=slack_ts,
    )
    session.add(activity)
    session.flush()
    return activity


def copy_timeline(
    session: Session, *, team_id: str, source: tuple[str, int], target: tuple[str, int], data: dict[str, Any]
) -> int:
    """Copy the `source` record's timeline onto the `target` record, oldest first, each copy without its Slack
    message id and with `data` added to its own: read and written as rows in two statements (qualifying a
    lead with thousands of entries built each as an ORM object, then inserted it as one). Returns how many."""
    session.flush()  # entries the transaction added are copied too
    table = Activity.__table__  # type: ignore[attr-defined]
    query = sa.select(table).where(_record_filter(team_id, *source)).order_by(table.c.occurred_at, table.c.id)
    copies = [
        {**row, "record_type": target[0], "record_id": target[1], "slack_channel": None, "slack_ts": None,
         "data": {**(row["data"] or {}), **data}}
        for row in session.execute(query).mappings()
    ]  # fmt: skip
    for copy in copies:
        del copy["id"]
    if copies:
        session.execute(sa.insert(table), copies)
    return len(copies)


def _record_filter(team_id: str, record_type: str, record_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Activity.team_id) == team_id, col(Activity.record_type) == record_type, col(Activity.record_id) == record_id
    )


class TimelineEntry(NamedTuple):
    """A timeline entry as the Timeline shows it (a tuple: read outside the ORM)."""

    kind: str
    author_id: str
    occurred_at: datetime
    subject: str
    body: str
    data: dict[str, Any]
    deleted: bool


_ACT = Activity.__table__  # type: ignore[attr-defined]
ENTRY = (_ACT.c.kind, _ACT.c.author_id, _ACT.c.occurred_at, _ACT.c.subject, _ACT.c.body, _ACT.c.data, _ACT.c.deleted)
OF_RECORD = (
    _ACT.c.team_id == sa.bindparam("team", type_=sa.String),
    _ACT.c.record_type == sa.bindparam("type", type_=sa.String),
    _ACT.c.record_id == sa.bindparam("id", type_=sa.Integer),
)
# Both along ix_activity_record (team_id, record_type, record_id, occurred_at): the count from the index
# alone, the page in its order (SQLite: the rowid breaks ties in the index, no sort).
_COUNT_SQL = PreparedQuery(sa.select(sa.func.count()).select_from(_ACT).where(*OF_RECORD))
_PAGE_SQL = PreparedQuery(
    sa.select(*ENTRY)
    .where(*OF_RECORD)
    .order_by(_ACT.c.occurred_at, _ACT.c.id)
    .limit(sa.bindparam("limit", type_=sa.Integer))
    .offset(sa.bindparam("offset", type_=sa.Integer))
)
_ENTRY_PROCESSORS: dict[str, list[Callable[[Any], Any] | None]] = {}


def count_activities(reader: Reader, *, team_id: str, record_type: str, record_id: int) -> int:
    return int(reader.scalar(_COUNT_SQL, {"team": team_id, "type": record_type, "id": record_id}) or 0)


def activity_slice(
    reader: Reader, *, team_id: str, record_type: str, record_id: int, offset: int, limit: int
) -> list[TimelineEntry]:
    """Entries `offset`..`offset+limit` in chronological order (oldest first), outside the ORM; their
    columns converted as SQLAlchemy reads them (aware UTC datetimes, JSON data, booleans)."""
    values = {"team": team_id, "type": record_type, "id": record_id, "offset": offset, "limit": limit}
    return entries_of(reader.dialect, reader.all(_PAGE_SQL, values))


def entries_of(dialect: Dialect, rows: list[tuple[Any, ...]]) -> list[TimelineEntry]:
    """Rows starting with the `ENTRY` columns as TimelineEntry, their columns converted as SQLAlchemy reads
    them."""
    convert = _entry_processors(dialect)
    # strict=False: a row may carry more columns after the entry's
    return [TimelineEntry(*(fn(v) if fn else v for fn, v in zip(convert, row, strict=False))) for row in rows]


def _entry_processors(dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    found = _ENTRY_PROCESSORS.get(dialect.name)
    if found is None:
        found = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in ENTRY]
        _ENTRY_PROCESSORS[dialect.name] = found
    return found


def recent_activity_count(
    session: Session, *, team_id: str, record_type: str, record_id: int, since: datetime, kinds: tuple[str, ...]
) -> int:
    query = (
        select(sa.func.count())
        .select_from(Activity)
        .where(
            _record_filter(team_id, record_type, record_id),
            col(Activity.occurred_at) >= since,
            col(Activity.kind).in_(kinds),
            col(Activity.deleted).is_(False),
        )
    )
    return int(session.exec(query).one())


def find_post(session: Session, *, team_id: str, channel: str, ts: str) -> Post | None:
    return session.exec(select(Post).where(Post.team_id == team_id, Post.channel == channel, Post.ts == ts)).first()


def posts_of(session: Session, *, team_id: str, record_type: str, record_id: int) -> list[Post]:
    query = select(Post).where(Post.team_id == team_id, Post.record_type == record_type, Post.record_id == record_id)
    return list(session.exec(query.order_by(col(Post.id))))


def find_reply(session: Session, *, team_id: str, channel: str, ts: str) -> Activity | None:
    query = select(Activity).where(
        Activity.team_id == team_id,
        Activity.slack_channel == channel,
        Activity.slack_ts == ts,
        Activity.kind == "reply",
    )
    return session.exec(query).first()


def record_post(
    session: Session,
    *,
    team_id: str,
    record_type: str,
    record_id: int,
    channel: str,
    ts: str,
    kind: str = "card",
) -> Post:
    post = Post(team_id=team_id, record_type=record_type, record_id=record_id, channel=channel, ts=ts, kind=kind)
    session.add(post)
    session.flush()
    return post


def record_question_post(session: Session, *, team_id: str, activity_id: int, ts: str, permalink: str | None) -> None:
    """The "Asked colleagues" entry learns where its question was posted (replies follow that thread)."""
    activity = session.get(Activity, activity_id)
    if activity is not None and activity.team_id == team_id:
        activity.slack_ts, activity.data = ts, {"permalink": permalink}
        session.add(activity)
