"""List queries and text search on SQLite and PostgreSQL: lists in index order with a capped count,
searches through the text index (FTS5 trigram / pg_trgm) that follow inserts, edits and deletes and
keep LIKE's meaning (substring of the folded text, wildcards literal, short queries too)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.domain.text import fold, search_text
from store import leads as lead_store
from store import opportunities as opp_store
from store import planning
from store.access import Viewer
from store.db import make_engine, session_factory, transaction
from store.listing import COUNT_CAP, SEARCH_COUNT_CAP
from store.models import Lead, Opportunity, SalesTeamMember, Share, TeamShare
from store.prepared import reading
from store.text_search import INDEXED_TEXT_BYTES
from store.users import Asker, read_viewer
from tests import factories as make
from tests.store.plans import generic_plan

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


def _row(topic: str, company: str, *, owner: str = "U1", status: str = "open", at: datetime = T0) -> dict[str, Any]:
    text = search_text(topic, company)
    return {"team_id": "T1", "owner_id": owner, "topic": topic, "status": status, "search_text": text,
            "created_at": T0, "updated_at": at}  # fmt: skip


def _seed_for_search(engine: sa.Engine) -> None:
    """U1's leads with "bulk roast" in their text (more than a search counts; mixed statuses, one draft),
    three with "rare roast", and U2's leads: one shared with U1, one shared with U1's sales team (both
    the most recently updated), one not shared; a "bulk roast" lead in another workspace."""
    statuses = ("open", "open", "qualified", "disqualified", "open")
    rows = [
        _row(f"B{i}", "Bulk Roasters", status=statuses[i % 5], at=T0 + timedelta(minutes=i % 40, seconds=i))
        for i in range(SEARCH_COUNT_CAP + 30)
    ]
    rows[7]["status"] = "draft"
    rows += [
        _row(f"R{i}", "Rare Roasters", status="open" if i else "qualified", at=T0 + timedelta(hours=i))
        for i in range(3)
    ]
    late = T0 + timedelta(days=1)
    theirs = [("S1", "Bulk Roasters"), ("S2", "Rare Roasters"), ("S3", "Bulk Roasters"), ("S4", "Rare Roasters")]
    rows += [
        _row(topic, company, owner="U2", at=late + timedelta(minutes=n)) for n, (topic, company) in enumerate(theirs)
    ]
    rows.append({**_row("Elsewhere", "Bulk Roasters", at=late), "team_id": "T2"})
    with engine.begin() as connection:
        connection.execute(sa.insert(Lead), rows)
        ids = dict(connection.execute(sa.select(Lead.topic, Lead.id).where(Lead.team_id == "T1")).all())  # type: ignore[call-overload]
        shares = [{"team_id": "T1", "record_type": "lead", "record_id": ids[t], "user_id": "U1"} for t in ("S1", "S2")]
        connection.execute(sa.insert(Share), shares)
        connection.execute(sa.insert(SalesTeamMember), [{"team_id": "T1", "sales_team_id": 5, "user_id": "U1"}])
        team_share = {"team_id": "T1", "record_type": "lead", "record_id": ids["S3"], "sales_team_id": 5}
        connection.execute(sa.insert(TeamShare), [team_share])


def test_a_reps_search_shows_open_then_recent_hits_and_caps_its_count(database_url: str) -> None:
    """Both plans of a rep's search (a text in many leads: the walk of the rep's index; in few: the text
    index's hits) answer like the general search path: the same page in the same order, drafts, other
    reps' unshared leads and other workspaces left out, the count exact up to SEARCH_COUNT_CAP."""
    engine = make_engine(database_url)
    _seed_for_search(engine)
    with reading(engine) as reader, transaction(session_factory(engine)) as session:
        for query, expected_total in (("bulk roast", SEARCH_COUNT_CAP + 1), ("rare roast", 4), ("none", 0)):
            found = lead_store.search_summaries(reader, viewer=REP, folded=fold(query), limit=10)
            assert found is not None
            page, total = found
            general = lead_store.search_leads(session, viewer=REP, folded=fold(query), limit=10)
            assert [lead.id for lead in page] == [lead.id for lead in general]
            assert min(total, SEARCH_COUNT_CAP + 1) == expected_total
            assert lead_store.count_search_leads(session, viewer=REP, folded=fold(query)) == expected_total
        bulk = lead_store.search_summaries(reader, viewer=REP, folded="bulk roast", limit=10)
        assert bulk is not None and [lead.topic for lead in bulk[0][:2]] == ["S3", "S1"]  # shared, most recent
        assert all(lead.status == "open" for lead in bulk[0])
        rare = lead_store.search_summaries(reader, viewer=REP, folded="rare roast", limit=10)
        assert rare is not None and [lead.topic for lead in rare[0]] == ["S2", "R2", "R1", "R0"]  # open first


