from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.scoring import ScoreInput, grade_for, score_lead


def test_a_hot_lead_scores_a() -> None:
    score = score_lead(ScoreInput(Decimal("60000"), "Immediate", 1200, True, "Individual", 5, 3))
    assert (score.value, score.grade) == (100, "A")
    assert score.reason == "5 recent activities (+25), budget (+15)"


def test_factors_add_up_and_the_why_names_the_biggest() -> None:
    score = score_lead(ScoreInput(Decimal("20000"), "This quarter", 150, False, "Committee", 1, 0))
    assert score.value == 10 + 12 + 7 + 6 + 5 == 40
    assert score.grade == "C"
    assert score.reason == "timeframe this quarter (+12), budget (+10)"


def test_empty_lead_is_d_with_explanation() -> None:
    score = score_lead(ScoreInput())
    assert (score.value, score.grade, score.reason) == (0, "D", "no fit or engagement data yet")


@given(
    st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=2)),
    st.sampled_from(["", "Immediate", "This quarter", "Next quarter", "This year", "Unknown"]),
    st.one_of(st.none(), st.integers(0, 10**6)),
    st.booleans(),
    st.sampled_from(["", "Individual", "Committee", "Unknown"]),
    st.integers(0, 1000),
    st.integers(0, 1000),
)
def test_score_is_bounded_and_monotonic_in_engagement(budget, timeframe, size, dm, process, acts, replies) -> None:  # type: ignore[no-untyped-def]
    base = score_lead(ScoreInput(budget, timeframe, size, dm, process, acts, replies))
    more = score_lead(ScoreInput(budget, timeframe, size, dm, process, acts + 1, replies + 1))
    assert 0 <= base.value <= more.value <= 100
    assert base.grade == grade_for(base.value)


def test_grade_boundaries() -> None:
    assert [grade_for(v) for v in (0, 24, 25, 49, 50, 74, 75, 100)] == ["D", "D", "C", "C", "B", "B", "A", "A"]
