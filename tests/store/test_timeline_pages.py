"""The Timeline's page in one statement (store/timeline_pages.py) against the four reads it replaced, on SQLite
and PostgreSQL: the same entries for every page of records of several sizes (entries sharing a time
among them), the record's head, its count and who asks; nothing where those four reads answer otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.views.timeline import PAGE_SIZE, paginate
from store import timeline_pages
from store.activities import activity_slice
from store.db import make_engine
from store.models import Activity, Lead, Opportunity, SlackUser
from store.prepared import reading
from store.records import RecordHead
from store.timeline_pages import read_timeline_page
from tests.store.plans import plan

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
SIZES = {1: 1, 2: PAGE_SIZE, 3: PAGE_SIZE + 1, 4: 2 * PAGE_SIZE + 1, 5: 0}  # lead id: entries


def _seed(engine: sa.Engine) -> None:
    leads = [{"id": i, "team_id": "T1", "owner_id": "U1", "topic": f"Lead <{i}>"} for i in SIZES]
    entries = [{"team_id": "T1", "record_type": "lead", "record_id": i, "kind": "note", "author_id": "U2",
                "occurred_at": NOW - timedelta(minutes=n // 3), "subject": f"S{i}.{n}", "body": "", "data": {"n": n},
                "deleted": False, "created_at": NOW} for i, size in SIZES.items() for n in range(size)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(SlackUser), [{"team_id": "T1", "user_id": "U1", "role": "manager"}])
        connection.execute(sa.insert(Lead), leads)
        connection.execute(sa.insert(Opportunity), [{"id": 9, "team_id": "T2", "owner_id": "U1", "topic": "Else"}])
        connection.execute(sa.insert(Activity), entries)
        other = {**entries[0], "team_id": "T2", "record_type": "opportunity", "record_id": 9}
        connection.execute(sa.insert(Activity), [other, {**other, "record_id": 8}])  # 8: no such deal


def test_every_page_is_the_page_read_apart(database_url: str) -> None:
    engine = make_engine(database_url)
    _seed(engine)
    with reading(engine) as reader:
        for lead_id, size in SIZES.items():
            pages = max(1, -(-size // PAGE_SIZE))
            for page in range(pages + 1):
                found = read_timeline_page(reader, team_id="T1", user_id="U1", record_type="lead",
                                           record_id=lead_id, page=page, size=PAGE_SIZE)  # fmt: skip
                if page == pages or size == 0:
                    assert found is None, (lead_id, page)  # read apart: the page clamped, or no entry to show
                    continue
                offset, limit, _ = paginate(size, page)
                apart = activity_slice(reader, team_id="T1", record_type="lead", record_id=lead_id, offset=offset,
                                       limit=limit)  # fmt: skip
                assert found is not None and found.entries == apart and len(apart) > 0, (lead_id, page)
                assert (found.head, found.total, found.role) == (RecordHead("U1", f"Lead <{lead_id}>"), size,
                                                                 ("manager", False))  # fmt: skip
        stranger = read_timeline_page(reader, team_id="T1", user_id="U9", record_type="lead", record_id=4, page=0,
                                      size=PAGE_SIZE)  # fmt: skip
        assert stranger is not None and stranger.role == (None, None)  # no row: viewer_of_role's rep
        for team, kind, record in (("T1", "opportunity", 9), ("T2", "opportunity", 8), ("T2", "lead", 4),
                                   ("T1", "quote", 1)):  # fmt: skip
            gone = read_timeline_page(reader, team_id=team, user_id="U1", record_type=kind, record_id=record, page=0,
                                      size=PAGE_SIZE)  # fmt: skip
            assert gone is None, (team, kind, record)  # another workspace's, or entries of no record
        assert read_timeline_page(reader, team_id="T2", user_id="U1", record_type="opportunity", record_id=9,
                                  page=0, size=PAGE_SIZE) is not None  # fmt: skip
        values = {"team": "T1", "user": "U1", "type": "lead", "id": 4, "limit": 15, "offset": 0}
        steps = plan(reader, timeline_pages._statement("lead"), values)
    assert any("ix_activity_record" in step for step in steps), steps
    assert not any("Seq Scan on activity" in step or step.startswith("SCAN activity") for step in steps), steps
    if engine.dialect.name == "sqlite":  # newest first along the index (the rowid breaks ties): no sort
        assert not any("TEMP B-TREE" in step for step in steps), steps
    engine.dispose()
