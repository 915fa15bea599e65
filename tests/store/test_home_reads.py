"""App Home's and the Timeline's reads outside the ORM, on SQLite and PostgreSQL: the stage groups and won
totals add up to what `/pipeline`'s grouped reads give, the next close dates come in close-date order, the
probes say "nothing" only when the ORM reads would find nothing, a timeline page comes back with the
ORM's values, and the plans read a range of the indexes (no sort of all of a rep's deals)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bot.domain.pipeline import Period
from bot.domain.process import ProcessLibrary
from bot.services import pipeline as service
from bot.services.home import HomeAsk, HomeReads, home_asker
from store import activities, home_probes, prepared, quotes, records, tasks
from store import leads as leads_store
from store import pipeline as queries
from store import users as users_store
from store.access import Viewer
from store.db import make_engine, session_factory, transaction
from store.home_probes import HomeProbes, read_home_probes
from store.models import Activity, Appointment, Lead, Opportunity, Quote, SlackUser, Task
from store.prepared import reading, session_reader
from store.process_libraries import save_library
from store.users import read_viewer
from tests.store.plans import generic_plan
from tests.store.plans import plan as _plan
from tests.store.test_pipeline_prepared import PERIODS, SCOPES
from tests.store.test_pipeline_prepared import _seed as seed_pipeline

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
DAY_END = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def test_stage_groups_and_won_totals_add_up_to_the_funnel_and_won_groups(database_url: str) -> None:
    engine = make_engine(database_url)
    with transaction(session_factory(engine)) as session:
        seed_pipeline(session)
    with reading(engine) as reader:
        for owners in SCOPES.values():
            for start, end in PERIODS.values():
                scope = {"team_id": "T1", "owners": owners, "start": start, "end": end}
                by_stage: dict[tuple[str, str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
                for row in queries.funnel_groups(reader, **scope):
                    by_stage[(row.process_name, row.stage, row.currency)][0] += row.count
                    by_stage[(row.process_name, row.stage, row.currency)][1] += row.revenue
                home = queries.home_pipeline(reader, **scope, today=start)
                stages = home.groups
                assert {(r.process_name, r.stage, r.currency): [r.count, r.revenue] for r in stages} == by_stage
                assert len(stages) == len(by_stage) and all(r.close_date == start for r in stages)
                won: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
                for item in queries.won_groups(reader, **scope):
                    won[item.currency][0] += item.count
                    won[item.currency][1] += item.revenue
                totals = home.won
                assert {t.currency: [t.count, t.revenue] for t in totals} == won
                assert all(str(t.revenue).endswith(tuple("0123456789")) and t.revenue.as_tuple().exponent == -2
                           for t in totals)  # fmt: skip
    assert any(by_stage.values()) and any(won.values())  # the seed has open and won deals in the last period


def test_home_report_shows_the_funnel_of_pipeline_report(database_url: str) -> None:
    """Counts, revenue and won so far are `/pipeline`'s; the weighted forecast is rounded per stage
    instead of per stage and month: within a cent per month and stage."""
    engine = make_engine(database_url)
    library = ProcessLibrary()
    with transaction(session_factory(engine)) as session:
        seed_pipeline(session)
    with transaction(session_factory(engine)) as session:
        scope = service.Scope(Viewer(team_id="T1", user_id="U1"), "mine", frozenset({"U1"}), "UTC")
        period = Period("this-year", date(2026, 1, 1), date(2027, 1, 1), "UTC")
        full = service.report(session, scope, period, library)
        home = service.home_report(session_reader(session), scope, period, library, today=date(2026, 1, 1))[0]
    assert home.count == full.count > 0 and home.revenue == full.revenue and home.won == full.won
    for ours, theirs in zip(home.funnels, full.funnels, strict=True):
        assert [(s.stage.name, s.count, s.revenue) for s in ours.stages] == [
            (s.stage.name, s.count, s.revenue) for s in theirs.stages
        ]
        for mine, report_line in zip(ours.stages, theirs.stages, strict=True):
            for currency, value in report_line.weighted.items():
                assert abs(mine.weighted[currency] - value) <= Decimal("0.12"), (mine.stage.name, currency)


def _deal(owner: str, close: date | None, *, status: str = "open", topic: str = "") -> dict[str, Any]:
    return {"team_id": "T1", "owner_id": owner, "topic": topic or f"{owner} {close}", "status": status,
            "stage": "Develop", "estimated_close_date": close, "estimated_revenue": Decimal("1250.50"),
            "currency": "EUR", "created_at": NOW, "updated_at": NOW}  # fmt: skip


def test_next_closing_from_today_by_date_then_id(database_url: str) -> None:
    engine = make_engine(database_url)
    rows = [_deal("U1", TODAY + timedelta(days=2), topic="second a"), _deal("U1", TODAY - timedelta(days=1)),
            _deal("U1", TODAY, status="won"), _deal("U2", TODAY), _deal("U1", None),
            _deal("U1", TODAY + timedelta(days=9), topic="last"),
            _deal("U1", TODAY + timedelta(days=2), topic="second b"),
            _deal("U1", TODAY, topic="today")]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), rows)
    with reading(engine) as reader:
        period = {"start": date(2026, 10, 1), "end": date(2027, 1, 1)}
        found = queries.home_pipeline(reader, team_id="T1", owners=frozenset({"U1"}), today=TODAY, **period).upcoming
    assert [o.topic for o in found] == ["today", "second a", "second b"]
    assert found[0].estimated_close_date == TODAY and found[0].estimated_revenue == Decimal("1250.50")
    assert found[0].currency == "EUR" and found[0].stage == "Develop" and found[1].id < found[2].id


def _quote(number: int, **fields: Any) -> dict[str, Any]:
    return {"team_id": "T1", "opportunity_id": 1, "number": number, "name": f"Q{number}", "owner_id": "U2",
            "status": "draft", "valid_until": None, "approver_id": None, **fields}  # fmt: skip


def _probes(reader: prepared.Reader, user: str) -> HomeProbes:
    return read_home_probes(reader, team_id="T1", user_id=user, today=TODAY, now=NOW, day_end=DAY_END)


def test_the_quotes_probe_finds_what_home_quotes_find(database_url: str) -> None:
    engine = make_engine(database_url)
    new_session = session_factory(engine)

    def both(user: str) -> tuple[bool, bool]:
        with transaction(new_session) as session:
            probe = _probes(session_reader(session), user).quotes
            pending = quotes.pending_for(session, team_id="T1", approver_id=user, limit=10)
            expired = quotes.expired_of(session, team_id="T1", owner_id=user, today=TODAY, limit=10)
        return probe, bool(pending[0] or expired[0])

    with engine.begin() as connection:  # nothing for U1 yet: valid today, another's approval, not active
        connection.execute(sa.insert(Quote), [
            _quote(1, owner_id="U1", status="active", valid_until=TODAY),
            _quote(2, status="in_review", approver_id="U3"),
            _quote(3, owner_id="U1", status="draft", valid_until=TODAY - timedelta(days=5)),
            {**_quote(4, status="in_review", approver_id="U1"), "team_id": "T2"},
        ])  # fmt: skip
    assert both("U1") == (False, False)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Quote), [_quote(5, owner_id="U1", status="active", valid_until=TODAY - timedelta(days=1))]
        )
    assert both("U1") == (True, True)
    assert both("U3") == (True, True) and both("U4") == (False, False)


def test_the_work_queue_probe_says_maybe_whenever_the_queue_has_items(database_url: str) -> None:
    engine = make_engine(database_url)
    new_session = session_factory(engine)

    def both(user: str) -> tuple[bool, bool]:
        with transaction(new_session) as session:
            reader = session_reader(session)
            probe = _probes(reader, user).queue
            found, _ = tasks.work_queue(session, reader, team_id="T1", user_id=user, now=NOW, day_end=DAY_END,
                                        limit=15, any_appointments=probe.appointments)  # fmt: skip
        return bool(probe), bool(found)

    task = {"team_id": "T1", "owner_id": "U1", "title": "Call", "due_at": DAY_END, "status": "open"}
    appointment = {"team_id": "T1", "record_type": "lead", "record_id": 1, "owner_id": "U2", "subject": "Demo",
                   "start_at": NOW + timedelta(hours=2), "attendees": ["U3"], "status": "cancelled"}  # fmt: skip
    with engine.begin() as connection:  # due tomorrow, done, another's; a cancelled appointment
        connection.execute(sa.insert(Task), [task, {**task, "due_at": NOW, "status": "done"},
                                             {**task, "owner_id": "U2", "due_at": NOW}])  # fmt: skip
        connection.execute(sa.insert(Appointment), [appointment])
    assert both("U1") == (False, False)
    with engine.begin() as connection:
        connection.execute(sa.insert(Task), [{**task, "due_at": NOW - timedelta(days=3)}])  # overdue
        connection.execute(sa.insert(Appointment), [{**appointment, "status": "scheduled"}])  # U3 attends
    assert both("U1") == (True, True)
    assert both("U3") == (True, True)  # attended, not owned: the probe can't tell, and says maybe
    assert both("U4") == (True, False)


def test_a_timeline_page_reads_the_orm_values(database_url: str) -> None:
    engine = make_engine(database_url)
    entries = [
        {
            "team_id": "T1",
            "record_type": "opportunity",
            "record_id": 7,
            "kind": "note",
            "author_id": "U1",
            "occurred_at": NOW - timedelta(hours=n % 5),
            "subject": f"S{n}",
            "body": f"B{n}",
            "data": {"mentions": ["U2"], "n": n},
            "deleted": n == 18,
            "created_at": NOW,
        }
        for n in range(20)
    ]
    entries.append({**entries[0], "record_id": 8})  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Activity), entries)
    with transaction(session_factory(engine)) as session:
        reader = session_reader(session)
        assert activities.count_activities(reader, team_id="T1", record_type="opportunity", record_id=7) == 20
        page = activities.activity_slice(reader, team_id="T1", record_type="opportunity", record_id=7, offset=5,
                                         limit=15)  # fmt: skip
        query = sa.select(Activity).where(Activity.record_id == 7).order_by(Activity.occurred_at, Activity.id)  # type: ignore[arg-type]
        orm = list(session.scalars(query))[5:20]
    assert [tuple(e) for e in page] == [
        (a.kind, a.author_id, a.occurred_at, a.subject, a.body, a.data, a.deleted) for a in orm
    ]
    assert page[0].occurred_at.tzinfo is not None and isinstance(page[0].data, dict)
    assert any(e.deleted is True for e in page) and all(isinstance(e.deleted, bool) for e in page)


def test_home_and_timeline_plans_read_ranges_of_the_indexes(database_url: str) -> None:
    """With statistics of 7,000 deals of 7 owners on PostgreSQL: the stage groups read the period's range
    of an owner's covering index (ix_opportunity_pipeline_owner, or the widened ix_opportunity_owner_close
    of migration 0018), the next close dates ix_opportunity_owner_close in order (no sort),
    neither scans the table; on SQLite also the probes' and the timeline page's indexes."""
    engine = make_engine(database_url)
    days = [TODAY + timedelta(days=n % 400 - 100) for n in range(7_000)]
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), [_deal(f"U{n % 7}", day) for n, day in enumerate(days)])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE opportunity")
    owner = {"team": "T1", "owner_0": "U1"}
    with reading(engine) as reader:
        stages = _plan(
            reader, queries.prepared("stages", 1), {**owner, "start": date(2026, 10, 1), "end": date(2027, 1, 1)}
        )
        upcoming = _plan(reader, queries.prepared("upcoming", 1), {**owner, "today": TODAY})
        if engine.dialect.name == "sqlite":
            probes = {"team": "T1", "user": "U1", "today": TODAY, "start": NOW, "end": DAY_END}
            quote = queue = _plan(reader, home_probes._PROBES, probes)  # one statement
            page = _plan(
                reader, activities._PAGE_SQL, {"team": "T1", "type": "lead", "id": 1, "limit": 15, "offset": 0}
            )
        head = _plan(reader, records._HEADS["opportunity"], {"team": "T1", "id": 3_500})
        won = _plan(reader, queries.prepared("won totals", 1), {**owner, "start": date(2026, 10, 1), "end": TODAY})
        home = _plan(
            reader, queries.prepared("home", 1), {**owner, "today": TODAY, "start": date(2026, 10, 1), "end": TODAY}
        )  # the three, one statement
    owner_indexes = ("ix_opportunity_pipeline_owner", "ix_opportunity_owner_close")  # both cover the groups' columns
    assert any(index in step for index in owner_indexes for step in stages), stages
    assert any("ix_opportunity_owner_close" in step for step in upcoming), upcoming
    assert not any("TEMP B-TREE" in step or "Sort" in step for step in upcoming), upcoming
    assert not any("Seq Scan" in step or step.startswith("SCAN") for step in stages + upcoming), stages + upcoming
    assert any("PRIMARY KEY" in step or "pk_opportunity" in step for step in head), head  # the Timeline's one row
    assert not any("Seq Scan" in step or step.startswith("SCAN") for step in head), head
    assert any("SubPlan" in step or "CORRELATED SCALAR SUBQUERY" in step for step in won), won  # per won deal
    assert any("ix_opportunity_owner_close" in step for step in home), home
    assert not any("Seq Scan" in step or step.startswith("SCAN opportunity") for step in home), home
    if engine.dialect.name != "sqlite":
        return
    assert any("ix_sales_order_opportunity (team_id=? AND opportunity_id=?)" in step for step in won), won
    assert not any("MATERIALIZE" in step for step in won), won  # never every order of the workspace
    rng = "estimated_close_date>? AND estimated_close_date<?"
    assert any("COVERING INDEX" in step and rng in step for step in stages), stages  # the period, not all U1's
    assert any("ix_quote_approver_status" in s for s in quote) and any(
        "ix_quote_owner_status_valid" in s for s in quote
    )
    assert any("ix_task_owner_status_due" in s for s in queue), queue
    assert any("ix_appointment_team_status_start (team_id=? AND status=? AND start_at>? AND start_at<?)" in s
               for s in queue), queue  # fmt: skip
    assert any("ix_activity_record" in step for step in page) and not any("TEMP B-TREE" in s for s in page), page


def test_homes_generic_plans_read_the_indexes_its_values_plans_read(database_url: str) -> None:
    """PostgreSQL: App Home reads with its statements' generic plans (`reading(..., generic_plans=True)`,
    planned once per connection; in `auto` mode the open leads' page, with its bound LIMIT, was planned at
    every Home). With statistics of 7,000 deals and 10,000 leads each generic plan reads the same indexes as
    the plan for the values, in order (no sort of a rep's deals or leads, no scan of a table)."""
    engine = make_engine(database_url)
    if engine.dialect.name != "postgresql":
        return
    days = [TODAY + timedelta(days=n % 400 - 100) for n in range(7_000)]
    deals = [{**_deal(f"U{n % 7}", day), "actual_close_date": None} for n, day in enumerate(days)]
    for deal in deals[::5]:  # a fifth won on their close date
        deal.update(status="won", actual_close_date=deal["estimated_close_date"])
    leads = [{"team_id": "T1", "owner_id": f"U{n % 20}", "topic": f"L{n}", "status": ("open", "qualified")[n % 2],
              "updated_at": NOW - timedelta(minutes=n)} for n in range(10_000)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), deals)
        connection.execute(sa.insert(Lead), leads)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE opportunity, lead, pipeline_month")
    owner, user = {"team": "T1", "owner_0": "U1"}, {"team": "T1", "user": "U1"}
    QUARTER = date(2026, 10, 1)  # noqa: N806
    statements = {
        "month stages": (queries.prepared("month stages", 1), {**owner, "start": QUARTER, "end": date(2027, 1, 1)}),
        "upcoming": (queries.prepared("upcoming", 1), {**owner, "today": TODAY}),
        "won totals": (queries.prepared("won totals", 1), {**owner, "start": QUARTER, "end": TODAY}),
        "home months": (queries.prepared("home months", 1),
                        {**owner, "today": TODAY, "start": QUARTER, "end": date(2027, 1, 1)}),
        "open leads": (leads_store._OPEN_PAGE_SQL, {"team": "T1", "owner": "U1", "limit": 25}),
        "user": (users_store._HOME_ASKER_SQL, user),
        "probes": (home_probes._PROBES, {**user, "today": TODAY, "start": NOW, "end": DAY_END}),
    }  # fmt: skip
    with reading(engine, generic_plans=True) as reader:
        for name, (query, values) in statements.items():
            custom, generic = _plan(reader, query, values), generic_plan(reader, query, values)
            assert _indexes(generic) == _indexes(custom), (name, custom, generic)
            assert not any("Seq Scan on opportunity" in s or "Seq Scan on lead" in s for s in generic), (name, generic)
            if name in ("upcoming", "open leads"):
                assert not any("Sort" in step for step in generic), (name, generic)
    assert "ix_lead_owner_recent" in _indexes(generic_plan(reader, *statements["open leads"]))


