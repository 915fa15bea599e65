"""`/opp list` and `/opp TEXT` read outside the ORM (store/opportunity_lists.py) on SQLite and PostgreSQL:
the same page as the general search path in both plans (few hits read by id, many found by walking the
rep's deals), the list in close-date order with a capped count, and plans that read the indexes (no sort
of a rep's deals, no scan of the workspace). The reads run as the services run them: on PostgreSQL with
their generic plans (`reading(..., generic_plans=True)`), the text probe planned for its text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bot.domain.text import fold, search_text
from store import opportunities as opp_store
from store import opportunity_lists as lists
from store.access import Viewer
from store.db import make_engine, session_factory, transaction
from store.listing import COUNT_CAP
from store.models import Opportunity, SalesOrder, SalesTeamMember, Share, TeamShare
from store.prepared import PreparedQuery, reading
from store.process_libraries import save_library
from store.text_search import INDEXED_TEXT_BYTES
from store.users import Asker, read_viewer
from tests import factories as make
from tests.store.plans import generic_plan
from tests.store.plans import plan as _plan

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
REP = Viewer(team_id="T1", user_id="U1")
MANY = lists.FEW_HITS + 20  # more hits than the probe counts: the walk


def _row(topic: str, account: str, *, owner: str = "U1", status: str = "open", at: datetime = T0) -> dict[str, Any]:
    return {"team_id": "T1", "owner_id": owner, "topic": topic, "account_name": account, "status": status,
            "search_text": search_text(topic, account), "created_at": T0, "updated_at": at,
            "estimated_revenue": 1000, "currency": "EUR"}  # fmt: skip


def _seed(engine: sa.Engine) -> None:
    """U1's deals with "bulk roast" (more than the probe counts, mixed statuses), three with "rare roast";
    U2's: one shared with U1, one shared with U1's sales team (the most recently updated), one not
    shared; a "bulk roast" deal in another workspace."""
    statuses = ("open", "won", "open", "lost")
    rows = [_row(f"B{i}", "Bulk Roasters", status=statuses[i % 4], at=T0 + timedelta(seconds=i)) for i in range(MANY)]
    rows += [_row(f"R{i}", "Rare Roasters", status="won" if i == 0 else "open", at=T0 + timedelta(hours=i))
             for i in range(3)]  # fmt: skip
    late = T0 + timedelta(days=1)
    theirs = [("S1", "Bulk Roasters"), ("S2", "Rare Roasters"), ("S3", "Bulk Roasters"), ("S4", "Rare Roasters")]
    rows += [_row(t, a, owner="U2", at=late + timedelta(minutes=n)) for n, (t, a) in enumerate(theirs)]
    rows.append({**_row("Elsewhere", "Bulk Roasters", at=late), "team_id": "T2"})
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), rows)
        ids = dict(
            connection.execute(sa.select(Opportunity.topic, Opportunity.id).where(Opportunity.team_id == "T1")).all()
        )  # type: ignore[call-overload]
        shares = [{"team_id": "T1", "record_type": "opportunity", "record_id": ids[t], "user_id": "U1"}
                  for t in ("S1", "S2")]  # fmt: skip
        connection.execute(sa.insert(Share), shares)
        connection.execute(sa.insert(SalesTeamMember), [{"team_id": "T1", "sales_team_id": 5, "user_id": "U1"}])
        team_share = {"team_id": "T1", "record_type": "opportunity", "record_id": ids["S3"], "sales_team_id": 5}
        connection.execute(sa.insert(TeamShare), [team_share])


def test_a_reps_search_answers_like_the_general_path_in_both_plans(database_url: str) -> None:
    engine = make_engine(database_url)
    _seed(engine)
    with reading(engine, generic_plans=True) as reader, transaction(session_factory(engine)) as session:
        for query in ("bulk roast", "rare roast", "none at all"):
            page = lists.search_summaries(reader, viewer=REP, folded=fold(query), limit=10)
            general = opp_store.search_opportunities(session, viewer=REP, folded=fold(query), limit=10)
            assert page is not None
            assert [o.id for o in page] == [o.id for o in general], query
        bulk = lists.search_summaries(reader, viewer=REP, folded="bulk roast", limit=10)
        assert bulk is not None and [o.topic for o in bulk[:2]] == ["S3", "S1"]  # shared, most recent
        assert all(o.status == "open" for o in bulk) and "Elsewhere" not in [o.topic for o in bulk]
        rare = lists.search_summaries(reader, viewer=REP, folded="rare roast", limit=10)
        assert rare is not None and [o.topic for o in rare] == ["S2", "R2", "R1", "R0"]  # open first
        assert rare[0].estimated_revenue == 1000 and rare[0].account_name == "Rare Roasters"


def test_a_search_of_quotes_backslashes_and_wildcards_is_the_general_paths(database_url: str) -> None:
    """PostgreSQL's probe has its text written into the SQL (store/prepared.Reader.all_inlined): a text
    with quotes, backslashes and LIKE's wildcards is a literal all the same, found as the general path
    finds it, and nothing else is run."""
    engine = make_engine(database_url)
    odd = ["O'Brien \\ 100%_x", "l'eau'; DROP TABLE opportunity; --", "a\\'b"]
    rows = [_row(f"Q{i}", odd[i % 3] if i < 6 else "Bulk 'n' Roast", at=T0 + timedelta(minutes=i)) for i in range(30)]
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), rows)
    with reading(engine, generic_plans=True) as reader, transaction(session_factory(engine)) as session:
        for query in ("o'brien \\ 100%_", "'; drop table", "a\\'b", "'n'", "bulk 'n'", "%_%"):
            page = lists.search_summaries(reader, viewer=REP, folded=fold(query), limit=10)
            general = opp_store.search_opportunities(session, viewer=REP, folded=fold(query), limit=10)
            assert [o.id for o in page] == [o.id for o in general] != [] or query == "%_%", query
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Opportunity)).scalar_one() == len(rows)


def test_the_search_walk_takes_glob_characters_literally(database_url: str) -> None:
    """`*`, `?`, `[`, `]` and `^` (GLOB's and, for `[`, LIKE's specials) in a text in more deals than the
    probe counts (or shorter than a trigram) are literals to the walk's test (`instr`/`strpos`) all the
    same. Every other deal is a decoy holding what those characters would match as wildcards: the page is
    the substring's (Python's `in`) and the general path's, for a rep, a manager and an admin."""
    engine = make_engine(database_url)
    odd, decoys = "x*y?z[w]v^u [^a] ]b[", ["xqyqzwvqu", "x*y-z[w]v^u", "xay?zwv^u [b] ]b", "x*yaz[w]v [a]"]
    rows = [_row(f"G{i}", odd if i % 2 == 0 else decoys[i // 2 % 4], at=T0 + timedelta(minutes=i))
            for i in range(2 * MANY)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), rows)
    queries = ("x*y", "y?z", "z[w]", "[w]", "w]v", "*y?", "?z[", "v^u", "[^a]", "]b[", "x*y?z[w]v^u", "[a]", "*", "[")
    with reading(engine, generic_plans=True) as reader, transaction(session_factory(engine)) as session:
        for viewer in (REP, MANAGER, ADMIN):
            for query in queries:
                hits = [row["topic"] for row in reversed(rows) if fold(query) in row["search_text"]]
                page = lists.search_summaries(reader, viewer=viewer, folded=fold(query), limit=10)
                assert [o.topic for o in page] == hits[:10], (viewer.role, query)
                general = opp_store.search_opportunities(session, viewer=viewer, folded=fold(query), limit=10)
                assert [o.id for o in page] == [o.id for o in general], (viewer.role, query)
    assert len([row for row in rows if "z[w]" in row["search_text"]]) > lists.FEW_HITS  # walked


MANAGER = Viewer(team_id="T1", user_id="UM", role="manager", reps=frozenset({"U1", "U3"}))
ADMIN = Viewer(team_id="T1", user_id="UA", role="admin")


def test_managers_admins_and_short_texts_answer_like_the_general_path(database_url: str) -> None:
    """Every viewer and text outside the ORM: a manager sees their reps' deals (U3's "bulk roast" deals are
    the most recently updated, so the walks' merge decides the page) and what is shared with them, not
    U1's shares; an admin the whole workspace; texts under three characters walk without the text index."""
    engine = make_engine(database_url)
    _seed(engine)
    late = T0 + timedelta(days=2)
    rows = [_row(f"M{i}", "Bulk Roasters", owner="U3", status=("open", "lost")[i % 2], at=late + timedelta(hours=i))
            for i in range(4)]  # fmt: skip
    rows += [_row("N1", "Rare Roasters", owner="U9", at=late), _row("Q1", "Quiet Roasters", owner="U2", at=late)]
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), rows)
        q1 = connection.execute(sa.select(Opportunity.id).where(Opportunity.topic == "Q1")).scalar_one()
        connection.execute(sa.insert(Share), [{"team_id": "T1", "record_type": "opportunity", "record_id": q1,
                                               "user_id": "UM"}])  # fmt: skip
    viewers = {"rep": REP, "manager": MANAGER, "admin": ADMIN}
    with reading(engine, generic_plans=True) as reader, transaction(session_factory(engine)) as session:
        for name, who in viewers.items():
            for query in ("bulk roast", "rare roast", "quiet", "ro", "r", "q", "zz", "none at all"):
                page = lists.search_summaries(reader, viewer=who, folded=fold(query), limit=10)
                general = opp_store.search_opportunities(session, viewer=who, folded=fold(query), limit=10)
                assert [o.id for o in page] == [o.id for o in general], (name, query)
        bulk = lists.search_summaries(reader, viewer=MANAGER, folded="bulk roast", limit=10)
        assert [o.topic for o in bulk[:3]] == ["M2", "M0", "B1018"], bulk  # U3's open, then U1's newest
        assert "S1" not in [o.topic for o in bulk]  # shared with U1, not with the manager
        assert [o.topic for o in lists.search_summaries(reader, viewer=MANAGER, folded="q", limit=10)] == ["Q1"]
        assert [o.topic for o in lists.search_summaries(reader, viewer=ADMIN, folded="n1", limit=3)] == ["N1"]
        assert lists.search_summaries(reader, viewer=MANAGER, folded="n1", limit=3) == []  # U9 is no rep of theirs
        assert [o.topic for o in lists.search_summaries(reader, viewer=REP, folded="ra", limit=10)][:1] == ["S2"]


