"""`/pipeline` answers as Block Kit: the funnel with its forecast and stage moves, a stage's
opportunities page by page, the App Home summary, and help. Pure builders, ≤ 50 blocks a message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.pipeline import (
    MoveLine,
    Period,
    PipelineReport,
    ProcessFunnel,
    RepLine,
    StageLine,
    StageListRef,
    format_totals,
    page_count,
)
from bot.domain.process import percent_text
from bot.domain.revenue import format_money
from bot.ids import ACTION_OPEN_RECORD, BLOCK_PIPELINE_PAGES, PIPELINE_PAGE, PIPELINE_STAGE, RecordRef
from bot.views.blocks import Block, actions, button, context, escape, header, section
from store.models import Opportunity
from store.pipeline import Upcoming

MESSAGE_BLOCKS_MAX = 50
PAGE_SIZE = 10
HOME_REPS_MAX = 20
SCOPE_TITLES = {"mine": "Your pipeline", "team": "Your team's pipeline", "all": "Everyone's pipeline"}
SCOPE_WHO = {"mine": "you", "team": "your team", "all": "the workspace"}
USAGE = (
    "*`/pipeline [mine|team|all] [this-quarter|next-quarter|this-year]`*\n"
    "Funnel by stage, weighted forecast per month and the pipeline chart, for the open opportunities "
    "whose estimated close date falls in the period (calendar quarters in your time zone).\n"
    "• `mine` — your own deals (the default for reps)\n"
    "• `team` — you and your reps (managers; their default)\n"
    "• `all` — everyone in the workspace (admins)\n"
    "• `this-quarter` (default), `next-quarter`, `this-year`\n"
    "The charts arrive in your DM with me; the funnel is only shown to you."
)


@dataclass(frozen=True)
class ChartLinks:
    pipeline: str
    funnel: str
    dm: str


def usage_blocks(unknown: str = "") -> list[Block]:
    blocks = [section(f"I don't know `/pipeline {escape(unknown[:60])}`. Here is how it works:")] if unknown else []
    return [*blocks, section(USAGE)]


def title(scope: str, period: Period) -> str:
    return f"{SCOPE_TITLES.get(scope, 'Pipeline')} · {period.label}"


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    return f"{count:,} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def empty_message(report: PipelineReport) -> tuple[str, list[Block]]:
    """No open opportunity closes in the period: say so, with what else there is to see."""
    who = SCOPE_WHO.get(report.scope, "you")
    text = (
        f"No open opportunities close in {report.period.label} ({report.period.span}) for {who}. "
        "Try another period, e.g. `/pipeline this-year`, or create one with `/opp new`."
    )
    blocks = [section(text)]
    extras = []
    if report.won:
        extras.append(f"Won so far in {report.period.label}: {format_totals(report.won)}.")
    if report.undated:
        extras.append(_undated(report.undated))
    if extras:
        blocks.append(context(" ".join(extras)))
    return text, blocks


def _undated(count: int) -> str:
    verb = "is" if count == 1 else "are"
    return f"{_plural(count, 'open opportunity')} without an estimated close date {verb} in no period."


def funnel_message(
    report: PipelineReport, *, charts: ChartLinks | None, chart_note: str = ""
) -> tuple[str, list[Block]]:
    """The ephemeral funnel: one funnel per process, the forecast, stage moves, links to the charts."""
    period = report.period
    heading = title(report.scope, period)
    summary = (
        f"{_plural(report.count, 'open opportunity')} · {format_totals(report.revenue)} · "
        f"weighted {format_totals(report.weighted)}"
    )
    blocks: list[Block] = [
        header(heading),
        context(f"{period.span} ({escape(period.tz)}) · open opportunities by estimated close date · {summary}"),
    ]
    if charts is not None:
        blocks.append(
            section(
                f":bar_chart: The <{charts.pipeline}|pipeline chart> and the <{charts.funnel}|funnel chart> "
                f"are in <{charts.dm}|your DM with me>."
            )
        )
    elif chart_note:
        blocks.append(context(chart_note))
    tail = [*_forecast(report), _moves(report.moves, period)]
    if report.undated:
        tail.append(context(_undated(report.undated)))
    room = MESSAGE_BLOCKS_MAX - len(blocks) - len(tail) - 1
    left_out = 0
    for funnel in report.funnels:
        part = _funnel(funnel, report)
        if len(part) > room:
            left_out += 1
            continue
        blocks += part
        room -= len(part)
    if left_out:
        blocks.append(context(f"{left_out} more process funnel(s) did not fit here: see the funnel chart."))
    text = f"{heading}: {summary}"
    return text, blocks + tail


def _funnel(funnel: ProcessFunnel, report: PipelineReport) -> list[Block]:
    blocks = [
        section(
            f"*{escape(funnel.process.name)}* · {_plural(funnel.count, 'open opportunity')}\n"
            f"Estimated revenue {format_totals(funnel.revenue)} · "
            f"calculated current value {format_totals(funnel.weighted)}"
        )
    ]
    for index, line in enumerate(funnel.stages):
        ref = StageListRef(report.scope, report.period.key, funnel.index, index)
        blocks.append(_stage_block(line, ref))
    return blocks


def _stage_block(line: StageLine, ref: StageListRef) -> Block:
    probability = percent_text(line.probability)
    if not line.count:
        return section(f"*{escape(line.stage.name)}* ({probability} %) · 0")
    text = (
        f"*{escape(line.stage.name)}* ({probability} %) · {line.count:,}\n"
        f"{format_totals(line.revenue, 'no revenue yet')} · calculated {format_totals(line.weighted)}"
    )
    return section(text, accessory=button("List", PIPELINE_STAGE, ref.encode()))


def _forecast(report: PipelineReport) -> list[Block]:
    period = report.period
    head = (
        f"*Forecast · {period.label}*\n"
        f"Weighted {format_totals(report.weighted)} of {format_totals(report.revenue)} unweighted · "
        f"won so far {format_totals(report.won, '0')}"
    )
    lines = [
        f"`{month.label}`  weighted {format_totals(month.weighted, '0')} of {format_totals(month.revenue, '0')}"
        f" · won {format_totals(month.won, '0')}"
        for month in report.months
    ]
    return [section(head), section("\n".join(lines))]


def _moves(moves: Sequence[MoveLine], period: Period) -> Block:
    if not moves:
        return section(f"*Stage moves in {period.label}*\nNo stage moves yet in this period.")
    lines = []
    for move in moves:
        parts = [
            f"{count} {label}"
            for count, label in (
                (move.entered, "entered"),
                (move.advanced, "advanced"),
                (move.won, "won"),
                (move.lost, "lost"),
            )
            if count
        ]
        lines.append(f"• *{escape(move.stage)}*: {' · '.join(parts)}")
    return section(f"*Stage moves in {period.label}*\n" + "\n".join(lines))


# --- a stage's opportunities ------------------------------------------------------------------------


def opportunity_line(opp: Opportunity, *, show_owner: bool) -> Block:
    who = opp.account_name or opp.contact_name or "–"
    parts = [escape(who)]
    if show_owner:
        parts.append(f"<@{opp.owner_id}>")
    parts.append(format_money(opp.estimated_revenue, opp.currency))
    if opp.estimated_close_date:
        parts.append(f"closes {opp.estimated_close_date.isoformat()}")
    parts.append(f"grade {opp.lead_grade or '–'}")
    return section(
        f"*{escape(opp.topic)}*\n" + " · ".join(parts),
        accessory=button("Open", ACTION_OPEN_RECORD, RecordRef("opportunity", opp.id or 0).encode()),
    )


def stage_page_message(
    *,
    ref: StageListRef,
    process_name: str,
    stage_name: str,
    period: Period,
    opportunities: Sequence[Opportunity],
    total: int,
) -> tuple[str, list[Block]]:
    pages = page_count(total, PAGE_SIZE)
    heading = f"{stage_name} · {title(ref.scope, period)}"
    blocks: list[Block] = [
        section(
            f"*{escape(stage_name)}* · {escape(process_name)} · {title(ref.scope, period)}\n"
            f"{_plural(total, 'open opportunity')} · page {ref.page + 1} of {pages}"
        )
    ]
    if not opportunities:
        blocks.append(section("No open opportunity is in this stage for this period any more."))
    blocks += [opportunity_line(opp, show_owner=ref.scope != "mine") for opp in opportunities]
    navigation = []
    if ref.page > 0:
        previous = StageListRef(ref.scope, ref.period, ref.process, ref.stage, ref.page - 1)
        navigation.append(button("Previous page", PIPELINE_PAGE, previous.encode()))
    if ref.page + 1 < pages:
        following = StageListRef(ref.scope, ref.period, ref.process, ref.stage, ref.page + 1)
        navigation.append(button("Next page", PIPELINE_PAGE, following.encode()))
    if navigation:
        blocks += actions(navigation, block_id=BLOCK_PIPELINE_PAGES)
    return f"{heading}: {_plural(total, 'open opportunity')}", blocks


# --- App Home ------------------------------------------------------------------------------------------


def home_blocks(
    *,
    period: Period,
    report: PipelineReport,
    upcoming: Sequence[Upcoming],
    reps: Sequence[RepLine] | None,
    today: date,
) -> list[Block]:
    """My pipeline this quarter (per stage, weighted forecast, next close dates); for managers, per rep."""
    if report.empty and not upcoming and not reps:
        return []
    blocks: list[Block] = [
        section(
            f"*My pipeline · {period.label}*\n"
            f"{_plural(report.count, 'open opportunity')} · {format_totals(report.revenue)} · "
            f"weighted forecast *{format_totals(report.weighted)}* · won so far {format_totals(report.won, '0')}"
        )
    ]
    lines = _home_stage_lines(report)
    if lines:
        blocks.append(section("\n".join(lines)))
    if upcoming:
        blocks.append(section("*Next close dates*"))
        blocks.extend(_upcoming_block(opp, today) for opp in upcoming)
    if reps is not None:
        blocks.append(_home_team_block(reps, period))
    blocks.append(context("`/pipeline` shows the funnel, the forecast per month and the pipeline chart."))
    return blocks


def _home_stage_lines(report: PipelineReport) -> list[str]:
    """One line per stage: count, revenue and calculated (weighted) revenue; the process named when several."""
    lines = []
    for funnel in report.funnels:
        prefix = f"{escape(funnel.process.name)} › " if len(report.funnels) > 1 else ""
        for line in funnel.stages:
            money = ""
            if line.count:
                money = f" · {format_totals(line.revenue)} · calculated {format_totals(line.weighted)}"
            lines.append(f"{prefix}*{escape(line.stage.name)}*: {line.count:,}{money}")
    return lines


def _upcoming_block(opp: Upcoming, today: date) -> Block:
    days = (opp.estimated_close_date - today).days if opp.estimated_close_date else 0
    when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return section(
        f"{opp.estimated_close_date} ({when}) · *{escape(opp.topic)}* · "
        f"{format_money(opp.estimated_revenue, opp.currency)} · {escape(opp.stage)}",
        accessory=button("Open", ACTION_OPEN_RECORD, RecordRef("opportunity", opp.id or 0).encode()),
    )


def _home_team_block(reps: Sequence[RepLine], period: Period) -> Block:
    """A manager's reps, at most HOME_REPS_MAX of them (the rest in `/pipeline team`)."""
    team_lines = [
        f"<@{rep.owner_id}> · {rep.count:,} open · {format_totals(rep.revenue)} · "
        f"weighted {format_totals(rep.weighted)}"
        for rep in reps[:HOME_REPS_MAX]
    ]
    more = f"\n…and {len(reps) - HOME_REPS_MAX} more: `/pipeline team`" if len(reps) > HOME_REPS_MAX else ""
    body = "\n".join(team_lines) if team_lines else "None of your reps has an open opportunity closing in it."
    return section(f"*My team · {period.label}*\n{body}{more}")