def _indexes(plan: list[str]) -> set[str]:
    """The indexes a PostgreSQL plan reads."""
    return {step.split(" using ", 1)[1].split()[0] for step in plan if " using " in step}


def test_the_timeline_reads_a_records_owner_and_topic_of_its_workspace(database_url: str) -> None:
    engine = make_engine(database_url)
    with transaction(session_factory(engine)) as session:
        lead = Lead(team_id="T1", owner_id="U1", topic="Espresso <&> machines")
        deal = Opportunity(team_id="T1", owner_id="U2", topic="Grinders")
        session.add_all([lead, deal])
        session.flush()
        ids = lead.id or 0, deal.id or 0
    with reading(engine) as reader:
        assert records.read_head(reader, team_id="T1", record_type="lead", record_id=ids[0]) == (
            "U1", "Espresso <&> machines"
        )  # fmt: skip
        assert records.read_head(reader, team_id="T1", record_type="opportunity", record_id=ids[1]) == (
            "U2",
            "Grinders",
        )
        assert records.read_head(reader, team_id="T2", record_type="lead", record_id=ids[0]) is None
        assert records.read_head(reader, team_id="T1", record_type="opportunity", record_id=ids[0] + ids[1]) is None
        assert records.read_head(reader, team_id="T1", record_type="quote", record_id=ids[0]) is None