def test_a_search_walk_finds_texts_too_long_for_its_index(database_url: str) -> None:
    """PostgreSQL's walk index holds texts of at most INDEXED_TEXT_BYTES (a B-tree entry's limit, migration
    0022): deals with longer texts (here 2,400+ bytes of CJK) are walked along
    ix_opportunity_owner_search_long and merged in display order, for a rep (with a shared deal) and a
    manager's reps, so the page is the general path's whichever index holds a deal."""
    engine = make_engine(database_url)
    rows = [_row(f"B{i}", "Bulk Roasters", owner=("U1", "U3")[i % 2], at=T0 + timedelta(minutes=i))
            for i in range(MANY)]  # fmt: skip
    rows += [_row("L0", "Bulk Roasters", status="won", at=T0 + timedelta(days=1))]
    for row in rows[::3]:  # every third deal, L0 (the last) among them
        row["search_text"] += " " + "咖啡" * 400  # a deal's text: its topic, account and contact, 600 characters
    assert len(rows[-1]["search_text"].encode()) > INDEXED_TEXT_BYTES
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), rows)
    with reading(engine, generic_plans=True) as reader, transaction(session_factory(engine)) as session:
        for viewer in (REP, MANAGER):
            for query in ("bulk roast", "咖啡", "ro"):  # a probe past FEW_HITS, texts too short for it: walks
                page = lists.search_summaries(reader, viewer=viewer, folded=fold(query), limit=10)
                general = opp_store.search_opportunities(session, viewer=viewer, folded=fold(query), limit=10)
                assert [o.id for o in page] == [o.id for o in general] != [], (viewer.role, query)
        mine = [o.topic for o in lists.search_summaries(reader, viewer=REP, folded="ro", limit=10)]
        assert mine[:3] == [f"B{MANY - 2}", f"B{MANY - 4}", f"B{MANY - 6}"] and "L0" not in mine  # open first
        theirs = [o.topic for o in lists.search_summaries(reader, viewer=MANAGER, folded=fold("咖啡"), limit=10)]
        assert theirs[:2] == [f"B{(MANY - 1) // 3 * 3}", f"B{(MANY - 1) // 3 * 3 - 3}"], theirs  # long texts only


