"""Pipeline views as pure rules: `/pipeline` arguments, scopes and who may ask for them, calendar
periods in the user's time zone, and the arithmetic that turns grouped rows into a funnel, a
forecast and stage moves.

The database does the row work (GROUP BY over covering indexes, see store/pipeline.py); these
functions only fold the groups — a few hundred tuples at most, never one per opportunity.

Calculated current value (seed 003) = estimated revenue × probability % / 100. The funnel rounds it
once per group of opportunities sharing process, stage, currency and month of estimated close date
(the grain the queries return), then adds those Decimals, so the funnel, the forecast months and
the App Home always show the same totals. A card rounds per opportunity, so a sum of cards may
differ from the funnel by at most half a minor unit per opportunity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import revenue
from bot.domain.process import Process, ProcessLibrary, Stage, stage_probability

if TYPE_CHECKING:  # the grouped rows store.pipeline returns; only their fields are read here
    from store.pipeline import GroupRow, MoveRow, WonRow

SCOPES: tuple[str, ...] = ("mine", "team", "all")
PERIODS: tuple[str, ...] = ("this-quarter", "next-quarter", "this-year")
DEFAULT_PERIOD = "this-quarter"
ENTER_KINDS = frozenset({"enter", "advance", "back", "reopen"})
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Money = dict[str, Decimal]  # currency -> amount


# --- arguments, scopes, permissions ---------------------------------------------------------------


@dataclass(frozen=True)
class PipelineRequest:
    scope: str | None  # None: the role's default
    period: str = DEFAULT_PERIOD


def parse_request(text: str) -> PipelineRequest | None:
    """`[mine|team|all] [this-quarter|next-quarter|this-year]` in any order; None means "show help"
    (unknown words, `help`, or two scopes / two periods)."""
    scope: str | None = None
    period: str | None = None
    for word in text.lower().split():
        if word in SCOPES and scope is None:
            scope = word
        elif word in PERIODS and period is None:
            period = word
        else:
            return None
    return PipelineRequest(scope, period or DEFAULT_PERIOD)


def default_scope(role: str) -> str:
    """Managers look at their team by default; reps and admins at their own deals."""
    return "team" if role == "manager" else "mine"


def scope_refusal(scope: str, role: str) -> str | None:
    """Why this role may not see `scope`, or None. `team` needs a manager, `all` an admin."""
    if scope == "team" and role not in ("manager", "admin"):
        return (
            "Only managers can see a team's pipeline (`/pipeline team`). "
            "An admin can make you a manager with `/salesbot admin`; `/pipeline mine` shows yours."
        )
    if scope == "all" and role != "admin":
        return "Only admins can see everyone's pipeline (`/pipeline all`). Try `/pipeline mine` or `/pipeline team`."
    return None


# --- periods in the user's time zone --------------------------------------------------------------


def zone(tz_name: str | None) -> ZoneInfo:
    """The user's Slack time zone; UTC when unknown or invalid."""
    try:
        return ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(now: datetime, tz_name: str | None) -> date:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zone(tz_name)).date()


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    key: str
    start: date  # first day, inclusive
    end: date  # first day after the period
    tz: str = "UTC"

    @property
    def label(self) -> str:
        if self.key == "this-year":
            return str(self.start.year)
        return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"

    @property
    def span(self) -> str:
        """`1 Jul – 30 Sep 2026`."""
        last = date.fromordinal(self.end.toordinal() - 1)
        first = f"{self.start.day} {MONTH_NAMES[self.start.month - 1]}"
        return f"{first} – {last.day} {MONTH_NAMES[last.month - 1]} {last.year}"

    @property
    def months(self) -> list[date]:
        """The first day of each month of the period."""
        result, month = [], self.start
        while month < self.end:
            result.append(month)
            month = _add_months(month, 1)
        return result

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """Local midnight at the start and the end, as UTC instants (for timestamps such as stage moves)."""
        tz = zone(self.tz)
        return (
            datetime.combine(self.start, time(), tzinfo=tz).astimezone(UTC),
            datetime.combine(self.end, time(), tzinfo=tz).astimezone(UTC),
        )

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


def period_for(key: str, today: date, tz: str = "UTC") -> Period:
    """Calendar quarters and years around `today` (already in the user's zone)."""
    if key not in PERIODS:
        raise ValueError(f"unknown period {key!r}")
    if key == "this-year":
        return Period(key, date(today.year, 1, 1), date(today.year + 1, 1, 1), tz)
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    if key == "next-quarter":
        quarter_start = _add_months(quarter_start, 3)
    return Period(key, quarter_start, _add_months(quarter_start, 3), tz)


def current_period(key: str, now: datetime, tz_name: str | None) -> Period:
    return period_for(key, local_today(now, tz_name), str(zone(tz_name).key))


