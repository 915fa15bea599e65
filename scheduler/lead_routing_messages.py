"""Routing's outbox rows: a routed lead's card in its owner's DM, and a waiting lead's post in the leads
channel (with `Claim`). Both are rendered from the lead at send time: a lead claimed, reassigned or
closed meanwhile is not announced."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.services.routing import CLAIM_KIND, ROUTED_KIND
from bot.views.leads import lead_card
from bot.views.routing_claims import claim_post, routed_intro
from scheduler.renderers import ON_SETTLED, RenderContext, renderer
from store.activities import record_post
from store.leads import get_lead
from store.models import Outbox
from store.routing import UNASSIGNED, set_claim_post


@renderer(ROUTED_KIND)
def render_routed(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    lead = get_lead(ctx.session, team_id=row.team_id, lead_id=row.record_id or 0)
    if lead is None or lead.status != "open" or lead.owner_id != row.recipient:
        return None
    intro = routed_intro(lead, str(row.payload.get("why") or ""))
    return {"text": f"New lead for you: {lead.topic}", "blocks": [intro, *lead_card(lead)][:50]}


@renderer(CLAIM_KIND)
def render_claim(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    lead = get_lead(ctx.session, team_id=row.team_id, lead_id=row.record_id or 0)
    if lead is None or lead.status != "open" or lead.owner_id != UNASSIGNED:
        return None
    text, blocks = claim_post(lead)
    return {"text": text, "blocks": blocks}


def settle_claim(session: Session, row: Outbox, outcome: str, sent_ts: str | None, error: str | None) -> bool:
    """The sent post is remembered: Claim updates it, thread replies land on the lead's timeline."""
    if outcome == "sent" and sent_ts and row.record_id:
        set_claim_post(session, team_id=row.team_id, lead_id=row.record_id, channel=row.recipient, ts=sent_ts)
        record_post(session, team_id=row.team_id, record_type="lead", record_id=row.record_id,
                    channel=row.recipient, ts=sent_ts, kind="claim")  # fmt: skip
    return False


ON_SETTLED[CLAIM_KIND] = settle_claim