def test_open_list_by_close_date_undated_last_with_an_exact_count(database_url: str) -> None:
    engine = make_engine(database_url)
    days = [date(2026, 9, 1), None, date(2026, 8, 1), None, date(2026, 8, 1)]
    with transaction(session_factory(engine)) as session:
        session.add_all([Opportunity(team_id="T1", owner_id="U1", topic=f"O{i}", estimated_close_date=day)
                         for i, day in enumerate(days)])  # fmt: skip
    with reading(engine, generic_plans=True) as reader:
        page, total = lists.open_summaries(reader, team_id="T1", owner_id="U1", limit=10)
        assert [o.topic for o in page] == ["O2", "O4", "O0", "O1", "O3"] and total == 5
        assert lists.close_date(page[0].estimated_close_date) == date(2026, 8, 1)  # as the driver returns it
        page, total = lists.open_summaries(reader, team_id="T1", owner_id="U1", limit=4)
        assert [o.topic for o in page] == ["O2", "O4", "O0", "O1"] and total == 5
    rows = [{**_row("bulk", ""), "owner_id": "U3"}] * (COUNT_CAP + 5)
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), rows)
    with reading(engine, generic_plans=True) as reader:
        assert lists.open_summaries(reader, team_id="T1", owner_id="U3", limit=20)[1] == COUNT_CAP + 5  # not capped
        assert lists.open_keys(reader, team_id="T1", owner_id="U1", limit=10).library_version is None