def test_a_reps_search_counts_past_the_cap_from_its_probe_only_when_every_probed_hit_is_theirs(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe reads the text index's first SEARCH_COUNT_CAP + 1 hits of every workspace; when all are
    the rep's own leads (not drafts, in the workspace) the rep has more than SEARCH_COUNT_CAP and the walk
    reads only the page. Exactly SEARCH_COUNT_CAP of theirs and a hit first in the index that they would
    not count (a draft of theirs, another rep's unshared lead, an unassigned one, another workspace's) are
    counted by the walk: SEARCH_COUNT_CAP, not "100+"; one more of theirs is "100+", counted by the walk
    all the same."""
    engine = make_engine(database_url)
    others = {"draft": {"status": "draft"}, "theirs": {"owner_id": "U2"}, "unassigned": {"owner_id": ""},
              "elsewhere": {"team_id": "T2"}, "mine": {}}  # fmt: skip
    with engine.begin() as connection:
        for case, changes in others.items():
            company = f"{case} Roasters"
            connection.execute(sa.insert(Lead), [{**_row(f"{case}-x", company, at=T0 + timedelta(days=1)), **changes}])
            rows = [_row(f"{case}{i}", company, at=T0 + timedelta(minutes=i)) for i in range(SEARCH_COUNT_CAP)]
            connection.execute(sa.insert(Lead), rows)
    with reading(engine, generic_plans=True) as reader, transaction(session_factory(engine)) as session:
        ran: list[Any] = []
        run = reader.all
        monkeypatch.setattr(reader, "all", lambda query, values: ran.append(query) or run(query, values))
        for case in others:
            for extra in (False, True):
                if extra:
                    session.add(_lead(f"{case}-more", f"{case} Roasters", minutes=-1))
                    session.commit()
                ran.clear()
                found = lead_store.search_summaries(reader, viewer=REP, folded=fold(f"{case} roast"), limit=10)
                assert found is not None
                general = lead_store.search_leads(session, viewer=REP, folded=fold(f"{case} roast"), limit=10)
                assert [lead.id for lead in found[0]] == [lead.id for lead in general] != [], case
                mine = case == "mine"  # its lead "-x" is the rep's own too: SEARCH_COUNT_CAP + 1 of theirs
                assert found[1] == (SEARCH_COUNT_CAP + 1 if extra or mine else SEARCH_COUNT_CAP), case
                assert (lead_store._WALK_PAGE in ran, lead_store._WALK in ran) == (mine, not mine), case


def test_a_reps_search_walk_finds_texts_too_long_for_its_index(database_url: str) -> None:
    """PostgreSQL's walk index holds texts of at most INDEXED_TEXT_BYTES (a B-tree entry's limit): leads
    with longer texts (here 2,400+ bytes of CJK) are walked along ix_lead_owner_search_long and merged in
    display order, so the page and the count are the general path's whichever index holds a lead."""
    engine = make_engine(database_url)
    long_company = "Bulk Roasters " + "咖啡" * 400
    assert len(search_text("B0", long_company).encode()) > INDEXED_TEXT_BYTES
    rows = [_row(f"B{i}", long_company if i % 3 == 0 else "Bulk Roasters", at=T0 + timedelta(minutes=i))
            for i in range(SEARCH_COUNT_CAP + 20)]  # fmt: skip
    rows += [_row("L0", long_company, status="qualified", at=T0 + timedelta(days=1))]
    with engine.begin() as connection:
        connection.execute(sa.insert(Lead), rows)
    with reading(engine, generic_plans=True) as reader, transaction(session_factory(engine)) as session:
        for query, limit in (("bulk roast", 10), ("bulk roast", SEARCH_COUNT_CAP), ("咖啡咖", SEARCH_COUNT_CAP)):
            found = lead_store.search_summaries(reader, viewer=REP, folded=fold(query), limit=limit)
            assert found is not None
            general = lead_store.search_leads(session, viewer=REP, folded=fold(query), limit=limit)
            assert [lead.id for lead in found[0]] == [lead.id for lead in general]
            expected = min(len(rows), SEARCH_COUNT_CAP + 1) if query == "bulk roast" else 41
            counted = lead_store.count_search_leads(session, viewer=REP, folded=fold(query))
            assert min(found[1], SEARCH_COUNT_CAP + 1) == expected == counted  # past the cap: "100+"
        topics = [lead.topic for lead in found[0]]
        assert topics[:3] == ["B117", "B114", "B111"] and topics[-1] == "L0"  # long texts, open first


