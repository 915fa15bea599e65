"""List queries and text search on SQLite and PostgreSQL: lists in index order with a capped count,
searches through the text index (FTS5 trigram / pg_trgm) that follow inserts, edits and deletes and
keep LIKE's meaning (substring of the folded text, wildcards literal, short queries too)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from bot.domain.text import fold, search_text
from store import leads as lead_store
from store import opportunities as opp_store
from store.access import Viewer
from store.db import make_engine, session_factory, transaction
from store.listing import COUNT_CAP
from store.models import Lead, Opportunity
from store.prepared import reading

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
REP = Viewer(team_id="T1", user_id="U1")


def _lead(topic: str, company: str = "", *, owner: str = "U1", team: str = "T1", minutes: int = 0) -> Lead:
    at = T0 + timedelta(minutes=minutes)
    return Lead(team_id=team, owner_id=owner, topic=topic, company=company,
                search_text=search_text(topic, company), created_at=at, updated_at=at)  # fmt: skip


def _found(session: sa.orm.Session, query: str) -> list[str]:
    return sorted(lead.topic for lead in lead_store.search_leads(session, viewer=REP, folded=fold(query)))


def test_search_follows_inserts_edits_and_deletes_through_the_text_index(database_url: str) -> None:
    new_session = session_factory(make_engine(database_url))
    with transaction(new_session) as session:
        session.add_all([_lead("Espresso machines", "Café Müller"), _lead("Grinders", "Bean & Co"),
                         _lead("Other team", "Café Müller", team="T2"), _lead("50%_off deal", "Acme")])  # fmt: skip
    with transaction(new_session) as session:
        assert _found(session, "MULLER") == ["Espresso machines"]  # accent- and case-insensitive
        assert _found(session, "café mü") == ["Espresso machines"]
        assert _found(session, "be") == ["Grinders"]  # shorter than a trigram: still found
        assert _found(session, "0%_") == ["50%_off deal"]  # wildcards are literal
        assert _found(session, '"') == [] and _found(session, 'a"b') == []
        grinders = session.exec(sa.select(Lead).where(Lead.topic == "Grinders")).scalars().one()  # type: ignore[call-overload]
        grinders.search_text = search_text("Grinders", "Kaffee Rösterei")
    with transaction(new_session) as session:
        assert _found(session, "roster") == ["Grinders"]
        assert _found(session, "bean & co") == []
        session.execute(sa.delete(Lead).where(Lead.topic == "Grinders"))  # type: ignore[arg-type]
    with transaction(new_session) as session:
        assert _found(session, "roster") == []
        assert lead_store.count_search_leads(session, viewer=REP, folded=fold("café")) == 1


def test_open_leads_newest_first_with_a_count_capped_past_the_limit(database_url: str) -> None:
    engine = make_engine(database_url)
    new_session = session_factory(engine)
    with transaction(new_session) as session:
        session.add_all([_lead(f"L{i}", minutes=i) for i in range(25)] + [_lead("theirs", owner="U2", minutes=99)])
    with reading(engine) as reader:
        page, total = lead_store.open_leads(reader, team_id="T1", owner_id="U1", limit=20)
        assert [lead.topic for lead in page][:3] == ["L24", "L23", "L22"] and (len(page), total) == (20, 25)
        assert lead_store.open_leads(reader, team_id="T1", owner_id="U2", limit=20)[1] == 1
    rows = [{"team_id": "T1", "owner_id": "U3", "topic": "bulk", "created_at": T0, "updated_at": T0}]
    with engine.begin() as connection:
        connection.execute(sa.insert(Lead), rows * (COUNT_CAP + 5))
    with reading(engine) as reader:
        assert lead_store.open_leads(reader, team_id="T1", owner_id="U3", limit=20)[1] == COUNT_CAP + 1


def test_open_opportunities_by_close_date_undated_last(database_url: str) -> None:
    new_session = session_factory(make_engine(database_url))
    days = [date(2026, 9, 1), None, date(2026, 8, 1), None, date(2026, 8, 1)]
    with transaction(new_session) as session:
        session.add_all([Opportunity(team_id="T1", owner_id="U1", topic=f"O{i}", estimated_close_date=day,
                                     search_text=fold(f"O{i} Rösterei")) for i, day in enumerate(days)])  # fmt: skip
    with transaction(new_session) as session:
        listed = opp_store.open_opportunities(session, team_id="T1", owner_id="U1")
        assert [o.topic for o in listed] == ["O2", "O4", "O0", "O1", "O3"]
        assert [o.topic for o in opp_store.open_opportunities(session, team_id="T1", owner_id="U1", limit=4)] == [
            "O2", "O4", "O0", "O1"
        ]  # fmt: skip
        assert len(opp_store.search_opportunities(session, viewer=REP, folded=fold("ROSTEREI"))) == 5


def test_list_and_search_plans_read_the_indexes(database_url: str) -> None:
    engine = make_engine(database_url)
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner picks by statistics; the GIN indexes are checked by the migration test
    with transaction(session_factory(engine)) as session:
        list_query = sa.select(Lead.id).where(Lead.team_id == "T1", Lead.owner_id == "U1", Lead.status == "open")  # type: ignore[arg-type]
        search = sa.select(Lead.id).where(lead_store._search(session, REP, "muller"))
        for query, expected in ((list_query.order_by(sa.desc(Lead.updated_at)), "ix_lead_owner_recent"),  # type: ignore[arg-type]
                                (search, "VIRTUAL TABLE INDEX")):  # fmt: skip
            compiled = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(row[-1]) for row in session.execute(sa.text("EXPLAIN QUERY PLAN " + compiled)))
            assert expected in plan and "TEMP B-TREE" not in plan, plan
