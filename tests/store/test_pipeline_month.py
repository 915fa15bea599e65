"""pipeline_month (migrations 0021 and 0025): the triggers keep it equal to grouping the open deals with a close date
per owner, month, process, stage and currency, whatever writes them (ORM creates and edits, stage moves,
won, lost, reopen, owner, amount and close-date edits, Core imports, bulk updates and deletes), on SQLite
and PostgreSQL; App Home's and the per-rep reads from it equal the grouped reads of the rows."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from store import pipeline as queries
from store.counter_slots import fold
from store.db import make_engine, session_factory, transaction
from store.models import Opportunity, PipelineMonth
from store.prepared import reading

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
OWNERS = ("U1", "U2", "U3")
STAGES = ("Qualify", "Develop", "Propose", "Close")
PROCESSES = ("Lead to opportunity sales process", "Renewal")
CURRENCIES = ("EUR", "USD")
YEAR = (date(2026, 1, 1), date(2027, 1, 1))
_OPP = Opportunity.__table__  # type: ignore[attr-defined]
_MONTHS = PipelineMonth.__table__  # type: ignore[attr-defined]
_teams = itertools.count(1)

revenues = st.none() | st.integers(min_value=0, max_value=10**11).map(lambda cents: Decimal(cents).scaleb(-2))
close_dates = st.none() | st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 1, 31))
deals = st.fixed_dictionaries({
    "owner_id": st.sampled_from(OWNERS), "process_name": st.sampled_from(PROCESSES),
    "stage": st.sampled_from(STAGES), "currency": st.sampled_from(CURRENCIES),
    "status": st.sampled_from(("open", "open", "open", "won", "lost")),
    "estimated_close_date": close_dates, "estimated_revenue": revenues,
})  # fmt: skip
which = st.integers(min_value=0, max_value=50)
operations = st.one_of(
    st.tuples(st.just("create"), deals),
    st.tuples(st.just("import"), st.lists(deals, min_size=1, max_size=5)),
    st.tuples(st.just("move"), which, st.sampled_from(STAGES)),
    st.tuples(st.just("win"), which, revenues),
    st.tuples(st.just("lose"), which),
    st.tuples(st.just("reopen"), which, st.sampled_from(STAGES)),
    st.tuples(st.just("owner"), which, st.sampled_from(OWNERS)),
    st.tuples(st.just("amount"), which, revenues),
    st.tuples(st.just("close date"), which, close_dates),
    st.tuples(st.just("process"), which, st.sampled_from(PROCESSES), st.sampled_from(CURRENCIES)),
    st.tuples(st.just("delete"), which),
    st.tuples(st.just("reassign all"), st.sampled_from(OWNERS), st.sampled_from(OWNERS)),
    st.tuples(st.just("bulk move"), st.sampled_from(OWNERS), st.sampled_from(STAGES)),
    st.tuples(st.just("delete owner"), st.sampled_from(OWNERS)),
    st.just(("fold",)),  # PostgreSQL: the committed slots into slot 0 (store/counter_slots.py)
)


def _edit(session: Session, team: str, index: int, change: Callable[[Opportunity], None]) -> None:
    """Apply `change` to the team's deal number `index` (modulo how many there are), through the ORM."""
    ids = session.execute(sa.select(_OPP.c.id).where(_OPP.c.team_id == team).order_by(_OPP.c.id)).scalars().all()
    if ids:
        found = session.get(Opportunity, ids[index % len(ids)])
        assert found is not None
        change(found)
        session.add(found)


def _new(team: str, deal: dict[str, Any]) -> dict[str, Any]:
    return {**deal, "team_id": team, "topic": "deal", "created_at": T0, "updated_at": T0}


def _win(revenue: Decimal | None) -> Callable[[Opportunity], None]:
    def won(deal: Opportunity) -> None:
        deal.status, deal.actual_revenue, deal.actual_close_date = "won", revenue, date(2026, 6, 1)

    return won


def _apply(session: Session, team: str, operation: tuple[Any, ...]) -> None:
    kind, *args = operation
    team_deals = _OPP.c.team_id == team
    if kind == "fold":
        fold(session.connection())
    elif kind == "create":
        session.add(Opportunity(**_new(team, args[0])))
    elif kind == "import":
        session.execute(sa.insert(_OPP), [_new(team, deal) for deal in args[0]])
    elif kind == "move":
        _edit(session, team, args[0], lambda deal: setattr(deal, "stage", args[1]))
    elif kind == "win":
        _edit(session, team, args[0], _win(args[1]))
    elif kind == "lose":
        _edit(session, team, args[0], lambda deal: setattr(deal, "status", "lost"))
    elif kind == "reopen":
        _edit(session, team, args[0], lambda deal: (setattr(deal, "status", "open"), setattr(deal, "stage", args[1])))
    elif kind in ("owner", "amount", "close date"):
        column = {"owner": "owner_id", "amount": "estimated_revenue", "close date": "estimated_close_date"}[kind]
        _edit(session, team, args[0], lambda deal: setattr(deal, column, args[1]))
    elif kind == "process":
        _edit(
            session,
            team,
            args[0],
            lambda deal: (setattr(deal, "process_name", args[1]), setattr(deal, "currency", args[2])),
        )
    elif kind == "delete":
        _edit(session, team, args[0], session.delete)
    elif kind == "reassign all":
        session.execute(sa.update(_OPP).where(team_deals, _OPP.c.owner_id == args[0]).values(owner_id=args[1]))
    elif kind == "bulk move":
        session.execute(sa.update(_OPP).where(team_deals, _OPP.c.owner_id == args[0]).values(stage=args[1]))
    else:
        session.execute(sa.delete(_OPP).where(team_deals, _OPP.c.owner_id == args[0]))