def test_a_reps_search_of_quotes_backslashes_and_wildcards_is_the_general_paths(database_url: str) -> None:
    """PostgreSQL's probe has its text written into the SQL (store/prepared.Reader.all_inlined): a text
    with quotes, backslashes and LIKE's wildcards is a literal all the same, found as the general path
    finds it (here in few leads and in more than the count's cap)."""
    engine = make_engine(database_url)
    odd = ["O'Brien \\ 100%_x", "l'eau'; DROP TABLE lead; --", "a\\'b"]
    rows = [_row(f"Q{i}", odd[i % 3] if i < 6 else "Bulk 'n' Roast", at=T0 + timedelta(minutes=i))
            for i in range(SEARCH_COUNT_CAP + 20)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Lead), rows)
    with reading(engine, generic_plans=True) as reader, transaction(session_factory(engine)) as session:
        for query in ("o'brien \\ 100%_", "'; drop table", "a\\'b", "'n'", "bulk 'n'", "%_%"):
            found = lead_store.search_summaries(reader, viewer=REP, folded=fold(query), limit=10)
            assert found is not None
            general = lead_store.search_leads(session, viewer=REP, folded=fold(query), limit=10)
            assert [lead.id for lead in found[0]] == [lead.id for lead in general] != [] or query == "%_%"
            counted = lead_store.count_search_leads(session, viewer=REP, folded=fold(query))
            assert min(found[1], SEARCH_COUNT_CAP + 1) == counted
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Lead)).scalar_one() == len(rows)


def test_a_reps_search_walk_takes_glob_characters_literally(database_url: str) -> None:
    """SQLite's walk tests each lead's text with GLOB (store.text_search.contains_text): `*`, `?`, `[`,
    `]` and `^` in a text in more leads than the count's cap are literals all the same. Every other lead
    is a decoy holding what those characters would match as wildcards: the page and the count are the
    substring's (Python's `in`) and the general path's."""
    engine = make_engine(database_url)
    odd, decoys = "x*y?z[w]v^u [^a] ]b[", ["xqyqzwvqu", "x*y-z[w]v^u", "xay?zwv^u [b] ]b", "x*yaz[w]v [a]"]
    rows = [_row(f"G{i}", odd if i % 2 == 0 else decoys[i // 2 % 4], at=T0 + timedelta(minutes=i))
            for i in range(2 * SEARCH_COUNT_CAP + 40)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Lead), rows)
    queries = ("x*y", "y?z", "z[w]", "[w]", "w]v", "*y?", "?z[", "v^u", "[^a]", "]b[", "x*y?z[w]v^u", "[a]")
    with reading(engine, generic_plans=True) as reader, transaction(session_factory(engine)) as session:
        for query in queries:
            hits = [row["topic"] for row in reversed(rows) if fold(query) in row["search_text"]]
            found = lead_store.search_summaries(reader, viewer=REP, folded=fold(query), limit=10)
            assert found is not None and [summary.topic for summary in found[0]] == hits[:10], query
            assert min(found[1], SEARCH_COUNT_CAP + 1) == min(len(hits), SEARCH_COUNT_CAP + 1), query
            general = lead_store.search_leads(session, viewer=REP, folded=fold(query), limit=10)
            assert [lead.id for lead in found[0]] == [lead.id for lead in general], query
        assert len([row for row in rows if "z[w]" in row["search_text"]]) > SEARCH_COUNT_CAP  # walked


def test_open_leads_newest_first_with_an_exact_count(database_url: str) -> None:
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
        assert lead_store.open_leads(reader, team_id="T1", owner_id="U3", limit=20)[1] == COUNT_CAP + 5  # not capped


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
        _check_postgresql_search_plans(engine)
        return
    with transaction(session_factory(engine)) as session:
        list_query = sa.select(Lead.id).where(Lead.team_id == "T1", Lead.owner_id == "U1", Lead.status == "open")  # type: ignore[arg-type]
        search = sa.select(Lead.id).where(lead_store._search(session, REP, "muller"))
        for query, expected in ((list_query.order_by(sa.desc(Lead.updated_at)), "ix_lead_owner_recent"),  # type: ignore[arg-type]
                                (search, "VIRTUAL TABLE INDEX")):  # fmt: skip
            compiled = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(row[-1]) for row in session.execute(sa.text("EXPLAIN QUERY PLAN " + compiled)))
            assert expected in plan and "TEMP B-TREE" not in plan, plan
    with reading(engine) as reader:
        walk = lead_store._WALK.parameters(engine.dialect, {"team": "T1", "user": "U1", "text": "x", "limit": 10})
        steps = [str(row[-1]) for row in reader.connection.execute("EXPLAIN QUERY PLAN " + walk[0], walk[1])]
    # the rep's own leads: one walk of the search index in display order (no sort), the text tested in
    # the index; their shared leads read by id
    own = "SEARCH lead USING COVERING INDEX ix_lead_owner_search (team_id=? AND owner_id=?)"
    assert own in steps and "SEARCH lead USING INTEGER PRIMARY KEY (rowid=?)" in steps, steps
    assert steps[steps.index(own) + 1] != "USE TEMP B-TREE FOR ORDER BY", steps


