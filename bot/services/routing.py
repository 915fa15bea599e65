"""Routing leads by the workspace's rules, and the leads channel's `Claim`.

`decide` reads the rules of the workspace's process file (`[[routing]]`, `[routing_fallback]`), takes
a round-robin turn when a team is the target (the turn is a database row, claimed atomically:
fair across restarts and instances) and skips members at `max_open`. What no rule places goes to
the fallback: `[routing_fallback]`, else the admin's `Leads channel`, else `default_owner`.
`place` then gives the lead its owner (a DM through the outbox) or posts it in the channel with
`Claim` (through the outbox too). The caller owns the transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.kinds import LeadStatus, RecordType
from bot.domain.routing import Fallback, LeadFacts, Target, pick_member, turn_key
from bot.domain.text import fold
from bot.messages import LEAD_NOT_FOUND
from bot.refusals import Refused
from bot.services.assignment import Assignment, assign
from bot.services.processes import library_in
from store import routing as routing_store
from store.activities import add_activity
from store.alerts import workspace_channel
from store.leads import get_lead
from store.models import Lead
from store.outbox import enqueue

log = logging.getLogger("salesbot.routing")
ROUTED_KIND = "lead_routed"  # outbox: the owner's DM with the card
CLAIM_KIND = "lead_claim"  # outbox: the leads channel's post with Claim


@dataclass(frozen=True)
class Routed:
    owner: str = ""  # "" while the lead waits in `channel`
    channel: str = ""
    why: str = ""  # for the timeline: "rule 2", "the fallback"…

    @property
    def placed(self) -> bool:
        return bool(self.owner or self.channel)


@dataclass(frozen=True)
class ClaimOutcome:
    won: bool
    owner: str  # who has the lead now ("" if it is no longer open)
    lead: Lead | None


def facts_of(lead: Lead) -> LeadFacts:
    return LeadFacts(lead.lead_source, lead.industry, lead.country, lead.city, lead.employees, lead.budget_amount)


def decide(
    session: Session, team_id: str, facts: LeadFacts, *, default_owner: str, pending: Mapping[str, int] | None = None
) -> Routed:
    """`pending`: leads already routed to each user but not yet written (a bulk import's batch)."""
    rules = library_in(session, team_id).routing
    rule = rules.first_match(facts)
    if rule is not None:
        owner = _target_owner(session, team_id, rule.assign, pending or {})
        if owner:
            return Routed(owner=owner, why=f"rule {rule.index + 1}")
        log.info("routing rule %d of %s placed nobody (team unknown, empty or at its cap)", rule.index + 1, team_id)
    return _fallback(session, team_id, rules.fallback, default_owner)


def _target_owner(session: Session, team_id: str, target: Target, pending: Mapping[str, int]) -> str:
    if target.user:
        if target.max_open is not None:
            held = routing_store.open_lead_counts(session, team_id=team_id, owners=[target.user])
            if held.get(target.user, 0) + pending.get(target.user, 0) >= target.max_open:
                return ""
        return target.user
    members = routing_store.team_members(session, team_id=team_id, name_key=fold(target.team)[:100])
    if not members:
        return ""
    # the turn first: its row lock makes concurrent routings to this team read the counts in turn
    turn = routing_store.claim_turn(session, team_id=team_id, key=turn_key(target.team))
    counts: dict[str, int] = {}
    if target.max_open is not None:
        counts = routing_store.open_lead_counts(session, team_id=team_id, owners=members)
        counts = {member: counts.get(member, 0) + pending.get(member, 0) for member in members}
    return pick_member(members, turn, counts, target.max_open) or ""


def _fallback(session: Session, team_id: str, fallback: Fallback | None, default_owner: str) -> Routed:
    if fallback is not None and (fallback.channel or fallback.owner):
        return Routed(owner=fallback.owner, channel=fallback.channel, why="the fallback")
    channel = workspace_channel(session, team_id=team_id, purpose="leads")
    if channel:
        return Routed(channel=channel, why="the leads channel")
    return Routed(owner=default_owner, why="")


def place(session: Session, lead: Lead, routed: Routed, *, by: str, now: datetime) -> None:
    """Give the lead its routed owner (told in DM) or post it in the leads channel to be claimed."""
    previous = lead.owner_id
    lead.owner_id, lead.updated_at = routed.owner, now
    session.add(lead)
    lead_id = lead.id or 0
    stamp = int(now.timestamp() * 1000)
    if routed.owner:
        if routed.why:
            add_activity(session, team_id=lead.team_id, record_type=RecordType.LEAD, record_id=lead_id, kind="assign",
                         author_id=by, subject=f"Routed by {routed.why}", occurred_at=now,
                         data={"people": [routed.owner], "previous_owner": previous})  # fmt: skip
        enqueue(session, team_id=lead.team_id, kind=ROUTED_KIND, recipient=routed.owner, due_at=now,
                dedupe_key=f"lead-routed:{lead_id}:{stamp}", record_type=RecordType.LEAD, record_id=lead_id,
                payload={"lead_id": lead_id, "why": routed.why})  # fmt: skip
        return
    claim = routing_store.add_claim(session, team_id=lead.team_id, lead_id=lead_id, channel=routed.channel, now=now)
    add_activity(session, team_id=lead.team_id, record_type=RecordType.LEAD, record_id=lead_id, kind="status",
                 author_id=by, subject="Waiting in the leads channel", occurred_at=now,
                 data={"channel": routed.channel})  # fmt: skip
    enqueue(session, team_id=lead.team_id, kind=CLAIM_KIND, recipient=routed.channel, due_at=now,
            dedupe_key=f"lead-claim:{lead_id}:{claim.id}:{stamp}", record_type=RecordType.LEAD, record_id=lead_id,
            payload={"lead_id": lead_id})  # fmt: skip


def claim(session: Session, *, team_id: str, lead_id: int, user_id: str, now: datetime) -> ClaimOutcome:
    """The first click wins (one conditional UPDATE); the others learn who took it."""
    won = routing_store.claim_lead(session, team_id=team_id, lead_id=lead_id, user_id=user_id, now=now)
    lead = session.get(Lead, lead_id)
    if lead is not None and lead.team_id != team_id:
        lead = None
    if lead is not None:
        session.refresh(lead)
    if won and lead is not None:
        add_activity(session, team_id=team_id, record_type=RecordType.LEAD, record_id=lead_id, kind="assign",
                     author_id=user_id, subject="Claimed", occurred_at=now,
                     data={"people": [user_id], "previous_owner": ""})  # fmt: skip
    owner = lead.owner_id if lead is not None and lead.status == LeadStatus.OPEN else ""
    return ClaimOutcome(won=won, owner=owner, lead=lead)


NO_PLACE = (
    "No routing rule places this lead and there is no fallback: add `[[routing]]` rules or a "
    "`[routing_fallback]` to the process file, or set a `Leads channel` in `/salesbot admin`."
)
ADMINS_ONLY = "Only salesbot admins can reassign a lead by the rules."


def reassign_by_rules(
    session: Session, team_id: str, lead_id: int, *, by: str, is_admin: bool, now: datetime, reminder_minutes: int
) -> tuple[Lead, Routed, Assignment | None]:
    """`Reassign by rules` (an admin's option on a lead card): route the lead again as if it had just
    arrived. A new owner gets it as with `Assign` (tasks and appointments follow); a channel target
    puts it back in the leads channel, unassigned."""
    if not is_admin:
        raise Refused(ADMINS_ONLY)
    lead = get_lead(session, team_id=team_id, lead_id=lead_id)
    if lead is None:
        raise Refused(LEAD_NOT_FOUND)
    if lead.status != LeadStatus.OPEN:
        raise Refused("Only open leads are routed.")
    routed = decide(session, lead.team_id, facts_of(lead), default_owner="")
    if not routed.placed:
        raise Refused(NO_PLACE)
    if routed.owner:
        if routed.owner == lead.owner_id:
            raise Refused(f"The rules give this lead to <@{routed.owner}>, who already owns it.")
        done = assign(session, lead, record_type=RecordType.LEAD, new_owner=routed.owner, by=by, now=now,
                      reminder_minutes=reminder_minutes)  # fmt: skip
        return lead, routed, done
    if not lead.owner_id and routing_store.get_claim(session, team_id=lead.team_id, lead_id=lead.id or 0):
        raise Refused("This lead is already waiting in the leads channel.")
    place(session, lead, routed, by=by, now=now)
    return lead, routed, None
