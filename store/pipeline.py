"""Pipeline queries: grouped sums over covering indexes, never a Python loop over opportunities.

`owners=None` means every owner of the workspace (admins' `all`); otherwise the owners in scope.
Money sums are exact Decimals: PostgreSQL sums NUMERIC; SQLite stores NUMERIC(16,2) values as
INTEGER/REAL, so it sums whole cents as integers (exact), converted back here.

Indexes (migration 0003): `ix_opportunity_pipeline_owner` (team_id, owner_id, status,
estimated_close_date, process_name, stage, currency, lead_grade, estimated_revenue) serves one
owner or a team; `ix_opportunity_pipeline_team` (the same, owner_id last) serves `all`;
`ix_opportunity_won` and `ix_opportunity_won_team` (0014) serve won revenue by close date of owners
and of everyone; two covering indexes on stage_change serve the stage moves.

The report's and the chart's grouped reads are Core statements built once per shape (which query, how
many owners) and compiled once per dialect, run on the DBAPI cursor (store/prepared.py): for one owner
the statement building, cache keys and ORM execution cost more than the queries. Their rows come back
as the driver gives them (dates as ISO text on SQLite), read here in both forms.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.kinds import OpportunityStatus
from store.models import Opportunity, PipelineMonth, SalesOrder, StageChange
from store.prepared import PreparedQuery, Reader

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


# --- statements, built once per shape and compiled once per dialect (store/prepared.py) ------------------
# A report is four of these; building them, their cache keys and the ORM's execution each time cost more
# than the queries of one owner (bench/pipeline.py). Bind names: team, owner_0…owner_<n-1>, start, end.

_OPP = Opportunity.__table__  # type: ignore[attr-defined]
_MOVE = StageChange.__table__  # type: ignore[attr-defined]
_ORDER = SalesOrder.__table__  # type: ignore[attr-defined]
_MONTHS = PipelineMonth.__table__  # type: ignore[attr-defined]
MAX_PREPARED_SHAPES = 256
HOME_UPCOMING = 3  # App Home's next close dates  # owner counts × statements kept compiled


def money_sum(dialect: str, column: Any) -> Any:
    """SUM of a money column that comes back exact (see the module docstring)."""
    if dialect == "sqlite":
        return sa.func.sum(sa.cast(sa.func.round(column * 100), sa.Integer))
    return sa.func.sum(column)


def _owned(table: Any, owners: int | None) -> list[Any]:
    """The workspace and, unless `owners` is None (everyone), that many owners as bind parameters."""
    conditions = [table.c.team_id == sa.bindparam("team", type_=sa.String)]
    if owners is not None:
        conditions.append(table.c.owner_id.in_([sa.bindparam(f"owner_{n}", type_=sa.String) for n in range(owners)]))
    return conditions


def _open_in_period(owners: int | None) -> list[Any]:
    return [
        *_owned(_OPP, owners),
        _OPP.c.status == OpportunityStatus.OPEN,
        _OPP.c.estimated_close_date >= sa.bindparam("start"),
        _OPP.c.estimated_close_date < sa.bindparam("end"),
    ]


def _month(dialect: str, day: Any) -> Any:
    """'YYYY-MM' of a date column (literal arguments: the GROUP BY repeats the expression verbatim)."""
    if dialect == "sqlite":
        return sa.func.substr(day, sa.literal_column("1"), sa.literal_column("7"))
    return sa.func.to_char(day, sa.literal_column("'YYYY-MM'"))


def _funnel_statement(dialect: str, owners: int | None, by_owner: bool) -> sa.Select[Any]:
    """Groups by close *day* first, the order of the covering index, so SQLite streams that GROUP BY
    without a temporary B-tree over every opportunity (by owner, then day, for owners in scope: the
    order of ix_opportunity_pipeline_owner, which SQLite then prefers for a team too); the day groups
    (≤ 366 × stages × currencies) are then added into months by the outer query. PostgreSQL hashes."""
    keys = [_OPP.c.estimated_close_date, _OPP.c.process_name, _OPP.c.stage, _OPP.c.currency]
    if by_owner or (owners is not None and dialect == "sqlite"):
        keys.insert(0, _OPP.c.owner_id)
    days = (
        sa.select(*keys, sa.func.count().label("n"), money_sum(dialect, _OPP.c.estimated_revenue).label("total"))
        .where(*_open_in_period(owners))
        .group_by(*keys)
        .subquery("days")
    )
    months = [_month(dialect, days.c.estimated_close_date), days.c.process_name, days.c.stage, days.c.currency]
    if by_owner:
        months.insert(0, days.c.owner_id)
    return sa.select(*months, sa.func.sum(days.c.n), sa.func.sum(days.c.total)).group_by(*months)


def _won_amount() -> Any:
    """A won deal's orders (not canceled) where it has any, else its actual revenue: the orders summed per
    deal along ix_sales_order_opportunity (team, opportunity). Was a join to every order of the workspace
    grouped per deal, which SQLite materialized on every App Home, whatever the period and owner. In a
    workspace without any order the per-deal sum is skipped: the EXISTS is uncorrelated, evaluated once per
    statement (SQLite's scalar subquery, PostgreSQL's InitPlan), and the CASE runs the correlated sum only
    when it is true (App Home's won total of a rep's quarter, 197 deals: 0.110 -> 0.044 ms)."""
    team = sa.bindparam("team", type_=sa.String)
    ordered = (
        sa.select(sa.func.sum(_ORDER.c.total))
        .where(_ORDER.c.team_id == team, _ORDER.c.opportunity_id == _OPP.c.id, _ORDER.c.status != "canceled")
        .scalar_subquery()
    )
    any_order = sa.exists().where(_ORDER.c.team_id == team)
    return sa.case((any_order, sa.func.coalesce(ordered, _OPP.c.actual_revenue)), else_=_OPP.c.actual_revenue)


def _won_in_period(owners: int | None) -> list[Any]:
    return [
        *_owned(_OPP, owners),
        _OPP.c.status == OpportunityStatus.WON,
        _OPP.c.actual_close_date >= sa.bindparam("start"),
        _OPP.c.actual_close_date < sa.bindparam("end"),
    ]


def _won_statement(dialect: str, owners: int | None) -> sa.Select[Any]:
    """Won revenue per actual close date and currency (`_won_amount` per deal)."""
    keys = [_OPP.c.actual_close_date, _OPP.c.currency]
    return (
        sa.select(*keys, sa.func.count(), money_sum(dialect, _won_amount()))
        .select_from(_OPP)
        .where(*_won_in_period(owners))
        .group_by(*keys)
    )


def _stages_statement(dialect: str, owners: int | None) -> sa.Select[Any]:
    """App Home's funnel: open opportunities closing in the period per process, stage and currency, no
    month (Home shows the quarter's stages and totals, not the forecast per month): a handful of rows
    instead of the funnel's per-day groups. SQLite sorts the groups of the period's range of an owner's
    covering index (ix_opportunity_pipeline_owner or ix_opportunity_owner_close: a temporary B-tree of
    ~1,400 entries for a rep owning 20,000 of 1M deals, not of all the rep's rows)."""
    keys = [_OPP.c.process_name, _OPP.c.stage, _OPP.c.currency]
    return (
        sa.select(*keys, sa.func.count(), money_sum(dialect, _OPP.c.estimated_revenue))
        .where(*_open_in_period(owners))
        .group_by(*keys)
    )


def _won_totals_statement(dialect: str, owners: int | None) -> sa.Select[Any]:
    """`won` per currency (App Home shows the period's won total only), grouped at once: the same sums, as
    each deal's amount is rounded to cents (`money_sum`) before any sum (was `won` per day, then summed)."""
    return (
        sa.select(_OPP.c.currency, sa.func.count(), money_sum(dialect, _won_amount()))
        .select_from(_OPP)
        .where(*_won_in_period(owners))
        .group_by(_OPP.c.currency)
    )


def _upcoming_statement(_dialect: str, owners: int | None) -> sa.Select[Any]:
    """The next open deals to close from `today` on, in the order of ix_opportunity_owner_close (one
    owner: no sort), at most `HOME_UPCOMING` (written into the statement)."""
    return (
        sa.select(
            _OPP.c.id,
            _OPP.c.topic,
            _OPP.c.estimated_close_date,
            _OPP.c.estimated_revenue,
            _OPP.c.currency,
            _OPP.c.stage,
        )  # fmt: skip
        .where(
            *_owned(_OPP, owners),
            _OPP.c.status == OpportunityStatus.OPEN,
            _OPP.c.estimated_close_date >= sa.bindparam("today"),
        )
        .order_by(_OPP.c.estimated_close_date, _OPP.c.id)
        .limit(sa.literal_column(str(HOME_UPCOMING), sa.Integer))
    )


def _moves_statement(_dialect: str, owners: int | None) -> sa.Select[Any]:
    keys = [_MOVE.c.kind, _MOVE.c.from_stage, _MOVE.c.to_stage]
    return (
        sa.select(*keys, sa.func.count())
        .where(*_owned(_MOVE, owners), _MOVE.c.at >= sa.bindparam("start"), _MOVE.c.at < sa.bindparam("end"))
        .group_by(*keys)
    )


def _undated_statement(_dialect: str, owners: int | None) -> sa.Select[Any]:
    conditions = [*_owned(_OPP, owners), _OPP.c.status == OpportunityStatus.OPEN, _OPP.c.estimated_close_date.is_(None)]
    return sa.select(sa.func.count()).select_from(_OPP).where(*conditions)


def _chart_count_statement(_dialect: str, owners: int | None) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(_OPP).where(*_open_in_period(owners))


def _chart_deals_statement(_dialect: str, owners: int | None) -> sa.Select[Any]:
    columns = (_OPP.c.id, _OPP.c.topic, _OPP.c.estimated_close_date, _OPP.c.stage, _OPP.c.lead_grade)
    return (
        sa.select(*columns, _OPP.c.estimated_revenue, _OPP.c.currency)
        .where(*_open_in_period(owners))
        .order_by(_OPP.c.estimated_close_date, _OPP.c.id)
    )


def _chart_groups_statement(dialect: str, owners: int | None) -> sa.Select[Any]:
    keys = [_OPP.c.estimated_close_date, _OPP.c.stage, _OPP.c.lead_grade, _OPP.c.currency]
    return (
        sa.select(*keys, sa.func.count(), money_sum(dialect, _OPP.c.estimated_revenue))
        .where(*_open_in_period(owners))
        .group_by(*keys)
    )


def _months_statement(_dialect: str, owners: int | None, by_owner: bool) -> sa.Select[Any]:
    """`_funnel_statement` from `pipeline_month` (migration 0021: the groups per owner and month, kept
    by triggers), for a period of whole months: the owners' few rows of the period instead of their deals."""
    keys = [_MONTHS.c.month, _MONTHS.c.process_name, _MONTHS.c.stage, _MONTHS.c.currency]
    if by_owner:
        keys.insert(0, _MONTHS.c.owner_id)
        return _month_groups(keys, owners).order_by(*keys)
    return _month_groups(keys, owners)


def _month_stages_statement(_dialect: str, owners: int | None) -> sa.Select[Any]:
    """`_stages_statement` from `pipeline_month`, for a period of whole months."""
    return _month_groups([_MONTHS.c.process_name, _MONTHS.c.stage, _MONTHS.c.currency], owners)


def _month_groups(keys: list[Any], owners: int | None) -> sa.Select[Any]:
    """The owners' groups of the months from `start` to `end` (both first days of a month) by `keys`, still
    holding deals: each the sum of its rows and their slots (migration 0025_pipeline_month_slots)."""
    period = [_MONTHS.c.month >= sa.bindparam("start"), _MONTHS.c.month < sa.bindparam("end")]
    deals = sa.func.sum(_MONTHS.c.deals)
    selected = sa.select(*keys, deals, sa.func.sum(_MONTHS.c.cents)).where(*_owned(_MONTHS, owners), *period)
    return selected.group_by(*keys).having(deals > 0)


def _home_statement(dialect: str, owners: int | None, stored: bool) -> sa.CompoundSelect:
    """App Home's pipeline section in one statement (on PostgreSQL a round trip instead of three): the next
    close dates (`_upcoming_statement`), the period's stage groups (`_month_stages_statement` for whole
    months, else `_stages_statement`) and won totals (`_won_totals_statement`), each an arm of a UNION ALL
    keeping its own plan, in shared columns: (arm, id, name, stage, currency, count, amount, day), NULL
    where an arm has none (`home_pipeline` reads them by arm)."""
    upcoming = _upcoming_statement(dialect, owners).subquery("upcoming")
    stages = (_month_stages_statement if stored else _stages_statement)(dialect, owners).subquery("stages")
    won = _won_totals_statement(dialect, owners).subquery("won")
    process, stage, currency, count, total = stages.c
    won_currency, won_count, won_total = won.c
    null = sa.null()
    return sa.union_all(
        sa.select(_arm(_UPCOMING), upcoming.c.id, upcoming.c.topic, upcoming.c.stage, upcoming.c.currency, null,
                  upcoming.c.estimated_revenue, upcoming.c.estimated_close_date),
        sa.select(_arm(_STAGES), null, process, stage, currency, count, total, null),
        sa.select(_arm(_WON), null, null, null, won_currency, won_count, won_total, null),
    )  # fmt: skip


_UPCOMING, _STAGES, _WON = range(3)  # the arms of `_home_statement`


def _arm(arm: int) -> Any:
    return sa.literal_column(str(arm), sa.Integer).label("arm")


_STATEMENTS: dict[str, Callable[..., sa.Select[Any] | sa.CompoundSelect]] = {
    "months": functools.partial(_months_statement, by_owner=False),
    "months by owner": functools.partial(_months_statement, by_owner=True),
    "month stages": _month_stages_statement,
    "funnel": functools.partial(_funnel_statement, by_owner=False),
    "funnel by owner": functools.partial(_funnel_statement, by_owner=True),
    "won": _won_statement,
    "stages": _stages_statement,
    "won totals": _won_totals_statement,
    "upcoming": _upcoming_statement,
    "home": functools.partial(_home_statement, stored=False),
    "home months": functools.partial(_home_statement, stored=True),
    "moves": _moves_statement,
    "undated": _undated_statement,
    "chart count": _chart_count_statement,
    "chart deals": _chart_deals_statement,
    "chart groups": _chart_groups_statement,
}


@functools.lru_cache(maxsize=MAX_PREPARED_SHAPES)
def prepared(name: str, owners: int | None) -> PreparedQuery:
    """The statement `name` for `owners` owners (None: everyone), compiled once per dialect."""
    return PreparedQuery(functools.partial(_STATEMENTS[name], owners=owners))


def _scope(team_id: str, owners: Collection[str] | None) -> tuple[int | None, dict[str, Any]]:
    """The owner count of the statement's shape and the scope's bind values."""
    values: dict[str, Any] = {"team": team_id}
    if owners is None:
        return None, values
    values.update((f"owner_{n}", owner) for n, owner in enumerate(sorted(owners)))
    return len(owners), values


# --- reading the driver's values (both databases' forms) --------------------------------------------------


def month_of(value: Any) -> date:
    """First day of the month of a date as the driver returns it ('YYYY-MM…' text, or a date)."""
    if isinstance(value, str):
        return date(int(value[:4]), int(value[5:7]), 1)
    return date(value.year, value.month, 1)


def day_of(value: Any) -> date:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _amount(value: Any) -> Decimal:
    """A money column as SQLAlchemy's NUMERIC(16, 2) reads it: SQLite keeps a REAL or an INTEGER."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(f"{value:.2f}")


def rebuild_months(connection: sa.Connection) -> None:
    """`pipeline_month` computed again from the deals, in slot 0 (what migrations 0021 and 0025 fill it with): after a
    bulk load that ran without its triggers (bench/pipeline.py)."""
    dialect, close, revenue = connection.dialect.name, _OPP.c.estimated_close_date, _OPP.c.estimated_revenue
    month: Any
    if dialect == "sqlite":
        month = sa.func.date(close, sa.literal_column("'start of month'"))
    else:
        month = sa.cast(sa.func.date_trunc(sa.literal_column("'month'"), sa.cast(close, sa.DateTime)), sa.Date)
    cents = sa.func.coalesce(sa.cast(sa.func.round(revenue * 100), sa.BigInteger), 0)
    keys = [_OPP.c.team_id, _OPP.c.owner_id, month, _OPP.c.process_name, _OPP.c.stage, _OPP.c.currency]
    groups = (
        sa.select(*keys, sa.literal(0, sa.BigInteger), sa.func.count(), sa.func.sum(cents))
        .where(_OPP.c.status == OpportunityStatus.OPEN, close.is_not(None))
        .group_by(*keys)
    )
    columns = ["team_id", "owner_id", "month", "process_name", "stage", "currency", "slot", "deals", "cents"]
    connection.execute(sa.delete(_MONTHS))
    connection.execute(sa.insert(_MONTHS).from_select(columns, groups))


def cents_money(value: Any) -> Decimal:
    """A sum of `pipeline_month.cents` (an integer, or PostgreSQL's NUMERIC sum of BIGINTs)."""
    return (Decimal(int(value or 0)) * CENTS).quantize(CENTS)


def whole_months(start: date, end: date) -> bool:
    """A period `pipeline_month` answers: from the first of a month to the first of a later one."""
    return start.day == 1 and end.day == 1


def to_money(dialect: str, value: Any) -> Decimal:
    """A `money_sum`: whole cents on SQLite, NUMERIC on PostgreSQL."""
    if value is None:
        return Decimal(0).quantize(CENTS)
    if dialect == "sqlite":
        return (Decimal(int(value)) * CENTS).quantize(CENTS)
    return Decimal(value).quantize(CENTS)


# --- the report's queries -------------------------------------------------------------------------------


def funnel_groups(
    reader: Reader,
    *,
    team_id: str,
    owners: Collection[str] | None,
    start: date,
    end: date,
    by_owner: bool = False,
) -> list[GroupRow]:
    """Open opportunities closing in [start, end), grouped by close month, process, stage, currency
    (and owner for the per-rep view): the funnel and the forecast months both fold these groups."""
    shape, values = _scope(team_id, owners)
    stored = whole_months(start, end)
    name = ("months" if stored else "funnel") + (" by owner" if by_owner else "")
    dialect = reader.dialect.name
    money: Callable[[Any], Decimal] = cents_money if stored else functools.partial(to_money, dialect)
    return [
        GroupRow(process_name, stage, currency, month_of(month), int(count), money(total), owner)
        for owner, month, process_name, stage, currency, count, total in (
            row if by_owner else ("", *row)
            for row in reader.all(prepared(name, shape), {**values, "start": start, "end": end})
        )
    ]


def won_groups(reader: Reader, *, team_id: str, owners: Collection[str] | None, start: date, end: date) -> list[WonRow]:
    """Won revenue by actual close date in [start, end): a deal's orders (not canceled) where it has
    any, else its actual revenue."""
    shape, values = _scope(team_id, owners)
    rows = reader.all(prepared("won", shape), {**values, "start": start, "end": end})
    dialect = reader.dialect.name
    return [
        WonRow(currency, day_of(close_date), int(count), to_money(dialect, total))
        for close_date, currency, count, total in rows
    ]


def stage_moves(
    reader: Reader, *, team_id: str, owners: Collection[str] | None, start: datetime, end: datetime
) -> list[MoveRow]:
    """Stage changes in [start, end) (aware UTC instants) grouped by kind and stages."""
    shape, values = _scope(team_id, owners)
    rows = reader.all(prepared("moves", shape), {**values, "start": start, "end": end})
    return [MoveRow(kind, from_stage, to_stage, int(count)) for kind, from_stage, to_stage, count in rows]


def undated_count(reader: Reader, *, team_id: str, owners: Collection[str] | None) -> int:
    """Open opportunities without an estimated close date (they are in no period)."""
    shape, values = _scope(team_id, owners)
    return int(reader.scalar(prepared("undated", shape), values) or 0)


# --- the chart --------------------------------------------------------------------------------------


class ChartPoint(NamedTuple):
    """One bubble: an opportunity, or a group of them (same close date, stage, grade and currency); a
    tuple, as a year of one owner's deals is thousands of groups."""

    close_date: date
    stage: str
    grade: str
    revenue: Decimal
    currency: str
    deals: int = 1  # how many opportunities the point stands for
    topic: str = ""
    opportunity_id: int | None = None


def chart_points(
    reader: Reader,
    *,
    team_id: str,
    owners: Collection[str] | None,
    start: date,
    end: date,
    limit: int,
) -> tuple[list[ChartPoint], bool]:
    """Every open opportunity closing in [start, end) when there are at most `limit`; else groups
    per (close date, stage, grade, currency) from the index — (points, grouped)."""
    shape, values = _scope(team_id, owners)
    values.update(start=start, end=end)
    total = int(reader.scalar(prepared("chart count", shape), values) or 0)
    if total <= limit:
        points = [
            ChartPoint(day_of(day), stage, grade or "", _amount(amount), cur, 1, topic, opp_id)
            for opp_id, topic, day, stage, grade, amount, cur in reader.all(prepared("chart deals", shape), values)
        ]
        return points, False
    dialect = reader.dialect.name
    points = [
        ChartPoint(day_of(day), stage, grade or "", to_money(dialect, amount), cur, int(count))
        for day, stage, grade, cur, count, amount in reader.all(prepared("chart groups", shape), values)
    ]
    return points, True


# --- lists (whole opportunities for the views: through the ORM) ------------------------------------------


def _orm_owned(model: Any, team_id: str, owners: Collection[str] | None) -> list[Any]:
    conditions = [model.team_id == team_id]
    if owners is not None:
        conditions.append(col(model.owner_id).in_(sorted(owners)))
    return conditions


def _orm_open_in_period(team_id: str, owners: Collection[str] | None, start: date, end: date) -> list[Any]:
    return [
        *_orm_owned(Opportunity, team_id, owners),
        Opportunity.status == OpportunityStatus.OPEN,
        col(Opportunity.estimated_close_date) >= start,
        col(Opportunity.estimated_close_date) < end,
    ]


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
        *_orm_open_in_period(team_id, owners, start, end),
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


class Upcoming(NamedTuple):
    """An open deal of App Home's next close dates (a tuple: the attributes the view reads)."""

    id: int
    topic: str
    estimated_close_date: date
    estimated_revenue: Decimal | None
    currency: str
    stage: str


class HomePipeline(NamedTuple):
    """App Home's pipeline reads: its next open deals to close (by close date, then id), the period's open
    deals per process, stage and currency (each row's `close_date` is the period's start: `funnel_groups`
    without the months) and its won deals per currency (`won_groups` per currency)."""

    upcoming: list[Upcoming]
    groups: list[GroupRow]
    won: list[WonRow]


def home_pipeline(
    reader: Reader, *, team_id: str, owners: Collection[str] | None, today: date, start: date, end: date
) -> HomePipeline:
    """The next HOME_UPCOMING open deals to close from `today` on, the open deals closing in [start, end)
    per stage and the deals won in it per currency, in one statement (`_home_statement`)."""
    shape, values = _scope(team_id, owners)
    stored = whole_months(start, end)
    statement = prepared("home months" if stored else "home", shape)
    rows = reader.all(statement, {**values, "today": today, "start": start, "end": end})
    dialect = reader.dialect.name
    stage_money: Callable[[Any], Decimal] = cents_money if stored else functools.partial(to_money, dialect)
    found = HomePipeline([], [], [])
    for arm, opp_id, name, stage, currency, count, amount, day in rows:
        if arm == _UPCOMING:
            revenue = None if amount is None else _amount(amount)
            found.upcoming.append(Upcoming(int(opp_id), name, day_of(day), revenue, currency, stage))
        elif arm == _STAGES:
            found.groups.append(GroupRow(name, stage, currency, start, int(count), stage_money(amount)))
        else:
            found.won.append(WonRow(currency, start, int(count), to_money(dialect, amount)))
    found.upcoming.sort(key=lambda deal: (deal.estimated_close_date, deal.id))  # a UNION keeps no order
    return found
