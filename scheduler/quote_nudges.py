"""The approver's reminder of a quote waiting for them: an outbox row due APPROVAL_NUDGE_HOURS after
`Submit for approval`, rendered from the quote at send time, then re-armed a day later at the
earliest (at most one nudge a day) for as long as the same version waits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.domain.quotes import QuoteStatus
from bot.services import quotes as service
from bot.services.quote_lifecycle import NUDGE_KIND, schedule_nudge
from bot.views.quotes import approval_request
from scheduler.renderers import RenderContext, renderer
from store.models import Outbox

DAY = timedelta(days=1)


@renderer(NUDGE_KIND)
def render_quote_nudge(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    payload = row.payload or {}
    cfg = service.config_from(ctx.deps.settings)
    data = service.load(ctx.session, team=row.team_id, quote_id=int(payload.get("quote_id") or 0), cfg=cfg,
                        today=ctx.now.date())  # fmt: skip
    if data is None or data.status != QuoteStatus.IN_REVIEW:
        return None  # decided or edited since: nothing to nudge about
    if data.quote.version != payload.get("version") or data.quote.approver_id != row.recipient:
        return None
    wait = max(DAY, timedelta(hours=cfg.nudge_hours))
    schedule_nudge(ctx.session, data.quote, ctx.now + wait, day=int(payload.get("day") or 1) + 1)
    text, blocks = approval_request(data, nudge=True)
    return {"text": text, "blocks": blocks}