def test_homes_zone_asks_slack_only_when_never_fetched_and_holds_no_connection_then(database_url: str) -> None:
    engine = make_engine(database_url)
    with transaction(session_factory(engine)) as session:
        session.add(SlackUser(team_id="T1", user_id="UF", tz="Europe/Rome", profile_fetched_at=NOW))
        session.add(SlackUser(team_id="T1", user_id="UN", tz="Asia/Tokyo"))
    asked: list[int] = []

    def ask(answer: str | None) -> str | None:
        asked.append(len(prepared._kept(engine).idle))  # the zone's connection is back before Slack is asked
        return answer

    def zone(user: str, answer: str | None) -> str:
        tz, viewer, _version = home_asker(
            engine, team_id="T1", user_id=user, admin_ids=frozenset(), ask_zone=lambda: ask(answer)
        )
        assert viewer == Viewer(team_id="T1", user_id=user, role="rep")
        return tz

    assert zone("UF", "America/Lima") == "Europe/Rome"
    assert asked == []
    assert zone("UN", "America/Lima") == "America/Lima"
    assert zone("UN", None) == "Asia/Tokyo"
    assert zone("UX", None) == "UTC"
    assert asked == [1, 1, 1]


def test_homes_asker_is_read_viewers_viewer(database_url: str) -> None:
    """One read of the user's row gives the same viewer as `read_viewer`: admins (Slack's, salesbot's, the
    configured ones), a manager with their reps, a rep, a user without a row."""
    engine = make_engine(database_url)
    with transaction(session_factory(engine)) as session:
        session.add_all([
            SlackUser(team_id="T1", user_id="UA", role="admin"),
            SlackUser(team_id="T1", user_id="US", is_slack_admin=True),
            SlackUser(team_id="T1", user_id="UM", role="manager"),
            SlackUser(team_id="T1", user_id="UR", manager_id="UM"),
            SlackUser(team_id="T1", user_id="UR2", manager_id="UM"),
            SlackUser(team_id="T2", user_id="UM", role="rep"),
        ])  # fmt: skip
    admins = frozenset({"UC"})
    with prepared.reading(engine) as reader:
        for team, user in [("T1", u) for u in ("UA", "US", "UM", "UR", "UC", "UX")] + [("T2", "UM")]:
            expected = read_viewer(reader, team_id=team, user_id=user, admin_ids=admins)
            ask = home_asker(engine, team_id=team, user_id=user, admin_ids=admins, ask_zone=lambda: None)
            assert ask.viewer == expected and ask.library_version is None
        assert read_viewer(reader, team_id="T1", user_id="UM", admin_ids=admins).reps == {"UR", "UR2"}
        assert read_viewer(reader, team_id="T1", user_id="US", admin_ids=admins).role == "admin"


