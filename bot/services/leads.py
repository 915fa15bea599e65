"""Lead use cases: the rules of bot.domain applied to what store/ holds, one transaction each.

Handlers call these with an open session; nothing here talks to Slack.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.domain import process as processes
from bot.domain.kinds import LeadStatus
from bot.domain.leads import LeadDraft, full_name
from bot.domain.scoring import ACTIVITY_KINDS, DECISION_ROLES, ENGAGEMENT_DAYS, ScoreInput, score_lead
from bot.domain.text import fold
from bot.refusals import Refused
from bot.services.contacts import link_stakeholder
from bot.services.processes import library_in
from store import leads as lead_store
from store.access import Viewer
from store.accounts import match_or_create_account, match_or_create_contact
from store.activities import add_activity, copy_timeline, recent_activity_count
from store.db import SessionFactory, transaction
from store.models import Competitor, Lead, Opportunity, Stakeholder
from store.opportunities import record_stage_change, set_step
from store.people import competitors, stakeholders
from store.prepared import Reader, reading
from store.sequences import end_enrollments
from store.users import Asker

DRAFT_LIFETIME = timedelta(days=1)
QUALIFIED_IS_FINAL = "This lead is qualified: its opportunity carries it on, so it cannot change."
QUALIFIED_CANNOT_CHANGE = "This lead is qualified and cannot change."


def my_open_leads(
    engine: Engine, *, team_id: str, owner_id: str, limit: int
) -> tuple[list[lead_store.LeadSummary], int]:
    """A rep's most recently updated open leads and their capped count: the hot path of `/lead list` and
    App Home, read outside the ORM (store/prepared.py) on a connection of its own (PostgreSQL: with
    the statement's generic plan, planned once per connection)."""
    with reading(engine, generic_plans=True) as reader:
        return lead_store.open_leads(reader, team_id=team_id, owner_id=owner_id, limit=limit)


def open_leads_in(
    reader: Reader, *, team_id: str, owner_id: str, limit: int
) -> tuple[list[lead_store.LeadSummary], int]:
    """`my_open_leads` on a connection the caller holds (App Home reads all its sections on one)."""
    return lead_store.open_leads(reader, team_id=team_id, owner_id=owner_id, limit=limit)


def search(
    engine: Engine, new_session: SessionFactory, *, asker: Asker, folded: str, limit: int
) -> tuple[list[Lead] | list[lead_store.LeadSummary], int]:
    """The leads matching a folded query, best first, and their capped count. A rep's or an admin's
    search reads summaries outside the ORM (the hot path), on the pooled connection that read who is
    asking (one checkout per search; on PostgreSQL each is a round trip or more); a single hit comes
    back as the whole lead, whose card is shown instead of a list. PostgreSQL runs the reads with their
    generic plans (store/prepared.py: planning them costs as much as running them)."""
    with reading(engine, generic_plans=True) as reader:
        viewer, found = lead_store.search_for(reader, asker=asker, folded=folded, limit=limit)
    if found is not None and len(found[0]) != 1:
        return found
    with transaction(new_session) as session:
        if found is None:
            leads = lead_store.search_leads(session, viewer=viewer, folded=folded, limit=limit + 1)
            total = len(leads)
            if total > limit:
                total = lead_store.count_search_leads(session, viewer=viewer, folded=folded)
            return leads[:limit], total
        lead = lead_store.get_visible_lead(session, viewer=viewer, lead_id=found[0][0].id)
        return ([lead], 1) if lead else ([], 0)


def visible_lead(session: Session, *, viewer: Viewer, lead_id: int) -> Lead | None:
    """The lead, when the viewer may see it (owner, sharees, their manager, admins)."""
    return lead_store.get_visible_lead(session, viewer=viewer, lead_id=lead_id)


def require_changeable(lead: Lead, message: str = QUALIFIED_IS_FINAL) -> None:
    """A qualified lead lives on as its opportunity: it is not edited or disqualified any more."""
    if lead.status == LeadStatus.QUALIFIED:
        raise Refused(message)


def rescore(session: Session, lead: Lead, *, now: datetime) -> None:
    """Recompute the lead's score from its fields, stakeholders and last 30 days of activity."""
    since = now - timedelta(days=ENGAGEMENT_DAYS)
    team, lead_id = lead.team_id, lead.id or 0
    people = stakeholders(session, team_id=team, record_type="lead", record_id=lead_id)
    score = score_lead(
        ScoreInput(
            budget_amount=lead.budget_amount,
            purchase_timeframe=lead.purchase_timeframe,
            employees=lead.employees,
            decision_maker_known=any(p.role in DECISION_ROLES for p in people),
            purchase_process=lead.purchase_process,
            recent_activities=recent_activity_count(
                session, team_id=team, record_type="lead", record_id=lead_id, since=since, kinds=ACTIVITY_KINDS
            ),
            recent_replies=recent_activity_count(
                session, team_id=team, record_type="lead", record_id=lead_id, since=since, kinds=("reply",)
            ),
        )
    )
    lead.score, lead.grade, lead.score_reason = score.value, score.grade, score.reason
    session.add(lead)


def _log_status(session: Session, lead: Lead, author_id: str, subject: str, body: str = "", *, now: datetime) -> None:
    """A status line on the lead's timeline (created, edited, disqualified…)."""
    add_activity(
        session,
        team_id=lead.team_id,
        record_type="lead",
        record_id=lead.id or 0,
        kind="status",
        author_id=author_id,
        subject=subject,
        body=body,
        occurred_at=now,
    )


def discard_abandoned_drafts(session: Session, *, now: datetime) -> int:
    """Drop drafts whose duplicate warning was left unanswered for DRAFT_LIFETIME; returns how many.
    A later "Create anyway" on one finds nothing and says the lead no longer exists."""
    return lead_store.delete_drafts(session, created_before=now - DRAFT_LIFETIME)


def create_lead(
    session: Session,
    *,
    team_id: str,
    owner_id: str,
    draft: LeadDraft,
    now: datetime,
    status: str = "open",
    origin: str = "",
) -> Lead:
    """`origin` ("web form (Website)") is shown on the card and the timeline of leads from /api/leads."""
    lead = lead_store.create_lead(session, team_id=team_id, owner_id=owner_id, values=draft.columns())
    lead.status, lead.origin = status, origin
    if status == "open":
        _log_status(session, lead, owner_id, "Lead created", f"via {origin}" if origin else "", now=now)
    rescore(session, lead, now=now)
    return lead


def create_despite_duplicates(
    session: Session, *, team_id: str, user_id: str, lead_id: int, now: datetime
) -> Lead | None:
    """ "Create anyway": the user's draft, kept while they answered the duplicate warning, becomes an
    open lead; None when there is no such draft (someone else's, already created, or expired)."""
    lead = lead_store.get_lead(session, team_id=team_id, lead_id=lead_id)
    if lead is None or lead.owner_id != user_id or lead.status != "draft":
        return None
    lead.status = "open"
    _log_status(session, lead, user_id, "Lead created", "Created despite a possible duplicate", now=now)
    return lead


def update_lead(session: Session, lead: Lead, draft: LeadDraft, *, user_id: str, now: datetime) -> list[str]:
    """Apply an edit; returns the labels of the fields that changed (recorded on the timeline)."""
    changed = [key for key, value in draft.columns().items() if getattr(lead, key) != value]
    for key, value in draft.columns().items():
        setattr(lead, key, value)
    visible = [key for key in changed if key not in ("search_text", "email_key", "identity_key")]
    if visible:
        lead.updated_at = now
        _log_status(session, lead, user_id, "Lead edited", ", ".join(k.replace("_", " ") for k in visible), now=now)
    rescore(session, lead, now=now)
    return visible


def find_duplicates(session: Session, *, team_id: str, draft: LeadDraft, exclude_id: int | None = None) -> list[Lead]:
    """Same email, or same company + full name (both case- and accent-insensitive)."""
    keys = draft.columns()
    return lead_store.possible_duplicates(
        session,
        team_id=team_id,
        email_key=str(keys["email_key"] or ""),
        identity_key=str(keys["identity_key"] or ""),
        exclude_id=exclude_id,
    )


def disqualify(session: Session, lead: Lead, *, reason: str, note: str, user_id: str, now: datetime) -> None:
    lead.status, lead.status_reason, lead.updated_at = "disqualified", reason, now
    session.add(lead)
    _log_status(session, lead, user_id, f"Disqualified: {reason}", note, now=now)
    _end_sequences(session, lead, now)


def reactivate(session: Session, lead: Lead, *, user_id: str, now: datetime) -> None:
    if lead.status != LeadStatus.DISQUALIFIED:
        raise Refused("Only a disqualified lead can be reactivated.")
    lead.status, lead.status_reason, lead.updated_at = "open", "", now
    session.add(lead)
    _log_status(session, lead, user_id, "Reactivated", now=now)


def qualify(session: Session, lead: Lead, *, user_id: str, now: datetime) -> Opportunity:
    """Close the lead as Qualified: match or create the account and contact, and open an opportunity
    at Develop carrying the lead's data, stakeholders, competitors and timeline (seed 004)."""
    _require_open(lead)
    team = lead.team_id
    name = full_name(lead.first_name, lead.last_name)
    account_name = lead.company or name
    account = match_or_create_account(session, team_id=team, name=account_name, name_key=fold(account_name))
    contact = match_or_create_contact(
        session, team_id=team, account_id=account.id, first_name=lead.first_name, last_name=lead.last_name,
        email=lead.email, email_key=lead.email_key, business_phone=lead.business_phone, job_title=lead.job_title,
    )  # fmt: skip
    people = stakeholders(session, team_id=team, record_type="lead", record_id=lead.id or 0)
    flow = library_in(session, team).choose(
        lead_source=lead.lead_source, budget=lead.budget_amount, purchase_timeframe=lead.purchase_timeframe
    )
    first, second = flow.stages[0].name, (flow.next_stage(flow.stages[0].name) or flow.stages[0]).name
    opportunity = Opportunity(
        team_id=team, owner_id=lead.owner_id, lead_id=lead.id, topic=lead.topic, account_id=account.id,
        contact_id=contact.id, account_name=account.name, contact_name=name or contact.email, process_name=flow.name,
        stage=second, probability=int(processes.probability(flow, second)), currency=lead.currency,
        estimated_revenue=lead.budget_amount, budget_amount=lead.budget_amount,
        purchase_timeframe=lead.purchase_timeframe, purchase_process=lead.purchase_process,
        description=lead.description, lead_score=lead.score, lead_grade=lead.grade, search_text=lead.search_text,
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(opportunity)
    session.flush()
    opp_id = opportunity.id or 0
    _record_qualify_stage(session, lead, opportunity, people, stages=(first, second), user_id=user_id, now=now)
    _carry_over(session, lead, opp_id)
    add_activity(
        session, team_id=team, record_type="opportunity", record_id=opp_id, kind="status", author_id=user_id,
        subject="Opportunity created from a qualified lead", occurred_at=now,
    )  # fmt: skip
    lead.status, lead.status_reason, lead.opportunity_id, lead.updated_at = "qualified", "", opp_id, now
    session.add(lead)
    _log_status(session, lead, user_id, "Qualified", f"Opportunity #{opp_id} created", now=now)
    _end_sequences(session, lead, now)
    return opportunity


def _require_open(lead: Lead) -> None:
    if lead.status != LeadStatus.OPEN:
        problem = "is already qualified" if lead.status == "qualified" else "is disqualified: reactivate it first"
        raise Refused(f"This lead {problem}.")


def _record_qualify_stage(
    session: Session,
    lead: Lead,
    opportunity: Opportunity,
    people: list[Stakeholder],
    *,
    stages: tuple[str, str],
    user_id: str,
    now: datetime,
) -> None:
    """The Qualify stage's steps (seed 002) as the lead recorded them, then the move to the next stage."""
    first, second = stages
    for step, value, done in _qualify_steps(lead, opportunity, people):
        set_step(
            session,
            team_id=lead.team_id,
            opportunity_id=opportunity.id or 0,
            stage=first,
            step=step,
            user_id=user_id,
            done=done,
            value=value,
        )
    for from_stage, to_stage, kind in (("", first, "enter"), (first, second, "advance")):
        record_stage_change(
            session, opportunity, from_stage=from_stage, to_stage=to_stage, kind=kind, user_id=user_id, now=now
        )
    add_activity(
        session,
        team_id=lead.team_id,
        record_type="opportunity",
        record_id=opportunity.id or 0,
        kind="stage",
        author_id=user_id,
        subject=f"{first} → {second}",
        occurred_at=now,
    )


def _qualify_steps(lead: Lead, opportunity: Opportunity, people: list[Stakeholder]) -> list[tuple[str, str, bool]]:
    """Each Qualify step with the value the lead recorded for it and whether that completes it."""
    decision_maker = next((p for p in people if p.role == "Decision maker"), None)
    budget = f"{lead.budget_amount:,.2f} {lead.currency}" if lead.budget_amount is not None else ""
    return [
        ("Identify contact", opportunity.contact_name, bool(opportunity.contact_name)),
        ("Identify account", opportunity.account_name, bool(opportunity.account_name)),
        ("Purchase timeframe", lead.purchase_timeframe, bool(lead.purchase_timeframe)),
        ("Estimated budget", budget, bool(budget)),
        ("Purchase process", lead.purchase_process, bool(lead.purchase_process)),
        ("Identify decision maker", _person(decision_maker), decision_maker is not None),
    ]


def _person(stakeholder: Stakeholder | None) -> str:
    if stakeholder is None:
        return ""
    return stakeholder.slack_user_id or stakeholder.name  # a value, not markup: views draw mentions


def _carry_over(session: Session, lead: Lead, opportunity_id: int) -> None:
    """Copy the lead's stakeholders, competitors and timeline onto the opportunity (the lead keeps its own).
    Copied timeline entries drop their Slack message ids: later edits of a reply update the lead's entry."""
    team, lead_id = lead.team_id, lead.id or 0
    people: list[Stakeholder | Competitor] = [
        *stakeholders(session, team_id=team, record_type="lead", record_id=lead_id),
        *competitors(session, team_id=team, record_type="lead", record_id=lead_id),
    ]
    opportunity = session.get(Opportunity, opportunity_id)
    for row in people:
        copied = _copy(session, row, opportunity_id)
        if isinstance(copied, Stakeholder) and opportunity is not None:
            link_stakeholder(session, copied, opportunity)  # the lead's person is now the account's contact
    source, target = ("lead", lead_id), ("opportunity", opportunity_id)
    copy_timeline(session, team_id=team, source=source, target=target, data={"from_lead": lead.id})


def _copy(
    session: Session, row: Stakeholder | Competitor, opportunity_id: int, **changes: Any
) -> Stakeholder | Competitor:
    values = row.model_dump(exclude={"id"})
    values.update(record_type="opportunity", record_id=opportunity_id, **changes)
    copied = type(row)(**values)
    session.add(copied)
    return copied


def _end_sequences(session: Session, lead: Lead, now: datetime) -> None:
    end_enrollments(session, team_id=lead.team_id, record_type="lead", record_id=lead.id or 0, now=now)
