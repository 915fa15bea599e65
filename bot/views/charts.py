"""Pipeline chart and funnel chart as PNG bytes (matplotlib, Agg canvas, no display, no pyplot state).

The pipeline chart follows Dynamics' pipeline view (seed 000): every open opportunity by estimated
close date on the x axis, one band per stage on the y axis, bubble area ∝ estimated revenue, colour
= lead score grade (A–D; grey `–` for no score), the largest deals labelled. Past `MAX_BUBBLES` the
caller passes groups (same day, stage, grade) instead of deals, folded here into weeks or months
when still too many, so 2,000 deals or 200,000 stay readable at Slack's preview size.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.domain.pipeline import Period, PipelineReport, format_totals
from bot.domain.text import shorten

MAX_BUBBLES = 2000
LABELLED = 8
GRADES = ("A", "B", "C", "D", "")
GRADE_COLOURS = {"A": "#2e7d32", "B": "#1f77b4", "C": "#f0a202", "D": "#d62728", "": "#9e9e9e"}
SIZE = (12.0, 6.75)  # inches at 100 dpi: 1200 × 675 px, 16:9 like Slack's image preview
DPI = 100


@dataclass(frozen=True)
class Bubble:
    """One opportunity, or `count` of them with the same (bin) date, stage, grade and currency."""

    day: date
    stage: str
    grade: str
    revenue: Decimal
    currency: str
    count: int = 1
    topic: str = ""
    key: int = 0  # stable jitter within the stage band


def compact(amount: Decimal | float) -> str:
    """`950`, `15.6k`, `1.2M` — for labels on a chart."""
    value = float(amount)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}".replace(".0" + suffix, suffix)
    return f"{value:.0f}"


def fold(bubbles: Sequence[Bubble], limit: int = MAX_BUBBLES) -> tuple[list[Bubble], str]:
    """At most `limit` bubbles: grouped by week, then by month, when there are more; (bubbles, bin)."""
    if len(bubbles) <= limit:
        return list(bubbles), "day" if any(b.count > 1 for b in bubbles) else ""
    for name in ("week", "month"):
        bins: dict[tuple[date, str, str, str], Bubble] = {}
        for bubble in bubbles:
            start = bubble.day - timedelta(days=bubble.day.weekday()) if name == "week" else bubble.day.replace(day=1)
            key = (start, bubble.stage, bubble.grade, bubble.currency)
            seen = bins.get(key)
            bins[key] = (
                replace(bubble, day=start, topic="")
                if seen is None
                else replace(seen, revenue=seen.revenue + bubble.revenue, count=seen.count + bubble.count)
            )
        if len(bins) <= limit or name == "month":
            largest = sorted(bins.values(), key=lambda b: (-b.revenue, b.day))[:limit]
            return sorted(largest, key=lambda b: (b.day, b.stage)), name
    raise AssertionError("unreachable")  # pragma: no cover


def _figure(size: tuple[float, float] = SIZE):  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def pipeline_chart(bubbles: Sequence[Bubble], *, stages: Sequence[str], period: Period, title: str) -> bytes:
    """The pipeline chart as a PNG (see the module docstring)."""
    shown, binned = fold(bubbles)
    names = list(stages) + sorted({b.stage for b in shown} - set(stages))
    figure = _figure()
    axes = figure.add_subplot(1, 1, 1)
    total = sum(b.count for b in shown)
    subtitle = f"{total:,} open opportunit{'y' if total == 1 else 'ies'} closing {period.span}"
    if binned:
        subtitle += f" · grouped by {binned} (labels: deals in the bubble)"
    figure.suptitle(title, fontsize=17, fontweight="bold", x=0.01, ha="left")
    axes.set_title(subtitle, fontsize=12, loc="left", color="#555555")
    if not shown:
        axes.text(0.5, 0.5, "No open opportunities close in this period", ha="center", va="center", fontsize=16,
                  color="#777777", transform=axes.transAxes)  # fmt: skip
    else:
        _draw_bubbles(axes, shown, names, period, binned)
    _draw_axes(axes, names, period)
    figure.text(0.99, 0.01, "Bubble size = estimated revenue", ha="right", fontsize=10, color="#777777")
    figure.subplots_adjust(left=0.09, right=0.9, top=0.86, bottom=0.11)
    return _png(figure)


def _draw_bubbles(axes: Any, shown: Sequence[Bubble], names: list[str], period: Period, binned: str) -> None:
    from matplotlib import dates as mdates

    x_min, x_max = mdates.date2num(period.start), mdates.date2num(period.end)
    largest = max(float(b.revenue) for b in shown) or 1.0
    xs = [mdates.date2num(b.day) for b in shown]
    ys = [names.index(b.stage) + _jitter(b, len(shown)) for b in shown]
    # Area ∝ revenue, with a floor so a deal without revenue still shows; smaller when crowded.
    biggest = min(2400.0, max(260.0, 2400.0 * math.sqrt(40 / len(shown))))
    sizes = [12 + biggest * float(b.revenue) / largest for b in shown]
    colours = [GRADE_COLOURS.get(b.grade, GRADE_COLOURS[""]) for b in shown]
    alpha = 0.6 if len(shown) < 300 else 0.45
    axes.scatter(xs, ys, s=sizes, c=colours, alpha=alpha, edgecolors="white", linewidths=0.6, zorder=3)
    ranked = sorted(range(len(shown)), key=lambda i: -shown[i].revenue)[:LABELLED]
    for rank, i in enumerate(ranked):
        bubble = shown[i]
        if bubble.revenue <= 0:
            continue
        what = f"{bubble.count:,} deals" if bubble.count > 1 or binned else shorten(bubble.topic, 26)
        radius = math.sqrt(sizes[i]) / 2
        where = (xs[i] - x_min) / (x_max - x_min)
        axes.annotate(
            f"{what}\n{compact(bubble.revenue)} {bubble.currency}", (xs[i], ys[i]),
            xytext=(0, radius + 4 + 8 * (rank % 3)) if rank % 2 == 0 else (0, -radius - 30 - 6 * (rank % 3)),
            textcoords="offset points", ha="left" if where < 0.12 else "right" if where > 0.88 else "center",
            fontsize=10, color="#222222", zorder=4,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#cccccc", "alpha": 0.85},
        )  # fmt: skip


def _draw_axes(axes: Any, names: list[str], period: Period) -> None:
    from matplotlib import dates as mdates
    from matplotlib.lines import Line2D

    axes.set_yticks(range(len(names)), names, fontsize=12)
    axes.set_ylim(-0.6, max(len(names), 1) - 0.4)
    axes.set_xlim(mdates.date2num(period.start), mdates.date2num(period.end))
    locator = mdates.MonthLocator() if (period.end - period.start).days > 120 else mdates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b" if (period.end - period.start).days <= 120 else "%b"))
    axes.tick_params(axis="x", labelsize=11)
    axes.set_xlabel("Estimated close date", fontsize=12)
    axes.grid(axis="x", color="#eeeeee", zorder=0)
    for y in range(len(names) - 1):
        axes.axhline(y + 0.5, color="#eeeeee", linewidth=1, zorder=0)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=11, color=GRADE_COLOURS[g], alpha=0.75, label=g or "–")
        for g in GRADES
    ]
    axes.legend(handles=handles, title="Lead score", loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False,
                fontsize=11, title_fontsize=11)  # fmt: skip


def _jitter(bubble: Bubble, crowd: int) -> float:
    """A stable vertical offset inside the stage band, wider when the chart is crowded."""
    spread = 0.0 if crowd <= 12 else 0.34
    seed = bubble.key or (bubble.day.toordinal() * 31 + GRADES.index(bubble.grade if bubble.grade in GRADES else ""))
    return spread * (math.modf(seed * 0.6180339887)[0] * 2 - 1)


def funnel_chart(report: PipelineReport, *, title: str) -> bytes:
    """Bars per stage (count, centred like a funnel) for each process, with count and revenue labels."""
    funnels = report.funnels[:4]
    rows = sum(len(f.stages) for f in funnels) or 1
    height = min(max(3.2, 1.2 + 0.62 * rows + 0.5 * len(funnels)), 13.5)
    figure = _figure((10.0, height))
    figure.suptitle(title, fontsize=16, fontweight="bold", x=0.01, ha="left")
    if not funnels:
        figure.text(0.5, 0.5, "No open opportunities in this period", ha="center", fontsize=14, color="#777777")
        return _png(figure)
    grid = figure.add_gridspec(len(funnels), 1, height_ratios=[max(len(f.stages), 1) for f in funnels])
    palette = ("#1f4e79", "#2e75b6", "#5b9bd5", "#9dc3e6", "#bdd7ee", "#deebf7")
    for position, funnel in enumerate(funnels):
        axes = figure.add_subplot(grid[position, 0])
        counts = [line.count for line in funnel.stages]
        widest = max(counts) or 1
        ys = list(range(len(counts)))[::-1]
        lefts = [(widest - c) / 2 for c in counts]
        colours = [palette[min(i, len(palette) - 1)] for i in range(len(counts))]
        axes.barh(ys, [max(c, widest * 0.004) for c in counts], left=lefts, color=colours, height=0.78)
        for y, line in zip(ys, funnel.stages, strict=True):
            money = format_totals(line.revenue, "no revenue") if line.count else ""
            axes.text(widest / 2, y, f"{line.count:,}" + (f"  ·  {money}" if money else ""), ha="center",
                      va="center", fontsize=11, color="black",
                      bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})  # fmt: skip
        axes.set_yticks(ys, [line.stage.name for line in funnel.stages], fontsize=12)
        axes.set_xlim(0, widest)
        axes.set_xticks([])
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        axes.set_title(
            f"{funnel.process.name} · {funnel.count:,} open · weighted {format_totals(funnel.weighted)}",
            fontsize=12, loc="left",
        )  # fmt: skip
    figure.subplots_adjust(left=0.14, right=0.98, top=1 - 0.9 / height, bottom=0.03, hspace=0.45)
    return _png(figure)
