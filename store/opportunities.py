"""Opportunity queries and row writes: steps, stage history, lines, attachments. Every function takes
the workspace (`team_id`, or an opportunity carrying it).

The rules that decide what to write (process stages and gates, probability, revenue, activity
wording) live in bot/services/opportunity_stages.py and bot/services/opportunity_lines.py; functions here take the
values those rules computed (folded search text, a line's price…).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from store.access import Viewer
from store.kinds import OpportunityStatus, RecordType
from store.models import (
    Attachment,
    Opportunity,
    OpportunityLine,
    Product,
    StageChange,
    StepValue,
    utcnow,
)
from store.text_search import load_in_order, visible_matches


def get_opportunity(session: Session, *, team_id: str, opportunity_id: int) -> Opportunity | None:
    query = select(Opportunity).where(Opportunity.team_id == team_id, Opportunity.id == opportunity_id)
    return session.exec(query).first()


def step_values(session: Session, *, team_id: str, opportunity_id: int) -> list[StepValue]:
    query = select(StepValue).where(StepValue.team_id == team_id, StepValue.opportunity_id == opportunity_id)
    return list(session.exec(query))


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


# --- listing, searching ---------------------------------------------------------------


def open_opportunities(session: Session, *, team_id: str, owner_id: str, limit: int = 200) -> list[Opportunity]:
    """The owner's open opportunities by estimated close date (undated last), then id: two reads in
    the order of `ix_opportunity_owner_close` (dated, then undated), never a sort of all of them."""
    mine = (
        Opportunity.team_id == team_id,
        Opportunity.owner_id == owner_id,
        Opportunity.status == OpportunityStatus.OPEN,
    )
    close = col(Opportunity.estimated_close_date)
    dated = select(Opportunity).where(*mine, close.is_not(None)).order_by(close, col(Opportunity.id)).limit(limit)
    found = list(session.exec(dated))
    if len(found) < limit:
        undated = select(Opportunity).where(*mine, close.is_(None)).order_by(col(Opportunity.id))
        found += session.exec(undated.limit(limit - len(found)))
    return found


def search_opportunities(session: Session, *, viewer: Viewer, folded: str, limit: int = 10) -> list[Opportunity]:
    """Opportunities the viewer may see whose folded topic, account or contact contain `folded` (the
    query folded by `bot.domain.text.fold`, so accent- and case-insensitive), through the text index
    (store/text_search.py). The general ORM path: /opp searches go through store/opportunity_lists, and
    the tests hold that to this one's answers."""
    query = (
        select(col(Opportunity.id))
        .where(visible_matches(session, Opportunity, RecordType.OPPORTUNITY, viewer, folded))
        .order_by(
            col(Opportunity.status) != OpportunityStatus.OPEN,
            col(Opportunity.updated_at).desc(),
            col(Opportunity.id).desc(),  # deals updated at the same instant: the order the fast paths give
        )
        .limit(limit)
    )
    return load_in_order(session, Opportunity, [i for i in session.exec(query) if i is not None])


# --- stage history ---------------------------------------------------------------------------------


def record_stage_change(
    session: Session,
    opportunity: Opportunity,
    *,
    from_stage: str,
    to_stage: str,
    kind: str,
    user_id: str,
    now: datetime,
) -> None:
    """One row of the stage history the funnel and the digests read (enter/advance/back/won/lost/reopen)."""
    session.add(
        StageChange(
            team_id=opportunity.team_id,
            opportunity_id=opportunity.id or 0,
            owner_id=opportunity.owner_id,
            from_stage=from_stage,
            to_stage=to_stage,
            kind=kind,
            user_id=user_id,
            at=now,
        )
    )


# --- products (lines) -------------------------------------------------------------------------------


def lines_of(session: Session, *, team_id: str, opportunity_id: int) -> list[OpportunityLine]:
    query = (
        select(OpportunityLine)
        .where(OpportunityLine.team_id == team_id, OpportunityLine.opportunity_id == opportunity_id)
        .order_by(col(OpportunityLine.id))
    )
    return list(session.exec(query))


def insert_line(
    session: Session,
    opportunity: Opportunity,
    *,
    product: Product,
    unit_price: Decimal,
    quantity: Decimal,
    discount: Decimal,
    currency: str,
) -> OpportunityLine:
    line = OpportunityLine(
        team_id=opportunity.team_id,
        opportunity_id=opportunity.id or 0,
        product_id=product.id or 0,
        product_name=product.name,
        unit=product.unit,
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        currency=currency,
    )
    session.add(line)
    session.flush()
    return line


def delete_line(session: Session, line: OpportunityLine) -> None:
    """Delete at the caller's next flush."""
    session.delete(line)


# --- files and links ----------------------------------------------------------------------------------


def attachments_of(session: Session, *, team_id: str, opportunity_id: int) -> list[Attachment]:
    query = (
        select(Attachment)
        .where(
            Attachment.team_id == team_id,
            Attachment.record_type == RecordType.OPPORTUNITY,
            Attachment.record_id == opportunity_id,
        )
        .order_by(col(Attachment.id))
    )
    return list(session.exec(query))


def insert_attachment(
    session: Session,
    opportunity: Opportunity,
    *,
    title: str,
    url: str,
    slack_file_id: str | None,
    step: str,
    user_id: str,
    now: datetime,
) -> Attachment:
    row = Attachment(
        team_id=opportunity.team_id,
        record_type=RecordType.OPPORTUNITY,
        record_id=opportunity.id or 0,
        title=title[:300],
        url=url[:3000],
        slack_file_id=slack_file_id,
        step=step[:100],
        created_by=user_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def stage_changes_of(session: Session, *, team_id: str, opportunity_id: int) -> list[StageChange]:
    """The deal's stage changes, oldest first."""
    query = (
        select(StageChange)
        .where(StageChange.team_id == team_id, StageChange.opportunity_id == opportunity_id)
        .order_by(col(StageChange.id))
    )
    return list(session.exec(query))