def _grouped(connection: sa.Connection, team: str) -> dict[tuple[Any, ...], tuple[int, int]]:
    """The groups computed here from the team's rows: (owner, month, process, stage, currency) -> deals, cents."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    rows = connection.execute(sa.select(_OPP).where(_OPP.c.team_id == team, _OPP.c.status == "open"))
    for row in rows:
        if row.estimated_close_date is None:
            continue
        month = row.estimated_close_date.replace(day=1)
        group = groups[(row.owner_id, month, row.process_name, row.stage, row.currency)]
        group[0] += 1
        group[1] += int((row.estimated_revenue or Decimal(0)) * 100)
    return {key: (deals, cents) for key, (deals, cents) in groups.items()}


def _stored(connection: sa.Connection, team: str) -> dict[tuple[Any, ...], tuple[int, int]]:
    """The groups as stored: each the sum of its slots (PostgreSQL: one per writing transaction until folded)."""
    group = [_MONTHS.c.owner_id, _MONTHS.c.month, _MONTHS.c.process_name, _MONTHS.c.stage, _MONTHS.c.currency]
    deals, cents = sa.func.sum(_MONTHS.c.deals), sa.func.sum(_MONTHS.c.cents)
    query = sa.select(*group, deals, cents).where(_MONTHS.c.team_id == team).group_by(*group).having(deals != 0)
    return {tuple(row[:5]): (int(row[5]), int(row[6])) for row in connection.execute(query)}


def _reads_agree(engine: sa.Engine, team: str) -> None:
    """Home's stage groups and the per-rep month groups from pipeline_month equal the same reads grouping the
    deals (the statements used before it, and still for a period that is not whole months)."""
    start, end = YEAR
    with reading(engine) as reader:
        dialect = reader.dialect.name
        for owners in ({"U1"}, {"U1", "U2", "U3"}, None):
            shape, values = queries._scope(team, owners)
            values |= {"start": start, "end": end}
            scope = {"team_id": team, "owners": owners, "start": start, "end": end}
            old_stages = {
                (p, s, c, int(n), queries.to_money(dialect, t))
                for p, s, c, n, t in reader.all(queries.prepared("stages", shape), values)
            }
            new_stages = {
                (g.process_name, g.stage, g.currency, g.count, g.revenue)
                for g in queries.home_pipeline(reader, **scope, today=start).groups
            }
            assert new_stages == old_stages
            old_reps = {
                (o, queries.month_of(m), p, s, c, int(n), queries.to_money(dialect, t))
                for o, m, p, s, c, n, t in reader.all(queries.prepared("funnel by owner", shape), values)
            }
            new_reps = queries.funnel_groups(reader, **scope, by_owner=True)
            assert {
                (g.owner_id, g.close_date, g.process_name, g.stage, g.currency, g.count, g.revenue) for g in new_reps
            } == old_reps
            old_months = {
                (queries.month_of(m), p, s, c, int(n), queries.to_money(dialect, t))
                for m, p, s, c, n, t in reader.all(queries.prepared("funnel", shape), values)
            }
            new_months = queries.funnel_groups(reader, **scope)
            assert {(g.close_date, g.process_name, g.stage, g.currency, g.count, g.revenue) for g in new_months} == (
                old_months
            )


@pytest.fixture
def engine(database_url: str) -> sa.Engine:
    return make_engine(database_url)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(operations, min_size=1, max_size=12))
def test_the_stored_groups_equal_grouping_the_deals_after_any_writes(
    engine: sa.Engine, steps: list[tuple[Any, ...]]
) -> None:
    team = f"H{next(_teams)}"
    new_session = session_factory(engine)
    for step in steps:
        with transaction(new_session) as session:
            _apply(session, team, step)
        with engine.connect() as connection:
            assert _stored(connection, team) == _grouped(connection, team), step
    _reads_agree(engine, team)
    with engine.begin() as connection:  # what a bulk load without the triggers runs afterwards
        queries.rebuild_months(connection)
    with engine.connect() as connection:
        assert _stored(connection, team) == _grouped(connection, team)


def test_a_stage_move_and_a_reopen_through_the_orm_move_the_deal_between_groups(engine: sa.Engine) -> None:
    """The groups themselves, written out (the property above compares two computations of them)."""
    new_session = session_factory(engine)
    deal = {"owner_id": "U1", "process_name": PROCESSES[0], "stage": "Qualify", "currency": "EUR", "status": "open",
            "estimated_close_date": date(2026, 7, 5), "estimated_revenue": Decimal("0.29")}  # fmt: skip
    with transaction(new_session) as session:
        session.add_all([Opportunity(**_new("T1", deal)), Opportunity(**_new("T1", deal))])
    july = ("U1", date(2026, 7, 1), PROCESSES[0])
    with engine.connect() as connection:
        assert _stored(connection, "T1") == {(*july, "Qualify", "EUR"): (2, 58)}
    with transaction(new_session) as session:
        _apply(session, "T1", ("move", 0, "Close"))
        _apply(session, "T1", ("lose", 1))
    with engine.connect() as connection:
        assert _stored(connection, "T1") == {(*july, "Close", "EUR"): (1, 29)}
    with transaction(new_session) as session:
        _apply(session, "T1", ("reopen", 1, "Develop"))
        _apply(session, "T1", ("close date", 0, None))
    with engine.connect() as connection:
        assert _stored(connection, "T1") == {(*july, "Develop", "EUR"): (1, 29)}
