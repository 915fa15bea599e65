"""store.pipeline on SQLite and PostgreSQL: exact Decimal sums from GROUP BY, scopes by owner and
workspace, the chart's grouping past its limit, and the covering indexes the planner uses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from store import pipeline as queries
from store.db import make_engine, session_factory, transaction
from store.models import Opportunity
from store.prepared import reading

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
Q3 = (date(2026, 7, 1), date(2026, 10, 1))


def _opp(owner: str, stage: str, revenue: str | None, day: date | None, *, team: str = "T1", status: str = "open",
         grade: str = "", currency: str = "EUR") -> Opportunity:  # fmt: skip
    return Opportunity(team_id=team, owner_id=owner, topic=f"{owner} {stage} {revenue}", stage=stage, status=status,
                       estimated_close_date=day, currency=currency, lead_grade=grade,
                       estimated_revenue=Decimal(revenue) if revenue is not None else None,
                       created_at=T0, updated_at=T0)  # fmt: skip


def test_grouped_sums_are_exact_decimals_per_scope(database_url: str) -> None:
    engine = make_engine(database_url)
    new_session = session_factory(engine)
    with transaction(new_session) as session:
        session.add_all([_opp("U1", "Qualify", "0.10", date(2026, 7, 5)) for _ in range(3)])
        session.add_all([
            _opp("U1", "Qualify", None, date(2026, 7, 5)),
            _opp("U1", "Qualify", "0.05", date(2026, 7, 31)),  # same month: one group
            _opp("U1", "Close", "1234567890123.45", date(2026, 9, 30)),  # SQLite keeps 15 digits (REAL)
            _opp("U2", "Develop", "1299.00", date(2026, 8, 1), currency="USD"),
            _opp("U1", "Develop", "5.00", date(2026, 10, 1)),  # next quarter
            _opp("U1", "Develop", "7.00", None),
            _opp("U1", "Close", "8.00", date(2026, 8, 1), status="won"),
            _opp("U9", "Qualify", "1.00", date(2026, 7, 5), team="T2"),
        ])  # fmt: skip
    with reading(engine) as reader:
        mine = queries.funnel_groups(reader, team_id="T1", owners={"U1"}, start=Q3[0], end=Q3[1])
        by_key = {(r.stage, r.close_date): (r.count, r.revenue) for r in mine}
        assert by_key == {
            ("Qualify", date(2026, 7, 1)): (5, Decimal("0.35")),
            ("Close", date(2026, 9, 1)): (1, Decimal("1234567890123.45")),
        }
        assert all(isinstance(r.revenue, Decimal) for r in mine)
        everyone = queries.funnel_groups(reader, team_id="T1", owners=None, start=Q3[0], end=Q3[1], by_owner=True)
        assert sorted((r.owner_id, r.stage, r.currency) for r in everyone) == [
            ("U1", "Close", "EUR"), ("U1", "Qualify", "EUR"), ("U2", "Develop", "USD"),
        ]  # fmt: skip
        assert queries.undated_count(reader, team_id="T1", owners={"U1"}) == 1
        assert queries.undated_count(reader, team_id="T2", owners=None) == 0
        assert queries.funnel_groups(reader, team_id="T3", owners=None, start=Q3[0], end=Q3[1]) == []


def test_chart_points_are_deals_up_to_the_limit_then_groups(database_url: str) -> None:
    engine = make_engine(database_url)
    new_session = session_factory(engine)
    with transaction(new_session) as session:
        session.add_all(
            [_opp("U1", "Qualify", "10.01", date(2026, 7, 1 + n % 3), grade="AB"[n % 2]) for n in range(12)]
        )
    with reading(engine) as reader:
        deals, grouped = queries.chart_points(reader, team_id="T1", owners={"U1"}, start=Q3[0], end=Q3[1], limit=20)
        assert not grouped and len(deals) == 12 and all(p.deals == 1 and p.topic for p in deals)
        assert [p.close_date for p in deals] == sorted(p.close_date for p in deals)
        groups, grouped = queries.chart_points(reader, team_id="T1", owners=None, start=Q3[0], end=Q3[1], limit=5)
        assert grouped and sum(p.deals for p in groups) == 12
        assert sum((p.revenue for p in groups), Decimal(0)) == Decimal("120.12")
        assert {p.grade for p in groups} == {"A", "B"}


def test_the_pipeline_queries_read_covering_indexes(database_url: str) -> None:
    """Every grouped statement of the report and the chart, for one owner, a team and everyone, reads
    opportunities and stage changes from an index alone, only the period's range of it (as compiled for
    the database, bound as sent)."""
    engine = make_engine(database_url)
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL picks plans by statistics; bench/pipeline.py checks them at 1M rows
    bounds = {"start": date(2026, 7, 1), "end": date(2026, 10, 1)}
    instants = {"start": T0, "end": datetime(2026, 10, 1, tzinfo=UTC)}
    with reading(engine) as reader:
        for name in ("funnel", "funnel by owner", "won", "moves", "undated", "chart count", "chart groups"):
            for owners in (["U1"], ["U1", "U2", "U3"], None):
                values = {"team": "T1", **(instants if name == "moves" else bounds)}
                values.update((f"owner_{n}", owner) for n, owner in enumerate(owners or []))
                sql, parameters = queries.prepared(name, len(owners) if owners else None).parameters(
                    reader.dialect, values
                )
                cursor = reader.connection.cursor()
                plan = [str(row[-1]) for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}", parameters)]
                reads = [step for step in plan if step.startswith(("SEARCH opportunity", "SEARCH stage_change"))]
                assert reads and all("COVERING INDEX" in step for step in reads), (name, owners, plan)
                if name != "undated":  # and only the period's index range (e.g. `actual_close_date>? AND …<?`)
                    assert all("_date>? AND" in step or "at>? AND" in step for step in reads), (name, owners, plan)