def test_the_open_keys_come_with_the_workspaces_process_library_version(database_url: str) -> None:
    """Read with the count, full page or not, for an owner with deals and one without; another workspace's
    upload is not this one's."""
    engine = make_engine(database_url)
    with transaction(session_factory(engine)) as session:
        session.add_all([Opportunity(team_id="T1", owner_id="U1", topic=f"O{i}") for i in range(3)])
        for _ in range(3):
            save_library(session, team_id="T1", toml="", now=datetime(2026, 12, 7, tzinfo=UTC))
    with reading(engine, generic_plans=True) as reader:
        for team, owner, limit, expected in [("T1", "U1", 2, (2, 3, 3)), ("T1", "U1", 10, (3, 3, 3)),
                                             ("T1", "U9", 10, (0, 0, 3)), ("T2", "U1", 10, (0, 0, None))]:  # fmt: skip
            keys = lists.open_keys(reader, team_id=team, owner_id=owner, limit=limit)
            assert (len(keys.rows), keys.total, keys.library_version) == expected, (team, owner, limit)


def test_list_and_search_plans_read_the_indexes(database_url: str) -> None:
    """With statistics of a few thousand deals on PostgreSQL: the list reads ix_opportunity_owner_close in
    order (no sort), the walk ix_opportunity_owner_search in display order directly under its Limit,
    the few-hits statement the text index (SQLite) or the probe's ids by primary key (PostgreSQL)."""
    engine = make_engine(database_url)
    _seed(engine)
    values = {"team": "T1", "user": "U1", "limit": 10}
    plain = [_row(f"P{i}", f"Plain {i}", owner=f"U{i % 7}", at=T0 + timedelta(seconds=i)) for i in range(4_000)]
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), plain)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE opportunity")
    with reading(engine) as reader:
        dated = _plan(reader, lists._OPEN_PAGE, values)
        walk = _plan(reader, lists._WALK, {**values, "text": "bulk roast"})
        team_walk = _plan(reader, lists._TEAM_WALK, {**values, "text": "bulk roast"})
        owner_walk = _plan(reader, lists._OWNER_WALK, {**values, "text": "bulk roast"})
        ids: Any = [1, 2, 3]
        if engine.dialect.name == "sqlite":
            few = _plan(reader, lists._FEW[lists.REP], {**values, "query": '"rare roast"'})
            ids = "[1, 2, 3]"
        else:
            probe = _plan(reader, lists._PG_PROBE, {**values, "query": "%rare roast%"})
            ids = reader.all(lists._PG_PROBE, {**values, "query": "%rare roast%"})[0][0]
            few = _plan(reader, lists._FEW[lists.REP], {**values, "ids": ids})
        by_ids = _plan(reader, lists._BY_IDS, {**values, "ids": ids})
    for page in (few, walk, owner_walk, team_walk):  # whether each deal shown has orders: one probe per row
        assert any("ix_sales_order_opportunity" in step for step in page), page
    assert any("ix_opportunity_owner_close" in step for step in dated), dated
    assert not any("TEMP B-TREE" in step or "Sort" in step for step in dated + team_walk), dated
    if engine.dialect.name == "sqlite":
        assert sum("COVERING INDEX ix_opportunity_owner_close" in step for step in dated) == 2, dated  # no row read
        own = "SEARCH opportunity USING COVERING INDEX ix_opportunity_owner_search (team_id=? AND owner_id=?)"
        assert own in walk and "SEARCH opportunity USING INTEGER PRIMARY KEY (rowid=?)" in walk, walk
        assert walk[walk.index(own) + 1] != "USE TEMP B-TREE FOR ORDER BY", walk
        assert team_walk[0] == "SEARCH opportunity USING INDEX ix_opportunity_team_search (team_id=?)", team_walk
        assert owner_walk[0] == "SEARCH opportunity USING INDEX ix_opportunity_owner_search (team_id=? AND owner_id=?)"
        assert not any("TEMP B-TREE" in step or step.startswith("SCAN") for step in owner_walk), owner_walk
        assert any("VIRTUAL TABLE INDEX" in step for step in few), few
        # the orders of the page's rows only, after the sort of the hits (not for each hit sorted)
        assert few[0] == "CO-ROUTINE few" and few.index("SCAN few") < few.index("CORRELATED SCALAR SUBQUERY 1"), few
        assert any("INTEGER PRIMARY KEY" in step for step in by_ids), by_ids
        return
    assert sum("Index Only Scan using ix_opportunity_owner_close" in step for step in dated) == 2, dated  # both arms
    assert any("Index Scan using ix_opportunity_team_search" in step for step in team_walk), team_walk
    _check_postgresql_walk(owner_walk)
    assert any("Index Scan using pk_opportunity" in step for step in by_ids), by_ids
    assert any("ix_opportunity_search_trgm" in step for step in probe), probe
    assert any("Index Scan using pk_opportunity on opportunity" in step for step in few), few
    assert not any("ix_opportunity_owner_search" in step for step in few), few
    _check_postgresql_walk(walk)
    _check_generic_plans(engine, {**values, "ids": ids})


