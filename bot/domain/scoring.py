"""Lead score 0–100 and grade A–D. Deterministic, documented, explainable.

Fit (max 60) — how well the lead matches a buyer who will close:
  budget amount      ≥ 50,000 → 15 · ≥ 10,000 → 10 · any → 5
  purchase timeframe Immediate 15 · This quarter 12 · Next quarter 8 · This year 4 · Unknown 0
  company size       ≥ 1,000 employees → 10 · ≥ 100 → 7 · ≥ 10 → 4 · any → 2
  decision maker     a stakeholder who is the Decision maker or Economic buyer → 10
  purchase process   Individual 10 · Committee 6 · Unknown 2
Engagement (max 40) — what happened in the last 30 days:
  activities (calls, notes, appointments, posts, logged messages) 5 each, at most 25
  colleagues' replies in threads 5 each, at most 15
Grade: A ≥ 75 · B ≥ 50 · C ≥ 25 · D below. The "why" names the two biggest factors.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

ENGAGEMENT_DAYS = 30
ACTIVITY_KINDS = ("call", "note", "appointment", "post", "message")
DECISION_ROLES = ("Decision maker", "Economic buyer")
TIMEFRAME_POINTS = {"Immediate": 15, "This quarter": 12, "Next quarter": 8, "This year": 4}
PROCESS_POINTS = {"Individual": 10, "Committee": 6, "Unknown": 2}


@dataclass(frozen=True)
class ScoreInput:
    budget_amount: Decimal | None = None
    purchase_timeframe: str = ""
    employees: int | None = None
    decision_maker_known: bool = False
    purchase_process: str = ""
    recent_activities: int = 0
    recent_replies: int = 0


@dataclass(frozen=True)
class Score:
    value: int
    grade: str
    reason: str


def grade_for(value: int) -> str:
    return "A" if value >= 75 else "B" if value >= 50 else "C" if value >= 25 else "D"


def fit_score(budget: Decimal | None, timeframe: str, employees: int | None, process: str) -> Score:
    """The score of a lead with no engagement yet (imports): few distinct inputs, so it is memoised."""
    return _fit_score(_budget(budget), timeframe, _size(employees), process)


@lru_cache(maxsize=4096)
def _fit_score(budget_points: int, timeframe: str, size_points: int, process: str) -> Score:
    points = (budget_points, TIMEFRAME_POINTS.get(timeframe, 0), size_points, 0, PROCESS_POINTS.get(process, 0), 0, 0)
    data = ScoreInput(purchase_timeframe=timeframe, purchase_process=process)
    return _score(points, data)


def score_lead(data: ScoreInput) -> Score:
    points = (
        _budget(data.budget_amount),
        TIMEFRAME_POINTS.get(data.purchase_timeframe, 0),
        _size(data.employees),
        10 if data.decision_maker_known else 0,
        PROCESS_POINTS.get(data.purchase_process, 0),
        min(25, 5 * data.recent_activities),
        min(15, 5 * data.recent_replies),
    )
    return _score(points, data)


def _score(points: tuple[int, ...], data: ScoreInput) -> Score:
    value = min(100, sum(points))
    # stable order: on a tie the factor listed first wins
    top = sorted((i for i in range(len(points)) if points[i] > 0), key=lambda i: -points[i])[:2]
    reason = ", ".join(f"{_label(data, i)} (+{points[i]})" for i in top) or "no fit or engagement data yet"
    return Score(value, grade_for(value), reason)


def _label(data: ScoreInput, index: int) -> str:
    return (
        "budget",
        f"timeframe {data.purchase_timeframe.lower()}",
        "company size",
        "decision maker known",
        f"{data.purchase_process.lower()} purchase",
        f"{data.recent_activities} recent activities",
        f"{data.recent_replies} colleague replies",
    )[index]


def _budget(amount: Decimal | None) -> int:
    if amount is None or amount <= 0:
        return 0
    return 15 if amount >= 50_000 else 10 if amount >= 10_000 else 5


def _size(employees: int | None) -> int:
    if not employees:
        return 0
    return 10 if employees >= 1000 else 7 if employees >= 100 else 4 if employees >= 10 else 2
