"""An opportunity in its sales process: created at the first stage, steps ticked, stages moved
through the process's gates, closed and reopened — the rules of bot.domain.process (and the derived
search text and probability) applied to the rows store.opportunities writes.

Every move leaves a stage-history row (the funnel and the digests read them) and a timeline entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session

from bot.domain import process as processes
from bot.domain.process import Stage, StepState
from bot.domain.text import fold, search_text
from bot.services.processes import library_in
from store import opportunities as opp_store
from store.accounts import add_contact, contacts_of, match_or_create_account
from store.activities import add_activity
from store.models import Attachment, Opportunity, utcnow
from store.sequences import end_enrollments


def step_states(session: Session, *, team_id: str, opportunity_id: int) -> dict[tuple[str, str], StepState]:
    rows = opp_store.step_values(session, team_id=team_id, opportunity_id=opportunity_id)
    return {(row.stage, row.step): StepState(done=row.done, value=row.value) for row in rows}


def auto_complete_step(session: Session, *, team_id: str, opportunity_id: int, feature: str, user_id: str) -> None:
    """Tick the step the opportunity's process ties to `feature` (stakeholder, competitor, sales_team,
    proposal), in whatever stage it lives, if the process has one. Called when that feature is used."""
    opportunity = opp_store.get_opportunity(session, team_id=team_id, opportunity_id=opportunity_id)
    if opportunity is None:
        return
    process = process_of(session, opportunity)
    for stage, step in process.feature_steps(feature):
        opp_store.set_step(
            session,
            team_id=team_id,
            opportunity_id=opportunity_id,
            stage=stage.name,
            step=step.name,
            user_id=user_id,
            done=True,
        )


def process_of(session: Session, opportunity: Opportunity) -> processes.Process:
    """The process the opportunity follows, from its workspace's library."""
    return library_in(session, opportunity.team_id).get(opportunity.process_name)


def refresh_derived(session: Session, opportunity: Opportunity) -> None:
    """Search text and stored probability follow the record's fields and stage."""
    opportunity.search_text = search_text(opportunity.topic, opportunity.account_name, opportunity.contact_name)
    process = process_of(session, opportunity)
    value = processes.probability(process, opportunity.stage, status=opportunity.status)
    opportunity.probability = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- creating -------------------------------------------------------------------------------------


def create_opportunity(
    session: Session,
    *,
    team_id: str,
    owner_id: str,
    topic: str,
    process_name: str,
    account_name: str = "",
    contact_name: str = "",
    estimated_close_date: date | None = None,
    estimated_revenue: Decimal | None = None,
    description: str = "",
    currency: str = "EUR",
    now: datetime | None = None,
) -> Opportunity:
    """A new opportunity at the first stage of its process (an `enter` stage change, and the
    account and contact recorded as the first stage's steps when the process has them)."""
    now = now or utcnow()
    process = library_in(session, team_id).get(process_name)
    first = process.stages[0]
    account_id, contact_id = _account_and_contact(session, team_id, account_name, contact_name)
    opportunity = Opportunity(
        team_id=team_id, owner_id=owner_id, topic=topic, process_name=process.name, stage=first.name,
        account_id=account_id, contact_id=contact_id, account_name=account_name, contact_name=contact_name,
        estimated_close_date=estimated_close_date, estimated_revenue=estimated_revenue, description=description,
        currency=currency, created_at=now, updated_at=now,
    )  # fmt: skip
    refresh_derived(session, opportunity)
    session.add(opportunity)
    session.flush()
    _first_steps_from_names(session, opportunity, first, account_name=account_name, contact_name=contact_name)
    opp_store.record_stage_change(
        session, opportunity, from_stage="", to_stage=first.name, kind="enter", user_id=owner_id, now=now
    )
    add_activity(
        session, team_id=team_id, record_type="opportunity", record_id=opportunity.id or 0, kind="status",
        author_id=owner_id, subject="Opportunity created", occurred_at=now,
    )  # fmt: skip
    return opportunity


def _account_and_contact(
    session: Session, team_id: str, account_name: str, contact_name: str
) -> tuple[int | None, int | None]:
    """The account named (matched or created) and the contact named (matched within it), as ids."""
    account_id = contact_id = None
    if account_name:
        account = match_or_create_account(session, team_id=team_id, name=account_name, name_key=fold(account_name))
        account_id = account.id
    if contact_name:
        contact_id = _match_contact(session, team_id=team_id, account_id=account_id, name=contact_name)
    return account_id, contact_id


