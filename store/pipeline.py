"""Pipeline queries: grouped sums over covering indexes, never a Python loop over opportunities.

`owners=None` means every owner of the workspace (admins' `all`); otherwise the owners in scope.
Money sums are exact Decimals: PostgreSQL sums NUMERIC; SQLite stores NUMERIC(16,2) values as
INTEGER/REAL, so it sums whole cents as integers (exact), converted back here.

Indexes (migration 0003): `ix_opportunity_pipeline_owner` (team_id, owner_id, status,
estimated_close_date, process_name, stage, currency, lead_grade, estimated_revenue) serves one
owner or a team; `ix_opportunity_pipeline_team` (the same without owner_id) serves `all`;
`ix_opportunity_won` serves won revenue by close date; two covering indexes on stage_change
serve the stage moves.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.models import Opportunity, SalesOrder, StageChange

CENTS = Decimal("0.01")


# --- grouped rows (bot.domain.pipeline folds them into the funnel, the forecast and the moves) -------


@dataclass(frozen=True)
class GroupRow:
    """Open opportunities sharing process, stage, currency and month of estimated close date
    (`close_date` is a day inside it; funnel_groups passes the first of the month)."""

    process_name: str
    stage: str
    currency: str
    close_date: date
    count: int
    revenue: Decimal  # Σ estimated revenue (opportunities without one add nothing)
    owner_id: str = ""


@dataclass(frozen=True)
class WonRow:
    currency: str
    close_date: date
    count: int
    revenue: Decimal  # Σ actual revenue, or the deal's order totals where it has orders


@dataclass(frozen=True)
class MoveRow:
    kind: str  # enter | advance | back | won | lost | reopen
    from_stage: str
    to_stage: str
    count: int


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def money_sum(session: Session, column: Any) -> Any:
    """SUM of a money column that comes back exact (see the module docstring)."""
    if _dialect(session) == "sqlite":
        return sa.func.sum(sa.cast(sa.func.round(column * 100), sa.Integer))
    return sa.func.sum(column)


def day_column(session: Session, column: Any) -> Any:
    """A date column as the driver returns it most cheaply: ISO text on SQLite (parsing every group
    row through SQLAlchemy's SQLite date type costs more than the query), a date on PostgreSQL."""
    return sa.type_coerce(column, sa.String) if _dialect(session) == "sqlite" else column


def month_of(value: Any) -> date:
    """First day of the month of a `day_column` value."""
    if isinstance(value, str):
        return date(int(value[:4]), int(value[5:7]), 1)
    return date(value.year, value.month, 1)


def day_of(value: Any) -> date:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _decimal(value: Any) -> Decimal:
    return Decimal(0) if value is None else value if isinstance(value, Decimal) else Decimal(str(value))


def to_money(session: Session, value: Any) -> Decimal:
    if value is None:
        return Decimal(0).quantize(CENTS)
    if _dialect(session) == "sqlite":
        return (Decimal(int(value)) * CENTS).quantize(CENTS)
    return Decimal(value).quantize(CENTS)


def _owned(model: Any, team_id: str, owners: Collection[str] | None) -> list[Any]:
    conditions = [model.team_id == team_id]
    if owners is not None:
        conditions.append(col(model.owner_id).in_(sorted(owners)))
    return conditions


def _open_in_period(team_id: str, owners: Collection[str] | None, start: date, end: date) -> list[Any]:
    return [
        *_owned(Opportunity, team_id, owners),
        Opportunity.status == "open",
        col(Opportunity.estimated_close_date) >= start,
        col(Opportunity.estimated_close_date) < end,
    ]


def funnel_groups(
    session: Session,
    *,
    team_id: str,
    owners: Collection[str] | None,
    start: date,
    end: date,
    by_owner: bool = False,
) -> list[GroupRow]:
    """Open opportunities closing in [start, end), grouped by close month, process, stage, currency
    (and owner for the per-rep view): the funnel and the forecast months both fold these groups.

    SQL groups by close *day*, the order of the covering index, so SQLite streams the GROUP BY
    without a temporary B-tree; the day groups (≤ 366 × stages) are then added into months here
    with exact integer/Decimal sums."""
    keys: list[Any] = [
        col(Opportunity.estimated_close_date),
        col(Opportunity.process_name),
        col(Opportunity.stage),
        col(Opportunity.currency),
    ]
    if by_owner:
        keys.insert(0, col(Opportunity.owner_id))
    shown = [day_column(session, k) if k is keys[-4] else k for k in keys]
    query = (
        sa.select(*shown, sa.func.count(), money_sum(session, Opportunity.estimated_revenue))
        .where(*_open_in_period(team_id, owners, start, end))
        .group_by(*keys)
    )
    months: dict[tuple[str, date, str, str, str], list[Any]] = {}
    for row in session.execute(query):
        owner, rest = (row[0], row[1:]) if by_owner else ("", row)
        day, process_name, stage, currency, count, total = rest
        key = (owner, month_of(day), process_name, stage, currency)
        group = months.get(key)
        if group is None:
            months[key] = [count, total or 0]
        else:
            group[0] += count
            group[1] += total or 0
    return [
        GroupRow(process_name, stage, currency, month, int(count), to_money(session, total), owner)
        for (owner, month, process_name, stage, currency), (count, total) in months.items()
    ]


def won_groups(
    session: Session, *, team_id: str, owners: Collection[str] | None, start: date, end: date
) -> list[WonRow]:
    """Won revenue by actual close date in [start, end): a deal's orders (not canceled) where it has
    any, else its actual revenue."""
    ordered = (
        sa.select(col(SalesOrder.opportunity_id).label("opportunity_id"), sa.func.sum(SalesOrder.total).label("total"))
        .where(col(SalesOrder.team_id) == team_id, col(SalesOrder.status) != "canceled")
        .group_by(col(SalesOrder.opportunity_id))
        .subquery()
    )
    amount = sa.func.coalesce(ordered.c.total, Opportunity.actual_revenue)
    keys = [col(Opportunity.actual_close_date), col(Opportunity.currency)]
    query = (
        sa.select(day_column(session, keys[0]), keys[1], sa.func.count(), money_sum(session, amount))
        .select_from(Opportunity)
        .outerjoin(ordered, ordered.c.opportunity_id == col(Opportunity.id))
        .where(
            *_owned(Opportunity, team_id, owners),
            col(Opportunity.status) == "won",
            col(Opportunity.actual_close_date) >= start,
            col(Opportunity.actual_close_date) < end,
        )
        .group_by(*keys)
    )
    return [
        WonRow(currency, day_of(close_date), int(count), to_money(session, total))
        for close_date, currency, count, total in session.execute(query).all()
    ]


def stage_moves(
    session: Session, *, team_id: str, owners: Collection[str] | None, start: datetime, end: datetime
) -> list[MoveRow]:
    """Stage changes in [start, end) (UTC instants) grouped by kind and stages."""
    keys = [col(StageChange.kind), col(StageChange.from_stage), col(StageChange.to_stage)]
    query = (
        sa.select(*keys, sa.func.count())
        .where(*_owned(StageChange, team_id, owners), col(StageChange.at) >= start, col(StageChange.at) < end)
        .group_by(*keys)
    )
    return [
        MoveRow(kind, from_stage, to_stage, int(count)) for kind, from_stage, to_stage, count in session.execute(query)
    ]


def undated_count(session: Session, *, team_id: str, owners: Collection[str] | None) -> int:
    """Open opportunities without an estimated close date (they are in no period)."""
    query = select(sa.func.count()).where(
        *_owned(Opportunity, team_id, owners),
        Opportunity.status == "open",
        col(Opportunity.estimated_close_date).is_(None),
    )
    return int(session.exec(query).one())


# --- the chart --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    """One bubble: an opportunity, or a group of them (same close date or week, stage and grade)."""

    close_date: date
    stage: str
    grade: str
    revenue: Decimal
    currency: str
    count: int = 1
    topic: str = ""
    opportunity_id: int | None = None


def chart_points(
    session: Session,
    *,
    team_id: str,
    owners: Collection[str] | None,
    start: date,
    end: date,
    limit: int,
) -> tuple[list[ChartPoint], bool]:
    """Every open opportunity closing in [start, end) when there are at most `limit`; else groups
    per (close date, stage, grade, currency) from the index — (points, grouped)."""
    where = _open_in_period(team_id, owners, start, end)
    total = int(session.exec(select(sa.func.count()).where(*where)).one())
    if total <= limit:
        query = (
            sa.select(
                col(Opportunity.id),
                col(Opportunity.topic),
                day_column(session, col(Opportunity.estimated_close_date)),
                col(Opportunity.stage),
                col(Opportunity.lead_grade),
                col(Opportunity.estimated_revenue),
                col(Opportunity.currency),
            )
            .where(*where)
            .order_by(col(Opportunity.estimated_close_date), col(Opportunity.id))
        )
        points = [
            ChartPoint(day_of(day), stage, grade or "", _decimal(amount), cur, 1, topic, opp_id)
            for opp_id, topic, day, stage, grade, amount, cur in session.execute(query)
        ]
        return points, False
    keys = [
        col(Opportunity.estimated_close_date),
        col(Opportunity.stage),
        col(Opportunity.lead_grade),
        col(Opportunity.currency),
    ]
    grouped = (
        sa.select(
            day_column(session, keys[0]), *keys[1:], sa.func.count(), money_sum(session, Opportunity.estimated_revenue)
        )
        .where(*where)
        .group_by(*keys)
    )
    points = [
        ChartPoint(day_of(day), stage, grade or "", to_money(session, amount), cur, int(count))
        for day, stage, grade, cur, count, amount in session.execute(grouped).all()
    ]
    return points, True


# --- lists ---------------------------------------------------------------------------------------------


def stage_page(
    session: Session,
    *,
    team_id: str,
    owners: Collection[str] | None,
    start: date,
    end: date,
    pairs: Collection[tuple[str, str]],
    offset: int,
    limit: int,
) -> tuple[list[Opportunity], int]:
    """One page of the open opportunities closing in the period whose (process name, stage) is one of
    `pairs` (a funnel stage may gather names no longer in the process), by close date; and the total."""
    if not pairs:
        return [], 0
    where = [
        *_open_in_period(team_id, owners, start, end),
        sa.tuple_(col(Opportunity.process_name), col(Opportunity.stage)).in_(sorted(pairs)),
    ]
    total = int(session.exec(select(sa.func.count()).where(*where)).one())
    query = (
        select(Opportunity)
        .where(*where)
        .order_by(col(Opportunity.estimated_close_date), col(Opportunity.id))
        .offset(offset)
        .limit(limit)
    )
    return list(session.exec(query)), total


def next_closing(
    session: Session, *, team_id: str, owners: Collection[str] | None, today: date, limit: int = 3
) -> list[Opportunity]:
    """The next open opportunities to close from `today` on."""
    query = (
        select(Opportunity)
        .where(
            *_owned(Opportunity, team_id, owners),
            Opportunity.status == "open",
            col(Opportunity.estimated_close_date) >= today,
        )
        .order_by(col(Opportunity.estimated_close_date), col(Opportunity.id))
        .limit(limit)
    )
    return list(session.exec(query))
