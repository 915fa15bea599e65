"""Opportunity queries and row writes: steps, stage history, lines, attachments. Every function takes
the workspace (`team_id`, or an opportunity carrying it).

The rules that decide what to write (process stages and gates, probability, revenue, activity
wording) live in bot/services/opportunity_stages.py and bot/services/opportunity_lines.py; functions here take the
values those rules computed (a LIKE pattern of folded text, a line's price…).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.access import Viewer, visible
from store.models import (
    Attachment,
    Opportunity,
    OpportunityLine,
    Product,
    StageChange,
    StepValue,
    utcnow,
)


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
    query = (
        select(Opportunity)
        .where(Opportunity.team_id == team_id, Opportunity.owner_id == owner_id, Opportunity.status == "open")
        .order_by(
            col(Opportunity.estimated_close_date).is_(None), col(Opportunity.estimated_close_date), col(Opportunity.id)
        )
        .limit(limit)
    )
    return list(session.exec(query))


def search_opportunities(
    session: Session, *, viewer: Viewer, query_text: str, pattern: str, limit: int = 10
) -> list[Opportunity]:
    """Opportunities the viewer may see whose topic, account or contact match: `pattern` is the LIKE
    pattern of the folded query (`bot.domain.text.like_pattern`, accent-insensitive) matched against
    the folded search text; the raw query also matches the fields as typed."""
    raw = "%" + query_text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = sa.or_(
        col(Opportunity.search_text).like(pattern, escape="\\"),
        sa.func.lower(Opportunity.topic).like(raw, escape="\\"),
        sa.func.lower(Opportunity.account_name).like(raw, escape="\\"),
        sa.func.lower(Opportunity.contact_name).like(raw, escape="\\"),
    )
    query = (
        select(Opportunity)
        .where(visible(Opportunity, "opportunity", viewer), matches)
        .order_by(col(Opportunity.status) != "open", col(Opportunity.updated_at).desc())
        .limit(limit)
    )
    return list(session.exec(query))


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
            Attachment.record_type == "opportunity",
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
        record_type="opportunity",
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
