"""A lead posted to /api/leads: validated like the New lead modal (only `topic` required), checked for
duplicates, created with its origin ("web form (token name)") and routed by the workspace's rules.
The caller owns the transaction; nothing here talks HTTP or Slack."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.domain.leads import FIELD_KEYS, validate_lead
from bot.domain.routing import LeadFacts
from bot.services import routing
from bot.services.leads import create_lead, find_duplicates
from store.models import ApiToken, Lead


@dataclass(frozen=True)
class WebAnswer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def lead_json(lead: Lead) -> dict[str, Any]:
    return {"number": lead.id, "owner": lead.owner_id or None}


def lead_fields(raw: Mapping[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    """The lead's fields as text (unknown keys ignored), and an error per field that is not text."""
    fields: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key in FIELD_KEYS:
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            errors[key] = "must be text or a number"
        else:
            fields[key] = str(value)
    return fields, errors


def receive(session: Session, token: ApiToken, raw: Mapping[str, object], *, now: datetime) -> WebAnswer:
    fields, errors = lead_fields(raw)
    draft, invalid = validate_lead(fields, require_name=False)
    errors.update(invalid)
    if draft is None or errors:
        return WebAnswer(422, {"ok": False, "errors": errors})
    team = token.team_id
    existing = find_duplicates(session, team_id=team, draft=draft)
    if existing:
        return WebAnswer(200, {"ok": True, "duplicate": True, "lead": lead_json(existing[0])})
    facts = LeadFacts(
        draft.lead_source, draft.industry, draft.country, draft.city, draft.employees, draft.budget_amount
    )
    lead = create_lead(session, team_id=team, owner_id="", draft=draft, now=now, origin=f"web form ({token.name})")
    # Routed last: a round-robin turn's row stays locked until the commit (PostgreSQL), so only the
    # placing runs under it (routing first: 22 leads/s on PostgreSQL, now 32; bench/web_leads.py).
    routed = routing.decide(session, team, facts, default_owner=token.created_by)
    routing.place(session, lead, routed, by="", now=now)
    return WebAnswer(201, {"ok": True, "lead": lead_json(lead)})
