"""store.pipeline on SQLite and PostgreSQL: exact Decimal sums from GROUP BY, scopes by owner and
workspace, the chart's grouping past its limit, and the covering indexes the planner uses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from store import pipeline as queries
from store.db import make_engine, session_factory, transaction
from store.models import Opportunity

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
    with transaction(new_session) as session:
        mine = queries.funnel_groups(session, team_id="T1", owners={"U1"}, start=Q3[0], end=Q3[1])
        by_key = {(r.stage, r.close_date): (r.count, r.revenue) for r in mine}
        assert by_key == {
            ("Qualify", date(2026, 7, 1)): (5, Decimal("0.35")),
            ("Close", date(2026, 9, 1)): (1, Decimal("1234567890123.45")),
        }
        assert all(isinstance(r.revenue, Decimal) for r in mine)
        everyone = queries.funnel_groups(session, team_id="T1", owners=None, start=Q3[0], end=Q3[1], by_owner=True)
        assert sorted((r.owner_id, r.stage, r.currency) for r in everyone) == [
            ("U1", "Close", "EUR"), ("U1", "Qualify", "EUR"), ("U2", "Develop", "USD"),
        ]  # fmt: skip
        assert queries.undated_count(session, team_id="T1", owners={"U1"}) == 1
        assert queries.undated_count(session, team_id="T2", owners=None) == 0
        assert queries.funnel_groups(session, team_id="T3", owners=None, start=Q3[0], end=Q3[1]) == []


def test_chart_points_are_deals_up_to_the_limit_then_groups(database_url: str) -> None:
    engine = make_engine(database_url)
    new_session = session_factory(engine)
    with transaction(new_session) as session:
        session.add_all(
            [_opp("U1", "Qualify", "10.01", date(2026, 7, 1 + n % 3), grade="AB"[n % 2]) for n in range(12)]
        )
    with transaction(new_session) as session:
        deals, grouped = queries.chart_points(session, team_id="T1", owners={"U1"}, start=Q3[0], end=Q3[1], limit=20)
        assert not grouped and len(deals) == 12 and all(p.count == 1 and p.topic for p in deals)
        assert [p.close_date for p in deals] == sorted(p.close_date for p in deals)
        groups, grouped = queries.chart_points(session, team_id="T1", owners=None, start=Q3[0], end=Q3[1], limit=5)
        assert grouped and sum(p.count for p in groups) == 12
        assert sum((p.revenue for p in groups), Decimal(0)) == Decimal("120.12")
        assert {p.grade for p in groups} == {"A", "B"}


def test_the_pipeline_queries_read_covering_indexes(database_url: str) -> None:
    engine = make_engine(database_url)
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL picks plans by statistics; bench/pipeline.py measures it at 1M rows
    with engine.connect() as connection:
        plans = {
            "owner": "SELECT estimated_close_date, process_name, stage, currency, count(*), "
                     "sum(CAST(round(estimated_revenue * 100) AS INTEGER)) FROM opportunity WHERE team_id = 'T1' "
                     "AND owner_id IN ('U1') AND status = 'open' AND estimated_close_date >= '2026-07-01' "
                     "AND estimated_close_date < '2026-10-01' "
                     "GROUP BY estimated_close_date, process_name, stage, currency",
            "all": "SELECT estimated_close_date, process_name, stage, currency, count(*) FROM opportunity "
                   "WHERE team_id = 'T1' AND status = 'open' AND estimated_close_date >= '2026-07-01' "
                   "AND estimated_close_date < '2026-10-01' "
                   "GROUP BY estimated_close_date, process_name, stage, currency",
            "moves": "SELECT kind, from_stage, to_stage, count(*) FROM stage_change WHERE team_id = 'T1' "
                     "AND owner_id IN ('U1') AND at >= '2026-07-01' AND at < '2026-10-01' "
                     "GROUP BY kind, from_stage, to_stage",
        }  # fmt: skip
        for name, query in plans.items():
            plan = " ".join(str(row[-1]) for row in connection.execute(sa.text("EXPLAIN QUERY PLAN " + query)))
            assert "COVERING INDEX" in plan, (name, plan)