def _check_postgresql_walk(walk: list[str]) -> None:
    """The user's deals with a text short enough for ix_opportunity_owner_search: tested in the index alone
    (no read of the table; migration 0022), in display order under a Limit; longer texts along
    ix_opportunity_owner_search_long. Only the page's rows are read from the table (by primary key)."""
    walked = [n for n, step in enumerate(walk) if "Index Only Scan using ix_opportunity_owner_search on" in step]
    assert len(walked) == 1 and walk[walked[0] - 1].startswith("->  Limit"), walk
    long_texts = [n for n, step in enumerate(walk) if "Index Scan using ix_opportunity_owner_search_long" in step]
    assert len(long_texts) == 1 and walk[long_texts[0] - 1].startswith("->  Limit"), walk
    assert any("Index Scan using pk_opportunity on opportunity" in step for step in walk), walk


def _check_generic_plans(engine: sa.Engine, values: dict[str, Any]) -> None:
    """PostgreSQL: the generic plans `reading(..., generic_plans=True)` runs for `/opp list` and `/opp TEXT`
    (planned once per connection, whatever the values) read the same indexes in order as the values' plans."""
    statements = ("open_page", "by_ids", "few", "few_manager", "few_admin", "walk", "owner_walk", "team_walk")
    values = {**values, "text": "bulk roast", "owners": ["U1", "U2"]}
    with reading(engine, generic_plans=True) as reader:
        found = {name: generic_plan(reader, lists.plans()[name], values) for name in statements}
    ordered = {"open_page": "Index Only Scan using ix_opportunity_owner_close",
               "team_walk": "Index Scan using ix_opportunity_team_search"}  # fmt: skip
    for name, index in ordered.items():
        assert any(index in step for step in found[name]), found[name]
        assert not any("Sort" in step for step in found[name]), found[name]
    assert sum(ordered["open_page"] in step for step in found["open_page"]) == 2, found["open_page"]  # both arms
    counted = found["open_page"]  # owner_count's one row (migration 0024) and the library's, by key
    assert any("Index Scan using pk_owner_count" in step for step in counted), counted
    assert any("process_library" in step and "Seq Scan" not in step for step in counted), counted
    for name in ("by_ids", "few", "few_manager", "few_admin"):
        assert any("Index Scan using pk_opportunity on opportunity" in step for step in found[name]), found[name]
        assert not any("Seq Scan on opportunity" in step for step in found[name]), found[name]
    _check_postgresql_walk(found["walk"])
    _check_postgresql_walk(found["owner_walk"])
    for name in ("few", "few_manager", "few_admin", "walk", "owner_walk", "team_walk"):
        assert any("ix_sales_order_opportunity" in step for step in found[name]), found[name]


