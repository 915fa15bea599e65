"""Editing and removing the stakeholder and competitor rows of a lead or opportunity.

The caller owns the transaction and has checked that the person may change the record; each change
is on the record's timeline, and a lead is rescored (a decision maker counts towards its score).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain.activities import CompetitorDraft, StakeholderDraft
from bot.domain.kinds import RecordType
from bot.refusals import Refused
from bot.services import leads as lead_service
from bot.services.contacts import link_stakeholder
from bot.services.records import auto_complete, log, type_of
from store import people as people_store
from store.activities import add_activity
from store.models import Competitor, Lead, Stakeholder
from store.records import Record

ROW_GONE = "That row was already removed."


def add_stakeholder(session: Session, record: Record, user: str, draft: StakeholderDraft) -> None:
    """A stakeholder row (linked to the account's contact of that name), on the timeline."""
    row = people_store.add_stakeholder(
        session, team_id=record.team_id, record_type=type_of(record), record_id=record.id or 0,
        slack_user_id=draft.slack_user_id, name=draft.name, role=draft.role, created_by=user,
    )  # fmt: skip
    link_stakeholder(session, row, record)
    users = [draft.slack_user_id] if draft.slack_user_id else []
    name = "" if users else draft.name
    log(session, record, user, "stakeholder", f"Stakeholder: {draft.role}", name, users=users)
    auto_complete(session, record, "stakeholder", user)


def add_competitor(session: Session, record: Record, user: str, draft: CompetitorDraft) -> None:
    people_store.add_competitor(
        session, team_id=record.team_id, record_type=type_of(record), record_id=record.id or 0, name=draft.name,
        strengths=draft.strengths, weaknesses=draft.weaknesses, created_by=user,
    )  # fmt: skip
    lines = [
        f"Strengths: {draft.strengths}" if draft.strengths else "",
        f"Weaknesses: {draft.weaknesses}" if draft.weaknesses else "",
    ]
    log(session, record, user, "competitor", f"Competitor: {draft.name}", "\n".join(x for x in lines if x))
    auto_complete(session, record, "competitor", user)


def find_row(session: Session, *, team_id: str, kind: str, row_id: int) -> Stakeholder | Competitor:
    row: Stakeholder | Competitor | None
    if kind == "stakeholder":
        row = people_store.get_stakeholder(session, team_id=team_id, stakeholder_id=row_id)
    else:
        row = people_store.get_competitor(session, team_id=team_id, competitor_id=row_id)
    if row is None:
        raise Refused(ROW_GONE)
    return row


def describe(row: Stakeholder | Competitor) -> str:
    if isinstance(row, Competitor):
        return row.name
    return f"{row.name or 'Slack user'} ({row.role})"


def remove_row(session: Session, record: Record, row: Stakeholder | Competitor, *, by: str, now: datetime) -> None:
    kind = "stakeholder" if isinstance(row, Stakeholder) else "competitor"
    people = [row.slack_user_id] if isinstance(row, Stakeholder) and row.slack_user_id else []
    session.delete(row)
    session.flush()
    _log(session, record, by, kind, f"{kind.capitalize()} removed: {describe(row)}", people, now)


def edit_stakeholder(
    session: Session, record: Record, row: Stakeholder, draft: StakeholderDraft, *, by: str, now: datetime
) -> None:
    row.slack_user_id, row.name, row.role = draft.slack_user_id, draft.name, draft.role
    link_stakeholder(session, row, record)
    session.add(row)
    session.flush()
    people = [row.slack_user_id] if row.slack_user_id else []
    _log(session, record, by, "stakeholder", f"Stakeholder changed: {describe(row)}", people, now)


def edit_competitor(
    session: Session, record: Record, row: Competitor, draft: CompetitorDraft, *, by: str, now: datetime
) -> None:
    row.name, row.strengths, row.weaknesses = draft.name, draft.strengths, draft.weaknesses
    session.add(row)
    session.flush()
    _log(session, record, by, "competitor", f"Competitor changed: {row.name}", [], now)


def _log(session: Session, record: Record, by: str, kind: str, subject: str, people: list[str], now: datetime) -> None:
    record_type = RecordType.LEAD if isinstance(record, Lead) else RecordType.OPPORTUNITY
    add_activity(
        session,
        team_id=record.team_id,
        record_type=record_type,
        record_id=record.id or 0,
        kind=kind,
        author_id=by,
        subject=subject[:300],
        data={"people": people},
        occurred_at=now,
    )
    if isinstance(record, Lead):
        lead_service.rescore(session, record, now=now)
