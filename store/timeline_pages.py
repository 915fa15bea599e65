"""The Timeline's page in one read: a click on a record's Timeline (or a page of it) needs who asks, the
record's owner and topic, how many entries it has and the page's entries. Independent of each other, they are
one statement here (the head, the count and the role as columns of the page's rows, each evaluated once),
where four ran (a round trip each on PostgreSQL). The page is read newest first (`OFFSET page × size`) and
turned round: the same entries as bot.views.timeline.paginate's oldest-first slice of the same page."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import sqlalchemy as sa

from store.activities import ENTRY, OF_RECORD, TimelineEntry, entries_of
from store.models import Activity
from store.prepared import PreparedQuery, Reader
from store.records import MODELS, RecordHead, head_columns
from store.users import role_columns

_ACT = Activity.__table__  # type: ignore[attr-defined]
_TEAM, _USER = sa.bindparam("team", type_=sa.String), sa.bindparam("user", type_=sa.String)
_RECORD = sa.bindparam("id", type_=sa.Integer)


class TimelineRead(NamedTuple):
    """What the Timeline shows and checks, as one statement read it."""

    head: RecordHead
    role: tuple[Any, Any]  # store.users.role_columns of who asks, for viewer_of_role
    total: int  # the record's entries
    entries: list[TimelineEntry]  # the page's, oldest first


@functools.cache
def _statement(record_type: str) -> PreparedQuery:
    """The record's entries newest first from `offset` (along ix_activity_record), each row with the record's
    head, its entry count and who asks's role (uncorrelated scalar subqueries: evaluated once)."""
    count = sa.select(sa.func.count()).select_from(_ACT).where(*OF_RECORD).scalar_subquery()
    extra = (count.label("total"), *head_columns(record_type, _TEAM, _RECORD), *role_columns(_TEAM, _USER))
    page = sa.select(*ENTRY, *extra).where(*OF_RECORD).order_by(_ACT.c.occurred_at.desc(), _ACT.c.id.desc())
    return PreparedQuery(page.limit(sa.bindparam("limit", type_=sa.Integer)).offset(sa.bindparam("offset")))


def read_timeline_page(
    reader: Reader, *, team_id: str, user_id: str, record_type: str, record_id: int, page: int, size: int
) -> TimelineRead | None:
    """Page `page` (counted from the newest, 0 or more) of the record's timeline with its head, entry count
    and who asks; None when that page holds no entry (a record without any, a page past the last, or no such
    record): the caller reads those apart."""
    if record_type not in MODELS or page < 0:
        return None
    values = {"team": team_id, "user": user_id, "type": record_type, "id": record_id, "offset": page * size,
              "limit": size}  # fmt: skip
    rows = reader.all(_statement(record_type), values)
    if not rows:
        return None
    total, owner, topic, *role = rows[0][len(ENTRY) :]
    if owner is None:  # entries of no record (of this workspace)
        return None
    return TimelineRead(RecordHead(str(owner), str(topic)), (role[0], role[1]), int(total),
                        entries_of(reader.dialect, rows[::-1]))  # fmt: skip