def _explain(reader: Any, query: Any, values: dict[str, Any]) -> list[str]:
    sql, parameters = query.parameters(reader.dialect, values)
    cursor = reader.connection.cursor()
    cursor.execute("EXPLAIN " + sql, parameters)
    return [str(row[0]).strip() for row in cursor.fetchall()]


def _check_postgresql_search_plans(engine: sa.Engine) -> None:
    """A rep's search on PostgreSQL, with statistics of 3,000 leads (1,000 with "bulk roast", 3 with
    "rare roast"): the probe reads pg_trgm's index, the walk ix_lead_owner_search in display order (a
    Limit right above it: no sort of the rep's hits), and the statement for few hits reads the probe's
    hits by primary key, never the walk's index (with a LIKE on (team, owner) the planner may walk all
    of the rep's leads through it)."""
    rows = [_row(f"L{i}", "Bulk Roasters" if i % 3 == 0 else f"Plain {i}", at=T0 + timedelta(seconds=i))
            for i in range(3_000)]  # fmt: skip
    rows += [_row(f"R{i}", "Rare Roasters", status="qualified") for i in range(3)]
    with engine.begin() as connection:
        connection.execute(sa.insert(Lead), rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE lead")
    values = {"team": "T1", "user": "U1", "limit": 10}
    with reading(engine) as reader:
        ids = reader.all(lead_store._PG_HITS, {**values, "query": "%rare roast%"})[0][0]
        # the values' plans (EXPLAIN), and the generic plans reading(..., generic_plans=True) runs
        for explain in (_explain, generic_plan):
            probe = explain(reader, lead_store._PG_HITS, {**values, "query": "%rare roast%"})
            few = explain(reader, lead_store._PG_FEW, {**values, "ids": ids})
            walk = explain(reader, lead_store._WALK, {**values, "text": "bulk roast"})
            page = explain(reader, lead_store._WALK_PAGE, {**values, "text": "bulk roast"})
            listed = explain(reader, lead_store._OPEN_PAGE_SQL, {"team": "T1", "owner": "U1", "limit": 20})
            admin = explain(reader, lead_store._SEARCHES[True], {**values, "query": "%rare roast%"})
            _check_postgresql_plans(probe, few, listed, admin)
            _check_postgresql_walk(walk, walks=2)  # the page's, and the count's
            _check_postgresql_walk(page, walks=1)


def _check_postgresql_walk(walk: list[str], walks: int) -> None:
    """The rep's leads with a text short enough for ix_lead_owner_search: tested in the index alone (no
    read of the table), in display order under a Limit; longer texts along ix_lead_owner_search_long."""
    walked = [n for n, step in enumerate(walk) if "Index Only Scan using ix_lead_owner_search on" in step]
    assert len(walked) == walks and all(walk[n - 1].startswith("->  Limit") for n in walked), walk
    long_texts = [n for n, step in enumerate(walk) if "Index Scan using ix_lead_owner_search_long" in step]
    assert len(long_texts) == walks and all(walk[n - 1].startswith("->  Limit") for n in long_texts), walk


def _check_postgresql_plans(*plans: list[str]) -> None:
    probe, few, listed, admin = plans
    assert any("ix_lead_search_trgm" in step for step in probe), probe
    assert any("Index Scan using pk_lead on lead" in step for step in few), few
    assert not any("ix_lead_owner_search" in step for step in few), few
    assert any("ix_lead_owner_recent" in step for step in listed), listed
    assert not any(step.startswith(("Sort", "->  Sort")) for step in listed), listed
    assert any("ix_lead_search_trgm" in step for step in admin), admin


def test_the_planners_reads_walk_an_owners_index_without_sorting(database_url: str) -> None:
    """Nudges and digests read an owner's first deals past their close date, or idle, in the order of
    ix_opportunity_owner_close, and find the owners by one index seek each: a workspace of 1M deals
    costs a few index steps per owner, not a read or a sort of every deal."""
    engine = make_engine(database_url)
    if engine.dialect.name != "sqlite":
        pytest.skip("the plans checked are SQLite's; bench/planner.py measures PostgreSQL")
    values = {"team": "T1", "owner": "U1", "limit": 10}
    reads = {
        "past close": (planning._PAST_CLOSE_DEALS, {**values, "day": date(2026, 3, 1)}),
        "stale": (planning._STALE_DEALS, {**values, "before": datetime(2026, 2, 1, tzinfo=UTC)}),
        "owners": (planning._OWNER_AFTER["opportunity"], {"team": "T1", "after": "U1"}),
    }
    with reading(engine) as reader:
        for name, (query, given) in reads.items():
            sql, parameters = query.parameters(engine.dialect, given)
            plan = " ".join(str(row[-1]) for row in reader.connection.execute("EXPLAIN QUERY PLAN " + sql, parameters))
            assert "USING" in plan and "INDEX" in plan and "TEMP B-TREE" not in plan, (name, plan)
            if name != "owners":
                assert "ix_opportunity_owner_close (team_id=? AND owner_id=? AND status=?" in plan, (name, plan)


def test_a_search_reads_who_asks_with_its_probe_and_answers_as_when_read_first(database_url: str) -> None:
    """`search_for` takes the asker's role from the text probe's columns: the viewer is `read_viewer`'s and the
    answer `search_summaries`' with it, for a rep, a user without a row, a Slack admin, an admin by role, a
    configured admin and a manager (None: the general path), with a text in some leads (the rep's, another
    rep's, another workspace's), in none, and too short for the index."""
    engine = make_engine(database_url)
    with transaction(session_factory(engine)) as session:
        session.add_all(make.askers("UR"))
        session.add_all(
            Lead(team_id=team, owner_id=owner, topic=f"Roast {n}", company="Bean", status="open",
                 search_text=search_text(f"Roast {n}", "Bean"))
            for n, (team, owner) in enumerate([("T1", "UR"), ("T1", "UR"), ("T1", "UX"), ("T2", "UR")])
        )  # fmt: skip
    with reading(engine, generic_plans=True) as reader:
        for user in ("UR", "UN", "US", "UA", "UC", "UM"):
            for text in ("roast", "bean 2", "nothing like it", "ro"):
                asker = Asker("T1", user, frozenset({"UC"}))
                viewer, found = lead_store.search_for(reader, asker=asker, folded=fold(text), limit=10)
                expected = read_viewer(reader, team_id="T1", user_id=user, admin_ids=asker.admin_ids)
                assert viewer == expected, (user, text)
                assert found == lead_store.search_summaries(reader, viewer=expected, folded=fold(text), limit=10)
        rep = lead_store.search_for(reader, asker=Asker("T1", "UR", frozenset()), folded="roast", limit=10)[1]
        admin = lead_store.search_for(reader, asker=Asker("T1", "US", frozenset()), folded="roast", limit=10)[1]
    assert rep is not None and admin is not None and (rep[1], admin[1]) == (2, 3)  # the rep's two; the workspace's
