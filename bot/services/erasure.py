"""`Delete` a lead: its personal data is erased (web-form spam, a person's request to be forgotten);
the lead stays as a "Deleted lead" whose timeline says who deleted it and when.

Owners and admins may delete. The caller owns the transaction; nothing here talks to Slack.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain.kinds import LeadStatus, RecordType
from bot.refusals import Refused
from store import erasure as erasure_store
from store.activities import add_activity
from store.audit import record_change
from store.models import Lead

DELETED = "deleted"
ONLY_OWNER_OR_ADMIN = "Only the lead's owner or an admin can delete it; nothing was changed."
QUALIFIED = "This lead was qualified: its data lives on in the opportunity, account and contact. Nothing was deleted."
PERSONAL_FIELDS = (
    "first_name", "last_name", "company", "job_title", "email", "business_phone", "city", "description",
    "status_reason", "search_text", "email_key", "identity_key", "score_reason",
)  # fmt: skip


def may_delete(lead: Lead, *, user_id: str, is_admin: bool) -> bool:
    return is_admin or lead.owner_id == user_id


def delete_lead(session: Session, lead: Lead, *, by: str, is_admin: bool, now: datetime) -> None:
    if not may_delete(lead, user_id=by, is_admin=is_admin):
        raise Refused(ONLY_OWNER_OR_ADMIN)
    if lead.status == DELETED:
        return
    if lead.status == LeadStatus.QUALIFIED:
        raise Refused(QUALIFIED)
    team, lead_id = lead.team_id, lead.id or 0
    for name in PERSONAL_FIELDS:
        setattr(lead, name, "")
    lead.topic, lead.country, lead.status = "Deleted lead", "", DELETED
    lead.employees = lead.annual_revenue = lead.budget_amount = lead.score = None
    lead.grade, lead.updated_at = "", now
    session.add(lead)
    erasure_store.stop_work(session, team_id=team, record_type=RecordType.LEAD, record_id=lead_id, now=now)
    erasure_store.remove_people(session, team_id=team, record_type=RecordType.LEAD, record_id=lead_id)
    erasure_store.erase_timeline(session, team_id=team, record_type=RecordType.LEAD, record_id=lead_id)
    add_activity(
        session, team_id=team, record_type=RecordType.LEAD, record_id=lead_id, kind="status", author_id=by,
        subject="Deleted: personal data erased", occurred_at=now,
    )  # fmt: skip
    record_change(session, team_id=team, actor_id=by, action="Lead deleted",
                  detail=f"lead #{lead_id} (personal data erased)", people=[], at=now)  # fmt: skip