def test_homes_asker_read_gives_the_workspaces_process_library_version(database_url: str) -> None:
    """The same statement as the user's row, for a user with a row and one without; another workspace's
    upload is not this one's."""
    engine = make_engine(database_url)
    with transaction(session_factory(engine)) as session:
        session.add(SlackUser(team_id="T1", user_id="UR"))
        for _ in range(2):
            save_library(session, team_id="T1", toml="", now=NOW)
    for team, user, version in [("T1", "UR", 2), ("T1", "UX", 2), ("T2", "UR", None)]:
        ask = home_asker(engine, team_id=team, user_id=user, admin_ids=frozenset(), ask_zone=lambda: None)
        assert (ask.library_version, ask.viewer.role, ask.tz) == (version, "rep", "UTC"), (team, user)


def test_homes_session_is_opened_at_its_first_use_and_committed_with_the_publish(database_url: str) -> None:
    """Home's sections read on the kept connection; a session exists only once a section asks for one
    (quotes, the work queue), and what it wrote is committed when the publish's reads end, or rolled
    back on an error."""
    engine = make_engine(database_url)
    opened: list[object] = []

    def new_session() -> Any:
        opened.append(session_factory(engine)())
        return opened[-1]

    ask = HomeAsk("UTC", Viewer(team_id="T1", user_id="U1", role="rep"), None)
    with reading(engine) as reader, HomeReads(reader, ask, NOW, new_session) as reads:
        assert reads.reader.connection is not None
    assert opened == []
    with reading(engine) as reader, HomeReads(reader, ask, NOW, new_session) as reads:
        reads.session.add(SlackUser(team_id="T1", user_id="UKEPT", tz="UTC"))
        assert reads.session is opened[0]
    assert len(opened) == 1
    try:
        with reading(engine) as reader, HomeReads(reader, ask, NOW, new_session) as reads:
            reads.session.add(SlackUser(team_id="T1", user_id="UGONE", tz="UTC"))
            reads.session.flush()
            raise RuntimeError("a section failed")
    except RuntimeError:
        pass
    with transaction(session_factory(engine)) as session:
        users = set(session.scalars(sa.select(SlackUser.user_id).where(SlackUser.team_id == "T1")))
    assert "UKEPT" in users and "UGONE" not in users