def test_shown_rows_read_by_id_are_the_drivers_values(database_url: str) -> None:
    """`/opp list`'s rows by id carry the values a plain read of the driver returns (a packed JSON read would
    round 99999999999999.99: SQLite 3.40 writes a real with 15 digits): every real exactly, integers, NULLs,
    negative and tiny amounts, texts with quotes, backslashes, control characters and non-Latin letters; a deal
    of another workspace is not read."""
    engine = make_engine(database_url)
    amounts = [
        Decimal(v) if v else None
        for v in ("99999999999999.99", "0.30", "18863.87", "1000", "", "-3.3", "0.01", "123456789012.34", "12.50")
    ]
    topics = ['Say "hi"', "back\\slash", "tab\there", "Łódź 株式会社", "new\nline", "plain", "", "a'b", "€"]
    rows = [{**_row(topic, f"Acct {n}"), "estimated_revenue": amount} for n, (topic, amount) in
            enumerate(zip(topics, amounts, strict=True))]  # fmt: skip
    rows.append({**_row("other", "T2's"), "team_id": "T2"})
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), rows)
        ids = list(connection.execute(sa.select(Opportunity.id).order_by(Opportunity.id)).scalars())  # type: ignore[arg-type]
    table = Opportunity.__table__  # type: ignore[attr-defined]
    plain_read = PreparedQuery(sa.select(*lists._COLUMNS).where(table.c.team_id == "T1"))
    with reading(engine, generic_plans=True) as reader:
        found = lists.summaries_of(reader, team_id="T1", ids=ids)
        plain = {row[0]: tuple(row) for row in reader.all(plain_read, {})}
    assert set(found) == set(ids[:-1])
    for opp_id, summary in found.items():
        expected = plain[opp_id]
        money = expected[8]
        assert tuple(summary) == expected and type(summary.estimated_revenue) is type(money), (summary, expected)
    engine.dispose()


def test_a_search_reads_who_asks_with_its_probe_and_answers_as_when_read_first(database_url: str) -> None:
    """`search_for` takes the asker's role from the text probe's columns: its page is `search_summaries`' for
    `read_viewer`'s viewer, for a rep, a user without a row, a Slack admin, an admin by role, a configured
    admin and a manager (whose reps are read), with texts in few deals, in many (the walk), in none and too
    short for the index."""
    engine = make_engine(database_url)
    _seed(engine)
    with transaction(session_factory(engine)) as session:
        session.add_all(make.askers("U1"))
    with reading(engine, generic_plans=True) as reader:
        for user in ("U1", "UN", "US", "UA", "UC", "UM"):
            asker = Asker("T1", user, frozenset({"UC"}))
            viewer = read_viewer(reader, team_id="T1", user_id=user, admin_ids=asker.admin_ids)
            for text in ("rare roast", "bulk roast", "nothing like it", "ro"):
                found = lists.search_for(reader, asker=asker, folded=fold(text), limit=10).hits
                assert found == lists.search_summaries(reader, viewer=viewer, folded=fold(text), limit=10), (user, text)
        rep = lists.search_for(reader, asker=Asker("T1", "U1", frozenset()), folded="rare roast", limit=10).hits
        admin = lists.search_for(reader, asker=Asker("T1", "US", frozenset()), folded="rare roast", limit=10).hits
        nobody = lists.search_for(reader, asker=Asker("T1", "UN", frozenset()), folded="rare roast", limit=10).hits
    assert [o.topic for o in rep] == ["S2", "R2", "R1", "R0"]  # shared S2 is the newest
    assert [o.topic for o in admin] == ["S4", "S2", "R2", "R1", "R0"] and nobody == []


