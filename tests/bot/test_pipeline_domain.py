"""Pipeline rules without Slack or a database: arguments, scopes, periods in the user's zone,
Decimal aggregation in process order, stage moves, stage-list references, and the views' limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import pipeline as rules
from bot.domain.pipeline import PipelineRequest, StageListRef
from bot.domain.process import DEFAULT_PROCESS, ProcessLibrary, parse_processes
from bot.domain.revenue import current_value
from bot.views import pipeline as views
from store.pipeline import GroupRow, MoveRow, WonRow
from tests.slack.validate import validate_message_blocks

LIBRARY = ProcessLibrary()
CUSTOM = ProcessLibrary(
    tuple(
        parse_processes(
            """
[[process]]
name = "Enterprise deal"
probability = "add"
[[process.stage]]
name = "Discover"
completed = 25
chance = 20
[[process.stage]]
name = "Negotiate"
completed = 75
chance = 60
"""
        )
    )
)


def row(stage: str, revenue: str, *, count: int = 1, day: date = date(2026, 8, 3), currency: str = "EUR",
        process: str = DEFAULT_PROCESS.name, owner: str = "") -> GroupRow:  # fmt: skip
    return GroupRow(process, stage, currency, day, count, Decimal(revenue), owner)


# --- arguments and permissions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", PipelineRequest(None, "this-quarter")),
        ("mine", PipelineRequest("mine", "this-quarter")),
        ("TEAM next-quarter", PipelineRequest("team", "next-quarter")),
        ("this-year all", PipelineRequest("all", "this-year")),
        ("  all   this-quarter ", PipelineRequest("all", "this-quarter")),
        ("help", None),
        ("yesterday", None),
        ("mine team", None),
        ("this-year next-quarter", None),
        ("mine this-year extra", None),
    ],
)
def test_parse_request(text: str, expected: PipelineRequest | None) -> None:
    assert rules.parse_request(text) == expected


def test_default_scopes_and_refusals() -> None:
    assert [rules.default_scope(r) for r in ("rep", "manager", "admin")] == ["mine", "team", "mine"]
    assert rules.scope_refusal("mine", "rep") is None
    assert "Only managers" in (rules.scope_refusal("team", "rep") or "")
    assert rules.scope_refusal("team", "manager") is None and rules.scope_refusal("team", "admin") is None
    assert "Only admins" in (rules.scope_refusal("all", "manager") or "")
    assert rules.scope_refusal("all", "admin") is None


# --- periods -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "today", "start", "end", "label"),
    [
        ("this-quarter", date(2026, 1, 1), date(2026, 1, 1), date(2026, 4, 1), "Q1 2026"),
        ("this-quarter", date(2026, 3, 31), date(2026, 1, 1), date(2026, 4, 1), "Q1 2026"),
        ("this-quarter", date(2026, 8, 15), date(2026, 7, 1), date(2026, 10, 1), "Q3 2026"),
        ("next-quarter", date(2026, 8, 15), date(2026, 10, 1), date(2027, 1, 1), "Q4 2026"),
        ("next-quarter", date(2026, 12, 31), date(2027, 1, 1), date(2027, 4, 1), "Q1 2027"),
        ("this-year", date(2026, 12, 31), date(2026, 1, 1), date(2027, 1, 1), "2026"),
    ],
)
def test_calendar_periods(key: str, today: date, start: date, end: date, label: str) -> None:
    period = rules.period_for(key, today)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_quarter_boundary_follows_the_users_time_zone() -> None:
    # 30 Sep 2026 23:30 UTC is already 1 Oct in Rome (UTC+2) but still 30 Sep in Los Angeles.
    now = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    rome = rules.current_period("this-quarter", now, "Europe/Rome")
    la = rules.current_period("this-quarter", now, "America/Los_Angeles")
    assert rome.label == "Q4 2026" and la.label == "Q3 2026"
    assert rules.current_period("this-quarter", now, "Not/AZone").label == "Q3 2026"  # unknown zone: UTC
    # the period's instants are local midnights
    start, end = rome.utc_bounds()
    assert start == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)  # 1 Oct 00:00 CEST
    assert end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # 1 Jan 00:00 CET
    assert rome.span == "1 Oct – 31 Dec 2026"
    assert [m.month for m in rules.period_for("this-year", date(2026, 5, 5)).months] == list(range(1, 13))


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       st.sampled_from(["UTC", "Europe/Rome", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati"]),
       st.sampled_from(rules.PERIODS))  # fmt: skip
def test_periods_contain_today_or_follow_it(moment: datetime, tz: str, key: str) -> None:
    now = moment.replace(tzinfo=UTC)
    period = rules.current_period(key, now, tz)
    today = rules.local_today(now, tz)
    assert period.start.day == 1 and period.end.day == 1 and period.start.month in (1, 4, 7, 10)
    assert (period.end - period.start).days in (90, 91, 92, 365, 366)
    if key == "next-quarter":
        assert period.start > today and period.start - today <= timedelta(days=92)
    else:
        assert period.contains(today)
    start, end = period.utc_bounds()
    assert start < end


# --- aggregation -----------------------------------------------------------------------------------------


def test_funnel_names_every_stage_in_process_order_with_decimal_sums() -> None:
    rows = [
        row("Close", "20360.00"),
        row("Qualify", "0.10", count=3),
        row("Qualify", "0.20", count=2, day=date(2026, 9, 1)),
        row("Qualify", "100.00", currency="USD"),
    ]
    (funnel,) = rules.build_funnels(rows, LIBRARY)
    assert [line.stage.name for line in funnel.stages] == ["Qualify", "Develop", "Propose", "Close"]
    qualify, develop, _, close = funnel.stages
    assert qualify.count == 6 and develop.count == 0
    assert qualify.revenue == {"EUR": Decimal("0.30"), "USD": Decimal("100.00")}  # exact, not 0.30000000000000004
    assert qualify.weighted == {"EUR": Decimal("0.02"), "USD": Decimal("5.00")}  # 5 %: 0.01 + 0.01 (half up)
    assert close.weighted == {"EUR": Decimal("16288.00")}
    assert funnel.count == 7 and funnel.revenue == {"EUR": Decimal("20360.30"), "USD": Decimal("100.00")}
    assert all(isinstance(v, Decimal) for v in funnel.weighted.values())
    assert rules.format_totals(funnel.revenue) == "20,360.30 EUR + 100.00 USD"


def test_one_funnel_per_process_in_library_order_unknown_names_fall_back() -> None:
    rows = [
        row("Negotiate", "1000.00", process="Enterprise deal"),
        row("Develop", "10.00"),
        row("Gone stage", "5.00"),  # a stage no longer in the process counts in its first stage
        row("Develop", "7.00", process="Retired process"),  # an unknown process is the default one
    ]
    funnels = rules.build_funnels(rows, CUSTOM)
    assert [f.process.name for f in funnels] == [DEFAULT_PROCESS.name, "Enterprise deal"]
    default, enterprise = funnels
    assert default.stages[0].count == 1 and default.stages[1].revenue == {"EUR": Decimal("17.00")}
    assert [line.stage.name for line in enterprise.stages] == ["Discover", "Negotiate"]
    # "add" mode: (60 + 75) / 2 = 67.5 %
    assert enterprise.stages[1].probability == Decimal("67.5")
    assert enterprise.stages[1].weighted == {"EUR": Decimal("675.00")}


def test_forecast_per_month_and_won_so_far() -> None:
    period = rules.period_for("this-quarter", date(2026, 8, 15))
    rows = [
        row("Qualify", "1000.00", day=date(2026, 7, 31)),
        row("Close", "1000.00", day=date(2026, 9, 30)),
        row("Close", "50.00", day=date(2026, 10, 1)),  # outside: ignored
    ]
    won = [WonRow("EUR", date(2026, 7, 2), 2, Decimal("300.50")), WonRow("USD", date(2026, 9, 1), 1, Decimal("9"))]
    months = rules.build_months(rows, won, period, LIBRARY)
    assert [m.label for m in months] == ["Jul 2026", "Aug 2026", "Sep 2026"]
    july, august, september = months
    assert july.revenue == {"EUR": Decimal("1000.00")} and july.weighted == {"EUR": Decimal("50.00")}
    assert july.won == {"EUR": Decimal("300.50")}
    assert august.revenue == {} and september.weighted == {"EUR": Decimal("800.00")}
    assert september.won == {"USD": Decimal("9")}


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Qualify", "Develop", "Propose", "Close"]),
            st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False),
            st.integers(min_value=0, max_value=91),
        ),
        max_size=40,
    )
)
def test_sums_are_exact_and_weighted_within_rounding_of_the_cards(
    deals: list[tuple[str, Decimal, int]],
) -> None:
    """One group per deal (as the query returns when close dates differ): the funnel's unweighted sum
    is the exact Decimal sum, and its weighted sum is the sum of the cards' values to the cent."""
    start = date(2026, 7, 1)
    rows = [row(stage, str(amount), day=start + timedelta(days=offset)) for stage, amount, offset in deals]
    report = rules.build_report(
        scope="mine", period=rules.period_for("this-quarter", start), rows=rows, won=[], moves=[], library=LIBRARY
    )
    assert report.count == len(deals)
    assert report.revenue.get("EUR", Decimal(0)) == sum((a for _, a, _ in deals), Decimal(0))
    cards = sum(
        (current_value(a, rules.stage_probability(DEFAULT_PROCESS.current(s), "multiply"), "EUR") or Decimal(0)
         for s, a, _ in deals),
        Decimal(0),
    )  # fmt: skip
    assert report.weighted.get("EUR", Decimal(0)) == cards
    assert sum((m.weighted.get("EUR", Decimal(0)) for m in report.months), Decimal(0)) == cards