# --- grouped rows in, funnel and forecast out ------------------------------------------------------


def add_money(total: Money, currency: str, amount: Decimal) -> None:
    if not isinstance(amount, Decimal):
        raise TypeError("money is Decimal, never float")
    total[currency] = total.get(currency, Decimal(0)) + amount


def merge_money(*parts: Mapping[str, Decimal]) -> Money:
    total: Money = {}
    for part in parts:
        for currency, amount in part.items():
            add_money(total, currency, amount)
    return total


def format_totals(total: Mapping[str, Decimal], empty: str = "–") -> str:
    """`1,299.00 EUR + 80.00 USD` — one sum per currency, never converted."""
    if not total:
        return empty
    return " + ".join(revenue.format_money(total[c], c) for c in sorted(total))


def weighted_value(amount: Decimal, probability: Decimal, currency: str) -> Decimal:
    """Σ estimated revenue of a group × the stage's probability (the process's mode) / 100, rounded."""
    value = revenue.current_value(amount, probability, currency)
    return value if value is not None else Decimal(0)


@dataclass
class StageLine:
    stage: Stage
    probability: Decimal
    count: int = 0
    revenue: Money = field(default_factory=dict)
    weighted: Money = field(default_factory=dict)


@dataclass
class ProcessFunnel:
    process: Process
    index: int  # position in the process library (buttons carry it)
    stages: list[StageLine]

    @property
    def count(self) -> int:
        return sum(line.count for line in self.stages)

    @property
    def revenue(self) -> Money:
        return merge_money(*(line.revenue for line in self.stages))

    @property
    def weighted(self) -> Money:
        return merge_money(*(line.weighted for line in self.stages))


@dataclass
class MonthLine:
    month: date
    revenue: Money = field(default_factory=dict)
    weighted: Money = field(default_factory=dict)
    won: Money = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{MONTH_NAMES[self.month.month - 1]} {self.month.year}"


@dataclass
class MoveLine:
    stage: str
    entered: int = 0
    advanced: int = 0
    won: int = 0
    lost: int = 0

    @property
    def any(self) -> bool:
        return bool(self.entered or self.advanced or self.won or self.lost)


def _resolve(library: ProcessLibrary, process_name: str, stage_name: str) -> tuple[int, Process, Stage]:
    """The process (unknown names fall back to the default one) and stage (unknown: the first)."""
    process = library.get(process_name)
    index = next((i for i, p in enumerate(library.all) if p is process), 0)
    return index, process, process.current(stage_name)


class _Resolver:
    """`_resolve` and the stage's probability, worked out once per (process, stage) names: a report
    meets the same few names in every month's and every owner's rows."""

    def __init__(self, library: ProcessLibrary) -> None:
        self.library = library
        self.known: dict[tuple[str, str], tuple[int, Process, Stage, Decimal]] = {}

    def __call__(self, process_name: str, stage_name: str) -> tuple[int, Process, Stage, Decimal]:
        found = self.known.get((process_name, stage_name))
        if found is None:
            index, process, stage = _resolve(self.library, process_name, stage_name)
            found = (index, process, stage, stage_probability(stage, process.probability))
            self.known[(process_name, stage_name)] = found
        return found


def build_funnels(rows: Iterable[GroupRow], library: ProcessLibrary) -> list[ProcessFunnel]:
    """One funnel per process that has open opportunities, in library order; every stage of it in
    process order (empty stages included, so the funnel names them all)."""
    funnels: dict[int, ProcessFunnel] = {}
    resolve = _Resolver(library)
    for row in rows:
        index, process, stage, probability = resolve(row.process_name, row.stage)
        funnel = funnels.get(index)
        if funnel is None:
            lines = [StageLine(s, stage_probability(s, process.probability)) for s in process.stages]
            funnel = funnels[index] = ProcessFunnel(process, index, lines)
        line = funnel.stages[process.index(stage.name)]
        line.count += row.count
        add_money(line.revenue, row.currency, row.revenue)
        add_money(line.weighted, row.currency, weighted_value(row.revenue, probability, row.currency))
    return [funnels[i] for i in sorted(funnels)]


def build_months(
    rows: Iterable[GroupRow], won: Iterable[WonRow], period: Period, library: ProcessLibrary
) -> list[MonthLine]:
    """Unweighted vs weighted pipeline and won revenue per month of the period."""
    months = {m: MonthLine(m) for m in period.months}
    resolve = _Resolver(library)
    for row in rows:
        month = months.get(row.close_date.replace(day=1))
        if month is None:
            continue
        probability = resolve(row.process_name, row.stage)[3]
        add_money(month.revenue, row.currency, row.revenue)
        add_money(month.weighted, row.currency, weighted_value(row.revenue, probability, row.currency))
    for item in won:
        month = months.get(item.close_date.replace(day=1))
        if month is not None:
            add_money(month.won, item.currency, item.revenue)
    return [months[m] for m in sorted(months)]