def test_a_search_page_says_whether_its_deals_have_orders(database_url: str) -> None:
    """`search_for`'s `ordered`: whether a deal on the page has a sales order (of its workspace), in every plan:
    few hits (a rep, a manager, an admin), the walks (many hits: the rep's own and shared, a manager's reps, the
    workspace), and a text too short for the index; an order of a deal past the page or of another workspace's
    deal with the same id does not count."""
    engine = make_engine(database_url)
    _seed(engine)
    with transaction(session_factory(engine)) as session:
        session.add_all(make.askers("U1"))
    with engine.begin() as connection:
        topics = sa.select(Opportunity.topic, Opportunity.id).where(Opportunity.team_id == "T1")
        ids = dict(connection.execute(topics).all())  # type: ignore[call-overload]
    cases = [("U1", "rare roast", "R1"), ("UM", "rare roast", "R1"), ("UA", "rare roast", "R2"),
             ("U1", "bulk roast", "B1018"), ("UM", "bulk roast", "B1018"), ("UA", "bulk roast", "S3"),
             ("U1", "ra", "S2")]  # fmt: skip
    _order(engine, "T2", ids["R1"])  # another workspace's order on the same id
    _order(engine, "T1", ids["B0"])  # the oldest "bulk roast" deal: on no first page of three
    with reading(engine, generic_plans=True) as reader:
        for user, text, shown in cases:
            page = lists.search_for(reader, asker=Asker("T1", user, frozenset()), folded=text, limit=3)
            assert shown in [hit.topic for hit in page.hits] and not page.ordered, (user, text, page)
            ordered = _order(engine, "T1", ids[shown])
            page = lists.search_for(reader, asker=Asker("T1", user, frozenset()), folded=text, limit=3)
            assert page.ordered, (user, text, page)
            with engine.begin() as connection:
                connection.execute(sa.delete(SalesOrder).where(SalesOrder.id == ordered))  # type: ignore[arg-type]


def _order(engine: sa.Engine, team: str, opportunity_id: int) -> int:
    with engine.begin() as connection:
        number = connection.execute(sa.select(sa.func.max(SalesOrder.id))).scalar_one() or 0  # type: ignore[arg-type]
        order = {"team_id": team, "number": number + 1, "quote_id": number + 1, "opportunity_id": opportunity_id,
                 "owner_id": "U1", "status": "open", "total": 5}  # fmt: skip
        return int(connection.execute(sa.insert(SalesOrder).returning(SalesOrder.id), [order]).scalar_one())  # type: ignore[arg-type]


def test_the_open_keys_carry_any_stage_and_process_name_as_stored(database_url: str) -> None:
    """The page's keys come packed (SQLite: JSON; PostgreSQL: an array per column, parsed by the driver):
    names with quotes, commas, braces, backslashes, the word NULL, line breaks and non-Latin letters come back
    as stored, money as integer cents or None."""
    engine = make_engine(database_url)
    names = ['Won\'t, "quoted" {brace}', "a\\b", "NULL", "ß 日本 \n tab\t", "Qualify"]
    with transaction(session_factory(engine)) as session:
        session.add_all([Opportunity(team_id="T1", owner_id="U1", topic=f"O{n}", stage=name, process_name=name,
                                     estimated_revenue=Decimal("12.34") if n % 2 else None)
                         for n, name in enumerate(names)])  # fmt: skip
    with reading(engine, generic_plans=True) as reader:
        keys = lists.open_keys(reader, team_id="T1", owner_id="U1", limit=10)
    assert [(row[1], row[2], row[3]) for row in keys.rows] == [
        (name, name, 1234 if n % 2 else None) for n, name in enumerate(names)
    ]
    assert keys.total == len(names)
