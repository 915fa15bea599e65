"""The pipeline's prepared statements (store/pipeline.py, compiled once, run on the driver's cursor) give
the figures the rows themselves give, on SQLite and PostgreSQL: each query is checked against the same
sums taken in Python over the opportunities, orders and stage changes read back through the ORM, for one
owner, two owners and everyone, over a quarter and a year (and the chart past its limit). Money comes
back as exact Decimals with cents, dates as dates, and period bounds in a zone east of UTC select the
stage moves of local days."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import astuple
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from store import pipeline as queries
from store.db import make_engine, session_factory, transaction
from store.models import Opportunity, SalesOrder, StageChange
from store.prepared import reading

T0 = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
STAGES = ("Qualify", "Develop", "Propose", "Close")
ROME = ZoneInfo("Europe/Rome")
PERIODS = {"Q3": (date(2026, 7, 1), date(2026, 10, 1)), "year": (date(2026, 1, 1), date(2027, 1, 1))}
SCOPES: dict[str, frozenset[str] | None] = {"U1": frozenset({"U1"}), "U1+U3": frozenset({"U1", "U3"}), "all": None}
CENTS = Decimal("0.01")


def _opportunity(n: int, team: str = "T1") -> Opportunity:
    status = ("open", "open", "open", "won", "lost", "open")[n % 6]
    close = None if n % 13 == 0 else date(2026, 1, 1) + timedelta(days=n * 11 % 420)
    revenue = None if n % 7 == 0 else Decimal(f"{n * 37 % 1000}.{n % 100:02d}")
    return Opportunity(
        team_id=team, owner_id=f"U{n % 3 + 1}", topic=f"Deal {n}", stage=STAGES[n % 4], status=status,
        process_name="Lead to opportunity sales process" if n % 8 else "Renewal",
        estimated_close_date=close, estimated_revenue=revenue, currency="USD" if n % 5 == 0 else "EUR",
        lead_grade="ABCD "[n % 5].strip(), actual_revenue=revenue if status == "won" else None,
        actual_close_date=close if status in ("won", "lost") else None, created_at=T0, updated_at=T0,
    )  # fmt: skip


def _seed(session: Session) -> None:
    opportunities = [_opportunity(n) for n in range(1, 90)] + [_opportunity(n, team="T2") for n in range(1, 9)]
    session.add_all(opportunities)
    session.flush()
    won = [o for o in opportunities if o.status == "won" and o.team_id == "T1"]
    statuses = ("submitted", "canceled", "fulfilled", "submitted")  # a canceled order: the deal's own revenue
    for number, (deal, status) in enumerate(zip(won[:4], statuses, strict=True)):
        total = Decimal("1000.10") * (number + 1)
        session.add(SalesOrder(team_id="T1", number=number, quote_id=number, opportunity_id=deal.id or 0,
                               owner_id=deal.owner_id, status=status, total=total))  # fmt: skip
    session.add(SalesOrder(team_id="T1", number=9, quote_id=9, opportunity_id=won[0].id or 0,
                           owner_id=won[0].owner_id, total=Decimal("0.05")))  # fmt: skip
    rome_midnight = datetime.combine(date(2026, 7, 1), time(), tzinfo=ROME).astimezone(UTC)  # 22:00 UTC the day before
    instants = [
        rome_midnight - timedelta(minutes=1), rome_midnight, rome_midnight + timedelta(days=40),
        datetime(2026, 9, 30, 21, 59, tzinfo=UTC), datetime(2026, 9, 30, 22, 0, tzinfo=UTC),
    ]  # fmt: skip
    for deal, at in zip(opportunities, instants, strict=False):
        for kind, before, after in (("advance", "Qualify", "Develop"), ("won", "Close", "Won")):
            session.add(StageChange(team_id="T1", opportunity_id=deal.id or 0, owner_id=deal.owner_id,
                                    from_stage=before, to_stage=after, kind=kind, at=at))  # fmt: skip


def _in_scope(row: Any, owners: Collection[str] | None) -> bool:
    return row.team_id == "T1" and (owners is None or row.owner_id in owners)


def _rows(rows: Iterable[Any]) -> list[tuple[Any, ...]]:
    return sorted(astuple(row) for row in rows)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENTS)


def expected_funnel(opps: list[Opportunity], owners: Collection[str] | None, start: date, end: date) -> list[Any]:
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for o in opps:
        day = o.estimated_close_date
        if _in_scope(o, owners) and o.status == "open" and day is not None and start <= day < end:
            group = groups[(o.process_name, o.stage, o.currency, day.replace(day=1))]
            group[0] += 1
            group[1] += o.estimated_revenue or 0
    return _rows(queries.GroupRow(*key, count, _money(total)) for key, (count, total) in groups.items())


def expected_won(opps: list[Opportunity], orders: list[SalesOrder], owners: Any, start: date, end: date) -> list[Any]:
    groups = _won_groups(opps, orders, lambda o: _in_scope(o, owners), start, end)
    return _rows(queries.WonRow(*key, count, total) for key, (count, total) in groups.items())


def _won_groups(
    opps: list[Opportunity], orders: list[SalesOrder], keep: Callable[[Opportunity], bool], start: date, end: date
) -> dict[tuple[Any, ...], list[Any]]:
    """(currency, day) -> [deals, revenue] of the won deals `keep` takes, in Python: a deal's orders (not
    canceled) replace its actual revenue."""
    ordered: dict[int, Decimal] = defaultdict(Decimal)
    for order in orders:
        if order.status != "canceled":
            ordered[order.opportunity_id] += order.total
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for o in opps:
        day = o.actual_close_date
        if keep(o) and o.status == "won" and day is not None and start <= day < end:
            group = groups[(o.currency, day)]
            group[0] += 1
            group[1] += ordered.get(o.id or 0, o.actual_revenue or 0)
    return {key: [count, _money(total)] for key, (count, total) in groups.items()}


def expected_moves(changes: list[StageChange], owners: Any, start: datetime, end: datetime) -> list[Any]:
    moved = [c for c in changes if _in_scope(c, owners) and start <= c.at < end]
    counted = Counter((c.kind, c.from_stage, c.to_stage) for c in moved)
    return _rows(queries.MoveRow(*key, count) for key, count in counted.items())


def _open_in(opps: list[Opportunity], owners: Any, start: date, end: date) -> list[Opportunity]:
    return [
        o for o in opps if _in_scope(o, owners) and o.status == "open"
        and o.estimated_close_date is not None and start <= o.estimated_close_date < end
    ]  # fmt: skip


@pytest.fixture
def seeded(database_url: str) -> tuple[str, list[Opportunity], list[SalesOrder], list[StageChange]]:
    engine = make_engine(database_url)
    new_session = session_factory(engine)
    with transaction(new_session) as session:
        _seed(session)
    with transaction(new_session) as session:
        opps = list(session.exec(select(Opportunity)))
        orders = list(session.exec(select(SalesOrder)))
        changes = list(session.exec(select(StageChange)))
    engine.dispose()
    return database_url, opps, orders, changes


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("period", PERIODS)
def test_report_queries_give_the_rows_figures(seeded: Any, scope: str, period: str) -> None:
    url, opps, orders, changes = seeded
    owners, (start, end) = SCOPES[scope], PERIODS[period]
    start_at, end_at = (datetime.combine(day, time(), tzinfo=ROME).astimezone(UTC) for day in (start, end))
    engine = make_engine(url)
    with reading(engine) as reader:
        funnel = queries.funnel_groups(reader, team_id="T1", owners=owners, start=start, end=end)
        won = queries.won_groups(reader, team_id="T1", owners=owners, start=start, end=end)
        moves = queries.stage_moves(reader, team_id="T1", owners=owners, start=start_at, end=end_at)
        undated = queries.undated_count(reader, team_id="T1", owners=owners)
    engine.dispose()
    assert funnel and won and moves  # the seed gives every query something to add up in each case
    assert _rows(funnel) == expected_funnel(opps, owners, start, end)
    assert _rows(won) == expected_won(opps, orders, owners, start, end)
    assert _rows(moves) == expected_moves(changes, owners, start_at, end_at)
    assert undated == sum(1 for o in opps if _in_scope(o, owners) and o.status == "open" and not o.estimated_close_date)
    assert all(str(r.revenue) == str(_money(r.revenue)) for r in [*funnel, *won])  # cents, as the ORM read them


@pytest.mark.parametrize("scope", SCOPES)
def test_chart_points_give_the_rows_figures_as_deals_and_as_groups(seeded: Any, scope: str) -> None:
    url, opps, _orders, _changes = seeded
    owners, (start, end) = SCOPES[scope], PERIODS["year"]
    shown = sorted(_open_in(opps, owners, start, end), key=lambda o: (o.estimated_close_date, o.id))
    engine = make_engine(url)
    with reading(engine) as reader:
        deals, grouped = queries.chart_points(reader, team_id="T1", owners=owners, start=start, end=end, limit=500)
        assert not grouped
        groups, grouped = queries.chart_points(reader, team_id="T1", owners=owners, start=start, end=end, limit=3)
        assert grouped
    engine.dispose()
    assert [tuple(p) for p in deals] == [
        (o.estimated_close_date, o.stage, o.lead_grade, o.estimated_revenue or Decimal(0), o.currency, 1, o.topic, o.id)
        for o in shown
    ]
    assert all(str(p.revenue) == str(_money(p.revenue)) for p in deals if p.revenue)
    summed: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for o in shown:
        group = summed[(o.estimated_close_date, o.stage, o.lead_grade, o.currency)]
        group[0] += 1
        group[1] += o.estimated_revenue or 0
    assert sorted((p.close_date, p.stage, p.grade, p.currency, p.deals, p.revenue) for p in groups) == sorted(
        (*key, count, _money(total)) for key, (count, total) in summed.items()
    )


def test_won_revenue_with_and_without_orders_in_the_workspace(seeded: Any) -> None:
    """A deal's orders replace its actual revenue only where the workspace has orders (T1); in T2, which
    has none, the won groups and totals are the deals' actual revenue, per day and per currency, and one
    canceled order there changes nothing (the per-deal order sum is skipped only while there is none)."""
    url, opps, orders, _changes = seeded
    engine = make_engine(url)
    theirs = [o for o in opps if o.team_id == "T2"]
    for cancelled in (False, True):
        if cancelled:
            with transaction(session_factory(engine)) as session:
                deal = next(o for o in theirs if o.status == "won")
                session.add(SalesOrder(team_id="T2", number=1, quote_id=1, opportunity_id=deal.id or 0,
                                       owner_id=deal.owner_id, status="canceled", total=Decimal("5.00")))  # fmt: skip
        with reading(engine) as reader:
            for start, end in PERIODS.values():
                for team, given in (("T1", orders), ("T2", [])):
                    expected = _won_of(team, opps, given, start, end)
                    won = queries.won_groups(reader, team_id=team, owners=None, start=start, end=end)
                    assert _rows(won) == _rows(queries.WonRow(*key, *value) for key, value in expected.items())
                    totals = queries.home_pipeline(
                        reader, team_id=team, owners=None, today=start, start=start, end=end
                    ).won
                    per_currency: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
                    for (currency, _day), (count, total) in expected.items():
                        per_currency[currency][0] += count
                        per_currency[currency][1] += total
                    assert {t.currency: [t.count, t.revenue] for t in totals} == per_currency
    engine.dispose()
    assert _won_of("T2", opps, [], *PERIODS["year"]) and _won_of("T1", opps, orders, *PERIODS["year"])


def _won_of(team: str, opps: list[Opportunity], orders: list[SalesOrder], start: date, end: date) -> dict[Any, Any]:
    """(currency, day) -> [deals, revenue] of a workspace's won deals, in Python."""
    return _won_groups(opps, orders, lambda o: o.team_id == team, start, end)