def _first_steps_from_names(
    session: Session, opportunity: Opportunity, first: Stage, *, account_name: str, contact_name: str
) -> None:
    """The account and contact given at creation complete the first stage's steps that ask for them."""
    for step_name, value in (("Identify account", account_name), ("Identify contact", contact_name)):
        step = first.step(step_name)
        if value and step is not None:
            opp_store.set_step(
                session, team_id=opportunity.team_id, opportunity_id=opportunity.id or 0, stage=first.name,
                step=step.name, user_id=opportunity.owner_id, value=value,
            )  # fmt: skip


def _match_contact(session: Session, *, team_id: str, account_id: int | None, name: str) -> int | None:
    """The contact of the account with this name (accent- and case-insensitive), else a new one."""
    first, _, last = name.strip().rpartition(" ")
    wanted = fold(name)
    for contact in contacts_of(session, team_id=team_id, account_id=account_id):
        if fold(f"{contact.first_name} {contact.last_name}") == wanted:
            return contact.id
    return add_contact(session, team_id=team_id, account_id=account_id, first_name=first, last_name=last).id


# --- stage moves ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    ok: bool
    from_stage: str = ""
    to_stage: str = ""
    missing: tuple[str, ...] = ()


def _record_move(
    session: Session,
    opportunity: Opportunity,
    *,
    to_stage: str,
    kind: str,
    user_id: str,
    now: datetime,
    subject: str | None = None,
    body: str = "",
) -> None:
    from_stage = opportunity.stage if opportunity.status == "open" else opportunity.status.capitalize()
    opp_store.record_stage_change(
        session, opportunity, from_stage=from_stage, to_stage=to_stage, kind=kind, user_id=user_id, now=now
    )
    add_activity(
        session,
        team_id=opportunity.team_id,
        record_type="opportunity",
        record_id=opportunity.id or 0,
        kind="stage",
        author_id=user_id,
        subject=subject or f"{from_stage} → {to_stage}",
        body=body,
        occurred_at=now,
        data={"from": from_stage, "to": to_stage, "kind": kind},
    )


def advance(session: Session, opportunity: Opportunity, *, user_id: str, now: datetime) -> Move:
    """Next stage when the current stage's required steps are complete; else the missing steps."""
    process = process_of(session, opportunity)
    stage = process.current(opportunity.stage)
    states = step_states(session, team_id=opportunity.team_id, opportunity_id=opportunity.id or 0)
    missing = processes.missing_steps(stage, states)
    target = process.next_stage(stage.name)
    if missing or target is None:
        return Move(False, stage.name, target.name if target else "", tuple(missing))
    _record_move(session, opportunity, to_stage=target.name, kind="advance", user_id=user_id, now=now)
    _set_stage(session, opportunity, target.name, now)
    return Move(True, stage.name, target.name)


def go_back(session: Session, opportunity: Opportunity, *, user_id: str, now: datetime) -> Move:
    process = process_of(session, opportunity)
    stage = process.current(opportunity.stage)
    target = process.previous_stage(stage.name)
    if target is None:
        return Move(False, stage.name)
    _record_move(session, opportunity, to_stage=target.name, kind="back", user_id=user_id, now=now)
    _set_stage(session, opportunity, target.name, now)
    return Move(True, stage.name, target.name)


def finish_check(session: Session, opportunity: Opportunity) -> tuple[str, ...]:
    """The last stage's missing required steps (empty: the process is finished, close it)."""
    process = process_of(session, opportunity)
    states = step_states(session, team_id=opportunity.team_id, opportunity_id=opportunity.id or 0)
    return tuple(processes.missing_steps(process.current(opportunity.stage), states))


def _set_stage(session: Session, opportunity: Opportunity, stage: str, now: datetime) -> None:
    opportunity.stage, opportunity.updated_at = stage, now
    refresh_derived(session, opportunity)
    session.add(opportunity)
    session.flush()


def change_process(
    session: Session, opportunity: Opportunity, *, process_name: str, user_id: str, now: datetime
) -> None:
    """Switch process; step values stay (kept by name). The stage is kept if the new process has it,
    else the new process's first stage."""
    process = library_in(session, opportunity.team_id).get(process_name)
    if process.name == opportunity.process_name:
        return
    old = opportunity.process_name
    opportunity.process_name = process.name
    if process.stage(opportunity.stage) is None and opportunity.status == "open":
        _record_move(session, opportunity, to_stage=process.stages[0].name, kind="enter", user_id=user_id, now=now)
        opportunity.stage = process.stages[0].name
    add_activity(
        session,
        team_id=opportunity.team_id,
        record_type="opportunity",
        record_id=opportunity.id or 0,
        kind="status",
        author_id=user_id,
        subject=f"Sales process: {old} → {process.name}",
        occurred_at=now,
    )
    _set_stage(session, opportunity, opportunity.stage, now)


