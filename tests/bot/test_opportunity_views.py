"""Opportunity card builders: long checklists split into several checkbox elements, all valid Block Kit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import revenue
from bot.domain.process import DEFAULT_PROCESS, Process, Stage, Step, StepState
from bot.ids import OPP_OPEN, RecordRef
from bot.views.blocks import button, escape, section
from bot.views.opportunity import (
    STATUS_LABELS,
    OpportunityData,
    StageGroup,
    edit_stage_modal,
    list_line,
    opportunity_card,
    opportunity_list,
)
from store.models import Opportunity
from store.opportunity_lists import OpportunitySummary
from tests.slack.validate import validate_message_blocks, validate_view

BIG = Process(
    name="Big", stages=(Stage("Only", 100, 50, tuple(Step(f"Step {n}", required=n == 11) for n in range(12))),)
)


def test_more_than_ten_checkbox_steps_use_several_elements() -> None:
    opp = Opportunity(
        id=7,
        team_id="T1",
        owner_id="U1",
        topic="Big deal",
        process_name="Big",
        stage="Only",
        estimated_revenue=Decimal("1000.00"),
    )
    data = OpportunityData(opp, BIG, states={("Only", "Step 3"): StepState(done=True)})
    blocks = opportunity_card(data)
    groups = [e for b in blocks for e in b.get("elements") or [] if e.get("type") == "checkboxes"]
    assert [len(g["options"]) for g in groups] == [10, 2]
    assert [o["text"]["text"] for o in groups[0]["initial_options"]] == ["Step 3"]
    assert validate_message_blocks(blocks) == []
    assert validate_view(edit_stage_modal(data)) == []
    assert "Finish" in [e["text"]["text"] for b in blocks for e in b.get("elements") or [] if e.get("type") == "button"]


def test_qualified_lead_card_renders_develop_with_the_qualify_stage_done() -> None:
    opp = Opportunity(
        id=3,
        team_id="T1",
        owner_id="U1",
        topic="Cafés",
        stage="Develop",
        lead_score=72,
        lead_grade="B",
        estimated_revenue=Decimal("60000.00"),
        budget_amount=Decimal("60000.00"),
    )
    data = OpportunityData(opp, DEFAULT_PROCESS, states={("Qualify", "Identify account"): StepState(True, "Aurora")})
    blocks = opportunity_card(data)
    text = str(blocks)
    assert "✓ Qualify › *▶ Develop* › Propose › Close" in text and "72 (B)" in text
    assert "12,000.00 EUR" in text  # 60,000 × 20 %
    assert validate_message_blocks(blocks) == []


# --- list lines of rows as either driver returns them ---------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from("ab &<>*_·–\n émü😀"), max_size=40) | st.just("x" * 3100)
_MONEY = (
    st.none()
    | st.decimals(min_value=-(10**9), max_value=10**12, places=2, allow_nan=False)
    | st.integers(-(10**9), 10**12)
)
_CURRENCY = st.sampled_from(["EUR", "USD", "JPY", "KWD", "", "usd", "jpy"])


def _reference_line(opp: OpportunitySummary) -> dict[str, Any]:
    """A list line as the builders made it before rows kept the driver's values: a summary converted to
    a date and a Decimal, then `section(line, accessory=button(...))`."""
    closes, money = opp.estimated_close_date, opp.estimated_revenue
    closes = date.fromisoformat(closes[:10]) if isinstance(closes, str) else closes
    money = money if money is None or isinstance(money, Decimal) else Decimal(f"{money:.2f}")
    who = opp.account_name or opp.contact_name or "–"
    amount = revenue.format_money(money, opp.currency)
    when = f" · closes {closes.isoformat()}" if closes else ""
    state = opp.stage if opp.status == "open" else STATUS_LABELS.get(opp.status, opp.status)
    line = f"*{escape(opp.topic)}*\n{escape(who)} · {escape(state)} · {amount}{when}"
    return section(line, accessory=button("Open", OPP_OPEN, RecordRef("opportunity", opp.id).encode()))


@settings(max_examples=300, deadline=None)
@given(
    topic=_TEXT, account=_TEXT, contact=_TEXT, stage=_TEXT, status=st.sampled_from(["open", "won", "lost", "odd<"]),
    closes=st.none() | st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    as_text=st.booleans(), money=_MONEY, as_float=st.booleans(), currency=_CURRENCY,
)  # fmt: skip
def test_a_list_line_of_either_drivers_row_is_the_converted_summarys(
    topic: str, account: str, contact: str, stage: str, status: str, closes: date | None, as_text: bool,
    money: Decimal | int | None, as_float: bool, currency: str,
) -> None:  # fmt: skip
    """SQLite's row (the date as ISO text, the money as a float or an int) and PostgreSQL's (a date, a
    Decimal) give the line the converted summary gave: same escaping, digits, rounding per currency."""
    raw_close = closes.isoformat() if as_text and closes else closes
    raw_money = float(money) if as_float and money is not None else money
    row = OpportunitySummary(12, topic, account, contact, "P", stage, status, raw_close, raw_money, currency)
    assert list_line(row) == _reference_line(row)


def test_a_stage_list_of_sqlite_rows_is_valid_block_kit() -> None:
    rows = [OpportunitySummary(n, f"Deal <{n}> & co", "", "", "P", "Qualify", "open", "2026-08-01", 1234.5 * n, "EUR")
            for n in range(1, 41)]  # fmt: skip
    groups = [StageGroup("Qualify", 200, {"EUR": Decimal("1234.50")}, rows)]
    blocks = opportunity_list(groups, title="Your open opportunities (1,001)", total=1001)
    assert validate_message_blocks(blocks) == []
    assert blocks[2]["text"]["text"] == "*Deal &lt;1&gt; &amp; co*\n– · Qualify · 1,234.50 EUR · closes 2026-08-01"
    assert blocks[-1]["elements"][0]["text"] == "Showing 40 of 1,001. Narrow it down with `/opp TEXT`."