def test_money_must_be_decimal() -> None:
    with pytest.raises(TypeError):
        rules.add_money({}, "EUR", 1.5)  # type: ignore[arg-type]


def test_stage_moves_per_stage_in_process_order() -> None:
    moves = rules.build_moves(
        [
            MoveRow("advance", "Qualify", "Develop", 5),
            MoveRow("enter", "", "Qualify", 6),
            MoveRow("won", "Close", "Won", 1),
            MoveRow("lost", "Close", "Lost", 2),
            MoveRow("back", "Propose", "Develop", 1),
            MoveRow("reopen", "Lost", "Close", 1),
            MoveRow("advance", "Old stage", "Qualify", 1),
        ],
        LIBRARY,
    )
    assert [(m.stage, m.entered, m.advanced, m.won, m.lost) for m in moves] == [
        ("Qualify", 7, 5, 0, 0),
        ("Develop", 6, 0, 0, 0),
        ("Close", 1, 0, 1, 2),
        ("Old stage", 0, 1, 0, 0),
    ]


def test_per_rep_totals() -> None:
    reps = rules.per_rep(
        [row("Close", "100.00", owner="U2"), row("Qualify", "10.00", count=2, owner="U1"),
         row("Develop", "1", owner="U2")],
        LIBRARY,
    )  # fmt: skip
    assert [(r.owner_id, r.count) for r in reps] == [("U1", 2), ("U2", 2)]
    assert reps[1].revenue == {"EUR": Decimal("101")} and reps[1].weighted == {"EUR": Decimal("80.20")}


