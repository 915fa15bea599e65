"""Deal room rows of the outbox: the outcome posted when the deal closes, and the archiving later
(a call to conversations.archive through the dispatcher, so it is claimed, retried and done once)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.domain.quotes import QuoteStatus, quote_number
from bot.domain.revenue import format_money
from bot.views.deal_rooms import outcome_message
from scheduler.renderers import ON_SETTLED, RenderContext, renderer
from store.deal_rooms import room_by_id
from store.models import DealRoom, Opportunity, Outbox
from store.opportunities import stage_changes_of
from store.people import competitors
from store.quotes import quotes_of
from store.records import get_record


def _room(session: Session, row: Outbox) -> DealRoom | None:
    return room_by_id(session, team_id=row.team_id, room_id=row.payload.get("room_id"))


def _closed(ctx: RenderContext, row: Outbox) -> Opportunity | None:
    """The deal, while it is still closed the way the row says (a reopened deal keeps its room)."""
    record = get_record(ctx.session, team_id=row.team_id, record_type="opportunity", record_id=row.record_id or 0)
    if not isinstance(record, Opportunity) or record.status != row.payload.get("outcome"):
        return None
    return record


@renderer("deal_room_outcome")
def render_outcome(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    opportunity = _closed(ctx, row)
    if opportunity is None:
        return None
    moves = stage_changes_of(ctx.session, team_id=row.team_id, opportunity_id=opportunity.id or 0)
    stages = [(move.to_stage, move.at.date()) for move in moves]
    revenue = opportunity.actual_revenue if opportunity.status == "won" else opportunity.estimated_revenue
    amount = f"{revenue:,.2f} {opportunity.currency}" if revenue is not None else ""
    text, blocks = outcome_message(outcome=opportunity.status, title=opportunity.topic, amount=amount,
                                   reason=opportunity.close_reason, competitor=opportunity.close_competitor,
                                   stages=stages, archive_days=ctx.deps.settings.deal_room_archive_days,
                                   quotes=_quote_lines(ctx.session, opportunity),
                                   competitors=[c.name for c in competitors(ctx.session, team_id=row.team_id,
                                                record_type="opportunity", record_id=opportunity.id or 0)])  # fmt: skip
    return {"text": text, "blocks": blocks}


def _quote_lines(session: Session, opportunity: Opportunity) -> list[str]:
    """Each quote of the deal (revised ones left out): number, revision, status and total."""
    found = quotes_of(session, team_id=opportunity.team_id, opportunity_id=opportunity.id or 0)
    return [
        f"Quote {quote_number(q.number)} rev {q.revision} · {QuoteStatus(q.status).label} · "
        f"{format_money(q.total, q.currency)}"
        for q in found
        if q.status != QuoteStatus.REVISED
    ]


@renderer("deal_room_archive")
def render_archive(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    room = _room(ctx.session, row)
    if room is None or room.status != "open" or _closed(ctx, row) is None:
        return None
    return {"_method": "conversations_archive"}


def settle_archive(session: Session, row: Outbox, outcome: str, sent_ts: str | None, error: str | None) -> bool:
    """An archived room (or one somebody archived first) is remembered as archived."""
    if outcome == "sent" or error == "already_archived":
        room = _room(session, row)
        if room is not None:
            room.status = "archived"
            session.add(room)
        return error == "already_archived"
    return False


ON_SETTLED["deal_room_archive"] = settle_archive
