"""Pipeline use cases: who may see which scope, then the grouped queries folded by bot.domain.pipeline.

Every function takes an open session; handlers own the transaction and the Slack calls. The grouped
reports read outside the ORM on the session's connection (store/prepared.py: statements compiled once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.domain import pipeline as rules
from bot.domain.pipeline import Period, PipelineReport, RepLine, StageListRef
from bot.domain.process import ProcessLibrary
from bot.refusals import Refused
from bot.views.charts import MAX_BUBBLES, Bubble
from store import pipeline as queries
from store.access import Viewer
from store.models import Opportunity
from store.prepared import Reader, session_reader
from store.users import get_user, reps_of, viewer_for


@dataclass(frozen=True)
class Scope:
    """Whose opportunities a request covers: `owners` None means the whole workspace."""

    viewer: Viewer
    name: str
    owners: frozenset[str] | None
    tz: str

    @property
    def team_id(self) -> str:
        return self.viewer.team_id


def resolve_scope(
    session: Session, *, team_id: str, user_id: str, admin_ids: frozenset[str], scope: str | None
) -> Scope:
    """The scope asked for (or the role's default); `Refused` saying why when the role may not see it."""
    viewer = viewer_for(session, team_id=team_id, user_id=user_id, admin_ids=admin_ids)
    name = scope or rules.default_scope(viewer.role)
    refusal = rules.scope_refusal(name, viewer.role)
    if refusal:
        raise Refused(refusal)
    user = get_user(session, team_id=team_id, user_id=user_id)
    tz = user.tz if user is not None else "UTC"
    owners: frozenset[str] | None
    if name == "all":
        owners = None
    elif name == "team":
        reps = viewer.reps
        if viewer.role != "manager":  # an admin's team: the reps an admin may also manage
            reps = frozenset(reps_of(session, team_id=team_id, manager_id=user_id))
        owners = reps | {user_id}
    else:
        owners = frozenset({user_id})
    return Scope(viewer, name, owners, str(rules.zone(tz).key))


def period_of(scope: Scope, key: str, now: datetime) -> Period:
    return rules.current_period(key, now, scope.tz)


def report(session: Session, scope: Scope, period: Period, library: ProcessLibrary) -> PipelineReport:
    """Funnel, forecast per month, won so far, stage moves and the undated: four grouped queries over
    indexes."""
    team, owners, reader = scope.team_id, scope.owners, session_reader(session)
    rows = queries.funnel_groups(reader, team_id=team, owners=owners, start=period.start, end=period.end)
    won = queries.won_groups(reader, team_id=team, owners=owners, start=period.start, end=period.end)
    start_at, end_at = period.utc_bounds()
    moves = queries.stage_moves(reader, team_id=team, owners=owners, start=start_at, end=end_at)
    undated = queries.undated_count(reader, team_id=team, owners=owners)
    return rules.build_report(
        scope=scope.name, period=period, rows=rows, won=won, moves=moves, library=library, undated=undated
    )


def home_report(
    reader: Reader, scope: Scope, period: Period, library: ProcessLibrary, *, today: date
) -> tuple[PipelineReport, list[queries.Upcoming]]:
    """What App Home shows of `report`: per stage, the totals, the weighted forecast and won so far, from
    the period's groups per stage and won totals per currency (no months, no stage moves, no undated
    count: Home shows none of them), with the next close dates from `today`, all read by one statement
    (store/pipeline.home_pipeline). The weighted figures are rounded per stage rather than per stage
    and month, as `/pipeline`'s funnel adds them: they may differ from it by a cent per stage."""
    found = queries.home_pipeline(
        reader, team_id=scope.team_id, owners=scope.owners, today=today, start=period.start, end=period.end
    )
    report = rules.build_home_report(scope=scope.name, period=period, rows=found.groups, won=found.won, library=library)
    return report, found.upcoming


def bubbles(session: Session, scope: Scope, period: Period) -> list[Bubble]:
    points, _grouped = queries.chart_points(
        session_reader(session),
        team_id=scope.team_id,
        owners=scope.owners,
        start=period.start,
        end=period.end,
        limit=MAX_BUBBLES,
    )
    return [
        Bubble(p.close_date, p.stage, p.grade, p.revenue, p.currency, p.deals, p.topic, p.opportunity_id or 0)
        for p in points
    ]


def chart_stages(report: PipelineReport, library: ProcessLibrary) -> list[str]:
    """The y bands of the chart: stage names of the processes in the report (else the default one)."""
    processes = [f.process for f in report.funnels] or [library.default]
    names: list[str] = []
    for process in processes:
        names += [n for n in process.stage_names if n not in names]
    return names


@dataclass(frozen=True)
class StagePage:
    process_name: str
    stage_name: str
    opportunities: list[Opportunity]
    total: int


def stage_page(
    session: Session, scope: Scope, period: Period, ref: StageListRef, library: ProcessLibrary, size: int
) -> StagePage | None:
    """One page of a funnel stage: the same open opportunities the funnel counted in it."""
    if not 0 <= ref.process < len(library.all):
        return None
    process = library.all[ref.process]
    if not 0 <= ref.stage < len(process.stages):
        return None
    stage = process.stages[ref.stage]
    rows = queries.funnel_groups(
        session_reader(session), team_id=scope.team_id, owners=scope.owners, start=period.start, end=period.end
    )
    pairs = set()
    for row in rows:
        if library.get(row.process_name) is process and process.current(row.stage) is stage:
            pairs.add((row.process_name, row.stage))
    opportunities, total = queries.stage_page(
        session,
        team_id=scope.team_id,
        owners=scope.owners,
        start=period.start,
        end=period.end,
        pairs=pairs,
        offset=ref.page * size,
        limit=size,
    )
    return StagePage(process.name, stage.name, opportunities, total)


@dataclass(frozen=True)
class HomeSummary:
    period: Period
    report: PipelineReport
    upcoming: list[queries.Upcoming]
    reps: list[RepLine] | None
    today: date


def home_summary(reader: Reader, *, viewer: Viewer, tz: str, now: datetime, library: ProcessLibrary) -> HomeSummary:
    """The App Home section: my pipeline this quarter, my next close dates, my reps' pipelines; prepared
    reads on the connection of the Home's transaction (`tz`: the viewer's stored zone)."""
    mine = Scope(viewer, "mine", frozenset({viewer.user_id}), str(rules.zone(tz).key))
    period = period_of(mine, rules.DEFAULT_PERIOD, now)
    today = rules.local_today(now, mine.tz)
    report, upcoming = home_report(reader, mine, period, library, today=today)
    reps: list[RepLine] | None = None
    if viewer.role == "manager" and viewer.reps:
        rows = queries.funnel_groups(
            reader, team_id=viewer.team_id, owners=viewer.reps, start=period.start, end=period.end, by_owner=True
        )
        reps = rules.per_rep(rows, library)
    return HomeSummary(period, report, upcoming, reps, today)