def build_moves(rows: Iterable[MoveRow], library: ProcessLibrary) -> list[MoveLine]:
    """Per stage: entered (any move into it), advanced (moved on from it), won and lost (closed from it),
    in the order of the processes' stages; stages without moves are left out."""
    order: list[str] = []
    for process in library.all:
        order += [name for name in process.stage_names if name not in order]
    lines: dict[str, MoveLine] = {}

    def line(stage: str) -> MoveLine:
        if stage not in lines:
            lines[stage] = MoveLine(stage)
            if stage not in order:
                order.append(stage)
        return lines[stage]

    for row in rows:
        if row.kind in ENTER_KINDS and row.to_stage:
            line(row.to_stage).entered += row.count
        if row.kind == "advance" and row.from_stage:
            line(row.from_stage).advanced += row.count
        elif row.kind == "won" and row.from_stage:
            line(row.from_stage).won += row.count
        elif row.kind == "lost" and row.from_stage:
            line(row.from_stage).lost += row.count
    return [lines[name] for name in order if name in lines and lines[name].any]


@dataclass
class PipelineReport:
    scope: str
    period: Period
    funnels: list[ProcessFunnel]
    months: list[MonthLine]
    moves: list[MoveLine]
    undated: int = 0  # open opportunities in scope without an estimated close date

    @property
    def count(self) -> int:
        return sum(f.count for f in self.funnels)

    @property
    def empty(self) -> bool:
        return self.count == 0

    @property
    def revenue(self) -> Money:
        return merge_money(*(f.revenue for f in self.funnels))

    @property
    def weighted(self) -> Money:
        return merge_money(*(f.weighted for f in self.funnels))

    @property
    def won(self) -> Money:
        return merge_money(*(m.won for m in self.months))


def build_report(
    *,
    scope: str,
    period: Period,
    rows: list[GroupRow],
    won: list[WonRow],
    moves: list[MoveRow],
    library: ProcessLibrary,
    undated: int = 0,
) -> PipelineReport:
    return PipelineReport(
        scope=scope,
        period=period,
        funnels=build_funnels(rows, library),
        months=build_months(rows, won, period, library),
        moves=build_moves(moves, library),
        undated=undated,
    )


def build_home_report(
    *, scope: str, period: Period, rows: list[GroupRow], won: list[WonRow], library: ProcessLibrary
) -> PipelineReport:
    """`build_report` of what App Home shows (funnels, totals, won so far): the months carry only the won
    revenue (Home shows no forecast per month, and its rows have no months: each is dated `period.start`)."""
    return PipelineReport(
        scope=scope, period=period, funnels=build_funnels(rows, library),
        months=build_months([], won, period, library), moves=[],
    )  # fmt: skip


# --- App Home: per rep -----------------------------------------------------------------------------


@dataclass
class RepLine:
    owner_id: str
    count: int = 0
    revenue: Money = field(default_factory=dict)
    weighted: Money = field(default_factory=dict)


def per_rep(rows: Iterable[GroupRow], library: ProcessLibrary) -> list[RepLine]:
    """Count, unweighted and weighted totals per owner, largest pipelines (by count) first."""
    reps: dict[str, RepLine] = {}
    resolve = _Resolver(library)
    for row in rows:
        probability = resolve(row.process_name, row.stage)[3]
        rep = reps.setdefault(row.owner_id, RepLine(row.owner_id))
        rep.count += row.count
        add_money(rep.revenue, row.currency, row.revenue)
        add_money(rep.weighted, row.currency, weighted_value(row.revenue, probability, row.currency))
    return sorted(reps.values(), key=lambda r: (-r.count, r.owner_id))


# --- the stage-list buttons ------------------------------------------------------------------------


@dataclass(frozen=True)
class StageListRef:
    """What a `List` button points at: scope, period, process and stage (by position), page."""

    scope: str
    period: str
    process: int
    stage: int
    page: int = 0

    def encode(self) -> str:
        return f"{self.scope}|{self.period}|{self.process}|{self.stage}|{self.page}"


def decode_stage_list(value: str | None) -> StageListRef:
    parts = (value or "").split("|")
    if len(parts) != 5 or parts[0] not in SCOPES or parts[1] not in PERIODS:
        raise ValueError(f"not a stage list reference: {value!r}")
    if not all(p.isdigit() for p in parts[2:]):
        raise ValueError(f"not a stage list reference: {value!r}")
    return StageListRef(parts[0], parts[1], int(parts[2]), int(parts[3]), int(parts[4]))


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))
