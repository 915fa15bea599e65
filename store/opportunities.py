"""Opportunity queries: steps, stage moves, lines. Every function takes the workspace (`team_id`)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.domain import process as processes
from bot.domain.process import StepState
from store.models import Opportunity, StepValue, utcnow


def get_opportunity(session: Session, *, team_id: str, opportunity_id: int) -> Opportunity | None:
    query = select(Opportunity).where(Opportunity.team_id == team_id, Opportunity.id == opportunity_id)
    return session.exec(query).first()


def step_values(session: Session, *, team_id: str, opportunity_id: int) -> list[StepValue]:
    query = select(StepValue).where(StepValue.team_id == team_id, StepValue.opportunity_id == opportunity_id)
    return list(session.exec(query))


def step_states(session: Session, *, team_id: str, opportunity_id: int) -> dict[tuple[str, str], StepState]:
    rows = step_values(session, team_id=team_id, opportunity_id=opportunity_id)
    return {(row.stage, row.step): StepState(done=row.done, value=row.value) for row in rows}


def set_step(
    session: Session,
    *,
    team_id: str,
    opportunity_id: int,
    stage: str,
    step: str,
    user_id: str,
    done: bool | None = None,
    value: str | None = None,
) -> StepValue:
    """Record a step's tick and/or value (a value step is done when it has a value)."""
    row = session.exec(
        select(StepValue).where(
            StepValue.team_id == team_id,
            StepValue.opportunity_id == opportunity_id,
            StepValue.stage == stage,
            StepValue.step == step,
        )
    ).first()
    if row is None:
        row = StepValue(team_id=team_id, opportunity_id=opportunity_id, stage=stage, step=step)
    if value is not None:
        row.value = value[:2000]
        if done is None:
            row.done = bool(value.strip())
    if done is not None:
        row.done = done
    row.updated_by, row.updated_at = user_id, utcnow()
    session.add(row)
    session.flush()
    return row


def auto_complete_step(session: Session, *, team_id: str, opportunity_id: int, feature: str, user_id: str) -> None:
    """Tick the step the opportunity's process ties to `feature` (stakeholder, competitor, sales_team,
    proposal), in whatever stage it lives, if the process has one. Called when that feature is used."""
    opportunity = get_opportunity(session, team_id=team_id, opportunity_id=opportunity_id)
    if opportunity is None:
        return
    process = processes.active().get(opportunity.process_name)
    for stage, step in process.feature_steps(feature):
        set_step(
            session, team_id=team_id, opportunity_id=opportunity_id, stage=stage.name, step=step.name,
            user_id=user_id, done=True,
        )  # fmt: skip
