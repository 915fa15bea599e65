"""Stakeholders and competitors of a lead or opportunity."""

from __future__ import annotations

from sqlmodel import Session, col, select

from store.models import Competitor, Stakeholder


def add_stakeholder(
    session: Session,
    *,
    team_id: str,
    record_type: str,
    record_id: int,
    slack_user_id: str | None,
    name: str,
    role: str,
    created_by: str,
) -> Stakeholder:
    row = Stakeholder(
        team_id=team_id,
        record_type=record_type,
        record_id=record_id,
        slack_user_id=slack_user_id,
        name=name,
        role=role,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return row


def add_competitor(
    session: Session,
    *,
    team_id: str,
    record_type: str,
    record_id: int,
    name: str,
    strengths: str,
    weaknesses: str,
    created_by: str,
) -> Competitor:
    row = Competitor(
        team_id=team_id,
        record_type=record_type,
        record_id=record_id,
        name=name,
        strengths=strengths,
        weaknesses=weaknesses,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return row


def stakeholders(session: Session, *, team_id: str, record_type: str, record_id: int) -> list[Stakeholder]:
    query = select(Stakeholder).where(
        Stakeholder.team_id == team_id, Stakeholder.record_type == record_type, Stakeholder.record_id == record_id
    )
    return list(session.exec(query.order_by(col(Stakeholder.id))))


def competitors(session: Session, *, team_id: str, record_type: str, record_id: int) -> list[Competitor]:
    query = select(Competitor).where(
        Competitor.team_id == team_id, Competitor.record_type == record_type, Competitor.record_id == record_id
    )
    return list(session.exec(query.order_by(col(Competitor.id))))


def get_stakeholder(session: Session, *, team_id: str, stakeholder_id: int) -> Stakeholder | None:
    query = select(Stakeholder).where(Stakeholder.team_id == team_id, Stakeholder.id == stakeholder_id)
    return session.exec(query).first()


def get_competitor(session: Session, *, team_id: str, competitor_id: int) -> Competitor | None:
    query = select(Competitor).where(Competitor.team_id == team_id, Competitor.id == competitor_id)
    return session.exec(query).first()