# --- closing ----------------------------------------------------------------------------------------


def close_won(
    session: Session,
    opportunity: Opportunity,
    *,
    actual_revenue: Decimal,
    close_date: date,
    user_id: str,
    now: datetime,
) -> None:
    _close(
        session,
        opportunity,
        status="won",
        user_id=user_id,
        now=now,
        body=f"Actual revenue {actual_revenue:,.2f} {opportunity.currency}, closed {close_date.isoformat()}",
    )
    opportunity.actual_revenue, opportunity.actual_close_date = actual_revenue, close_date
    opportunity.close_reason, opportunity.close_competitor, opportunity.close_description = "", "", ""
    session.add(opportunity)


def close_lost(
    session: Session,
    opportunity: Opportunity,
    *,
    reason: str,
    competitor: str,
    description: str,
    close_date: date,
    user_id: str,
    now: datetime,
) -> None:
    details = reason + (f" to {competitor}" if competitor else "") + (f"\n{description}" if description else "")
    _close(session, opportunity, status="lost", user_id=user_id, now=now, body=details)
    opportunity.close_reason, opportunity.close_competitor = reason, competitor
    opportunity.close_description, opportunity.actual_close_date = description, close_date
    opportunity.actual_revenue = None
    session.add(opportunity)


def _close(session: Session, opportunity: Opportunity, *, status: str, user_id: str, now: datetime, body: str) -> None:
    """Closing ends the opportunity's sequences (their open tasks and pending deliveries)."""
    label = "Won" if status == "won" else "Lost"
    _record_move(
        session,
        opportunity,
        to_stage=label,
        kind=status,
        user_id=user_id,
        now=now,
        subject=f"Closed as {label.lower()}",
        body=body,
    )
    opportunity.reopen_stage, opportunity.status = opportunity.stage, status
    _set_stage(session, opportunity, opportunity.stage, now)
    end_enrollments(
        session, team_id=opportunity.team_id, record_type="opportunity", record_id=opportunity.id or 0, now=now
    )


def reopen(session: Session, opportunity: Opportunity, *, user_id: str, now: datetime) -> None:
    """Back to the stage it was closed in."""
    process = process_of(session, opportunity)
    stage = (
        opportunity.reopen_stage if process.stage(opportunity.reopen_stage) else process.current(opportunity.stage).name
    )
    _record_move(
        session, opportunity, to_stage=stage, kind="reopen", user_id=user_id, now=now, subject=f"Reopened at {stage}"
    )
    opportunity.status, opportunity.stage, opportunity.reopen_stage = "open", stage, ""
    opportunity.actual_revenue = opportunity.actual_close_date = None
    _set_stage(session, opportunity, stage, now)


# --- files and links ----------------------------------------------------------------------------------


def attach(
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
    """Attach a Slack file or a link; pointing it at a feature step (e.g. Develop proposal) ticks it."""
    row = opp_store.insert_attachment(
        session,
        opportunity,
        title=title,
        url=url,
        slack_file_id=slack_file_id,
        step=step,
        user_id=user_id,
        now=now,
    )
    if step:
        _tick_step_in_every_stage(session, opportunity, step=step, user_id=user_id)
    add_activity(
        session,
        team_id=opportunity.team_id,
        record_type="opportunity",
        record_id=opportunity.id or 0,
        kind="file",
        author_id=user_id,
        occurred_at=now,
        subject=f"Attached {title[:200]}",
        body=url,
        data={"step": step, "file_id": slack_file_id},
    )
    return row


def _tick_step_in_every_stage(session: Session, opportunity: Opportunity, *, step: str, user_id: str) -> None:
    """Tick `step` in each stage of the opportunity's process that has a step of that name."""
    for stage in process_of(session, opportunity).stages:
        if stage.step(step) is not None:
            opp_store.set_step(
                session,
                team_id=opportunity.team_id,
                opportunity_id=opportunity.id or 0,
                stage=stage.name,
                step=step,
                user_id=user_id,
                done=True,
            )