def test_stage_list_reference_round_trip() -> None:
    ref = StageListRef("team", "next-quarter", 1, 3, 7)
    assert rules.decode_stage_list(ref.encode()) == ref
    for bad in (None, "", "team|next-quarter|1|3", "boss|this-year|0|0|0", "mine|today|0|0|0", "mine|this-year|a|0|0"):
        with pytest.raises(ValueError):
            rules.decode_stage_list(bad)
    assert rules.page_count(0, 10) == 1 and rules.page_count(10, 10) == 1 and rules.page_count(11, 10) == 2


# --- views -------------------------------------------------------------------------------------------------


def _report(funnel_rows: list[GroupRow], library: ProcessLibrary = LIBRARY) -> rules.PipelineReport:
    return rules.build_report(
        scope="all", period=rules.period_for("this-year", date(2026, 8, 3)), rows=funnel_rows,
        won=[WonRow("EUR", date(2026, 2, 1), 1, Decimal("5"))], moves=[MoveRow("enter", "", "Qualify", 3)],
        library=library, undated=2,
    )  # fmt: skip


def test_funnel_message_is_valid_and_fits_50_blocks_even_with_many_processes() -> None:
    many = "\n".join(
        f'[[process]]\nname = "Process {n}"\n'
        + "".join(f'[[process.stage]]\nname = "Stage {s}"\ncompleted = 50\nchance = 50\n' for s in range(8))
        for n in range(8)
    )
    library = ProcessLibrary(tuple(parse_processes(many)))
    rows = [row("Stage 1", "10.00", process=f"Process {n}") for n in range(8)]
    links = views.ChartLinks("https://x/p", "https://x/f", "https://x/dm")
    text, blocks = views.funnel_message(_report(rows, library), charts=links)
    assert len(blocks) <= 50 and "did not fit here" in str(blocks)
    assert validate_message_blocks(blocks) == []
    text, blocks = views.funnel_message(_report([row("Qualify", "1.00")]), charts=None, chart_note="no charts")
    assert validate_message_blocks(blocks) == [] and "no charts" in str(blocks)
    assert "2 open opportunities without an estimated close date are in no period." in str(blocks)


def test_empty_message_mentions_won_and_undated() -> None:
    text, blocks = views.empty_message(_report([]))
    assert text.startswith("No open opportunities close in 2026 (1 Jan – 31 Dec 2026) for the workspace.")
    assert "Won so far in 2026: 5.00 EUR." in str(blocks)
    assert validate_message_blocks(blocks) == []
