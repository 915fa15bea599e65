"""How the dispatcher sends alert rows: rendered from the database at send time, and settled — a sent
alert about one record becomes a post whose thread replies land on its timeline; a channel the bot
can no longer post in pauses the subscription and tells its creator by DM, once."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.domain.alerts import EVENT_LABELS
from bot.domain.quotes import quote_number
from bot.domain.revenue import format_money
from bot.ids import RecordRef
from bot.views.alerts import AlertQuote, AlertRecord, alert_message, daily_summary
from scheduler.renderers import ON_SETTLED, RenderContext, renderer
from store import alerts as alert_store
from store.activities import record_post
from store.models import Lead, Opportunity, Outbox
from store.outbox import enqueue
from store.quotes import get_quote

CHANNEL_GONE = {"channel_not_found", "not_in_channel", "is_archived"}
PAUSED_NOTICE = (
    ":pause_button: Alerts for *{event}* in <#{channel}> are paused: salesbot can no longer post there ({error}). "
    "Invite it back with `/invite @salesbot`, then press `Resume` in `/salesbot alerts`."
)


def alert_record(ctx: RenderContext, team: str, record_type: str | None, record_id: int | None) -> AlertRecord | None:
    record = ctx.record(team, record_type, record_id)
    return describe_record(record) if record is not None else None


def describe_record(record: Lead | Opportunity) -> AlertRecord:
    if isinstance(record, Lead):
        amount = f"{record.budget_amount:,.2f} {record.currency}" if record.budget_amount is not None else ""
        return AlertRecord(RecordRef("lead", record.id or 0), record.topic, record.owner_id, record.company, amount)
    revenue = record.actual_revenue if record.status == "won" and record.actual_revenue else record.estimated_revenue
    amount = f"{revenue:,.2f} {record.currency}" if revenue is not None else ""
    days = None
    if record.status == "won" and record.actual_close_date is not None:
        days = max((record.actual_close_date - record.created_at.date()).days, 0)
    return AlertRecord(RecordRef("opportunity", record.id or 0), record.topic, record.owner_id, record.account_name,
                       amount, record.stage, days)  # fmt: skip


def _subscription_active(ctx: RenderContext, row: Outbox) -> bool:
    """A row of a subscription since paused or removed is not sent (wins-channel rows have none)."""
    subscription_id = row.payload.get("subscription_id")
    if subscription_id is None:
        return True
    found = ctx.subscription(row.team_id, int(subscription_id))
    return found is not None and found.status == "active"


@renderer("alert")
def render_alert(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    if not _subscription_active(ctx, row):
        return None
    record = alert_record(ctx, row.team_id, row.record_type, row.record_id)
    if record is None and not row.payload.get("count"):
        return None  # the record was deleted meanwhile
    text, blocks = alert_message(row.payload, record, alert_quote(ctx.session, row))
    return {"text": text, "blocks": blocks}


def alert_quote(session: Session, row: Outbox) -> AlertQuote | None:
    quote_id = row.payload.get("quote_id")
    if not isinstance(quote_id, int):
        return None
    quote = get_quote(session, team_id=row.team_id, quote_id=quote_id)
    if quote is None:
        return None
    reason = quote.decision_reason if row.payload.get("event") == "quote_rejected" else ""
    title = f"Quote {quote_number(quote.number)} rev {quote.revision}"
    return AlertQuote(title, format_money(quote.total, quote.currency), reason)


@renderer("alert_daily")
def render_daily(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    if not _subscription_active(ctx, row):
        return None
    subscription = ctx.subscription(row.team_id, int(row.payload.get("subscription_id") or 0))
    entries = []
    for entry in row.payload.get("entries", []):
        record = alert_record(ctx, row.team_id, entry.get("record_type"), entry.get("record_id"))
        if record is not None or entry.get("count"):
            entries.append((entry, record))
    if not entries or subscription is None:
        return None
    text, blocks = daily_summary(EVENT_LABELS.get(subscription.event, subscription.event), entries)
    return {"text": text, "blocks": blocks}


def settle_alert(session: Session, row: Outbox, outcome: str, sent_ts: str | None, error: str | None) -> bool:
    """After the dispatcher recorded the row's outcome, in its transaction. Returns True when the
    failure was handled here (the dispatcher then tells nobody else)."""
    if outcome == "sent" and sent_ts and row.record_type and row.record_id:
        record_post(session, team_id=row.team_id, record_type=row.record_type, record_id=row.record_id,
                    channel=row.recipient, ts=sent_ts, kind="alert")  # fmt: skip
        return False
    if outcome != "failed":
        return False
    if error in CHANNEL_GONE:
        _pause_and_tell(session, row, error or "")
    return True  # an alert's failure is the subscription creator's business, not the record owner's


def _pause_and_tell(session: Session, row: Outbox, error: str) -> None:
    subscription_id = row.payload.get("subscription_id")
    if subscription_id is None:
        return
    found = alert_store.get_subscription(session, team_id=row.team_id, subscription_id=int(subscription_id))
    if found is None or found.status != "active":
        return  # already paused by an earlier row: its creator was told then
    found.status, found.paused_reason = "paused", error
    session.add(found)
    text = PAUSED_NOTICE.format(event=EVENT_LABELS.get(found.event, found.event), channel=found.channel_id, error=error)
    enqueue(session, team_id=row.team_id, kind="dm", recipient=found.created_by, due_at=row.due_at,
            dedupe_key=f"alert-paused:{found.id}:{row.id}", payload={"text": text})  # fmt: skip


ON_SETTLED["alert"] = settle_alert
ON_SETTLED["alert_daily"] = settle_alert
