"""Reads by a record, a contact or a channel (migration 0023_busy_workspace_reads) on SQLite and PostgreSQL: a
card's posted copies, a contact's deals and linked stakeholders, the sequences' active enrollment counts,
whether a channel is a deal room. Each finds only its rows and reads them along its index, not every row of
the workspace (a busy workspace has hundreds of thousands of posted cards and a million deals:
bench/busy_rep.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from store import contacts as contact_store
from store.activities import posts_of
from store.db import make_engine, session_factory, transaction
from store.deal_rooms import room_in_channel
from store.models import DealRoom, Enrollment, Opportunity, Post, Stakeholder
from store.sequences import active_enrollment_counts
from tests.store.plans import analyze

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
MANY = 3_000


def _seed(engine: Any) -> None:
    posts = [{"team_id": "T1", "record_type": "lead", "record_id": n, "channel": f"D{n % 40}", "ts": f"1.{n}",
              "kind": "card"} for n in range(MANY)]  # fmt: skip
    posts += [{**posts[0], "record_type": "opportunity", "record_id": 7, "ts": f"2.{n}"} for n in range(3)]
    posts += [{**posts[0], "team_id": "T2", "record_type": "opportunity", "record_id": 7, "ts": "3.0"}]
    opps = [{"team_id": "T1", "topic": f"Deal {n}", "owner_id": "U1", "status": "open", "stage": "Develop",
             "process_name": "p", "search_text": "", "contact_id": 5 if n % 200 == 0 else n + 10}
            for n in range(MANY)]  # fmt: skip
    opps += [{**opps[0], "team_id": "T2"}]
    people = [{"team_id": "T1", "record_type": "lead", "record_id": n, "role": "influencer", "name": "x",
               "contact_id": 5 if n < 3 else n + 10} for n in range(MANY)]  # fmt: skip
    enrolled = [{"team_id": "T1", "sequence_id": n % 3, "sequence_name": "s", "record_type": "lead", "record_id": n,
                 "owner_id": "U1", "status": "active" if n % 10 == 0 else "completed"}
                for n in range(MANY)]  # fmt: skip
    rooms = [{"team_id": "T1", "opportunity_id": n, "channel_id": f"CROOM{n}", "name": f"deal-{n}",
              "status": "archived" if n % 10 else "open"} for n in range(MANY)]  # fmt: skip
    tables = ((Post, posts), (Opportunity, opps), (Stakeholder, people), (Enrollment, enrolled), (DealRoom, rooms))
    with engine.begin() as connection:
        for table, rows in tables:
            connection.execute(sa.insert(table), rows)
    analyze(engine, "post", "opportunity", "stakeholder", "enrollment", "deal_room")


def _plans(engine: Any, sent: list[tuple[str, Any]]) -> list[str]:
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        return [" / ".join(str(row[-1]) for row in connection.exec_driver_sql(explain + s, p)) for s, p in sent]


def test_cards_contacts_and_sequences_read_along_their_indexes(database_url: str) -> None:
    engine = make_engine(database_url)
    _seed(engine)
    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        sent.append((args[2], args[3]))

    sa.event.listen(engine, "before_cursor_execute", record)
    with transaction(session_factory(engine)) as session:
        copies = posts_of(session, team_id="T1", record_type="opportunity", record_id=7)
        deals = contact_store.opportunities_of_contact(session, team_id="T1", contact_id=5, limit=10)
        linked = contact_store.stakeholders_of_contact(session, team_id="T1", contact_id=5)
        counts = active_enrollment_counts(session, team_id="T1")
        room = room_in_channel(session, team_id="T1", channel_id="CROOM20")
        none = room_in_channel(session, team_id="T1", channel_id="CGENERAL")
    assert [p.ts for p in copies] == ["2.0", "2.1", "2.2"]
    assert [d.topic for d in deals] == [f"Deal {n}" for n in range(0, 2000, 200)]
    assert [s.record_id for s in linked] == [0, 1, 2] and counts == {0: 100, 1: 100, 2: 100}
    assert room is not None and room.opportunity_id == 20 and none is None
    sa.event.remove(engine, "before_cursor_execute", record)
    plans = _plans(engine, sent)
    indexes = ["ix_post_record", "ix_opportunity_contact", "ix_stakeholder_contact", "", "ix_deal_room_channel"]
    for index, found in zip(indexes, plans, strict=False):
        assert index in found, found
    if engine.dialect.name == "sqlite":  # PostgreSQL may read a tenth of a small table's rows either way
        assert "COVERING INDEX ix_enrollment_team_status_sequence" in plans[3], plans[3]
    engine.dispose()
