"""Quote and order listeners: ack, load and check, one service call, render, answer.

Every refusal (`Refused`) reaches the person who clicked as an ephemeral message or a modal field
error, and its transaction is rolled back, so nothing changes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.kinds import RecordType
from bot.ids import (
    VIEW_QUOTE_CREATE,
    Metadata,
    QuoteRef,
    RecordRef,
    decode_quote,
)
from bot.messages import RECORD_NOT_FOUND
from bot.refusals import Refused
from bot.services import quotes as service
from bot.services.company import with_company
from bot.services.quotes import QuoteConfig, QuoteData
from bot.views import quotes as views
from bot.views.inputs import submitted_values
from handlers import cards
from handlers.context import team_id
from handlers.home import HomeRequest
from handlers.listeners import after_ack, refusals_as_field_errors
from handlers.record_loading import Loaded, action_ref, load_record, safe_ref
from handlers.replies import open_dm, open_view, send_to_response_url
from store.access import Viewer
from store.db import transaction

log = logging.getLogger("salesbot.quotes")
CHANGE = "work on this opportunity's quotes"


@dataclass(frozen=True)
class QuoteDeps:
    deps: Deps
    cfg: QuoteConfig

    def today(self) -> date:
        return self.deps.clock().date()


# --- registration helpers -----------------------------------------------------------------------

Click = Callable[[QuoteDeps, WebClient, dict[str, Any]], None]
Submission = Callable[[QuoteDeps, Ack, dict[str, Any], dict[str, Any], WebClient], None]


def on_click(app: App, ctx: QuoteDeps, action: str, work: Click) -> None:
    """Ack at once, then run `work(ctx, client, body)` after the ack (a Refused is answered ephemerally)."""
    after_ack(app, ctx.deps, action, functools.partial(work, ctx))


def on_submit(app: App, ctx: QuoteDeps, callback_id: str, work: Submission) -> None:
    """A modal submission; a Refused raised before the ack becomes a field error under the first input."""
    app.view(callback_id)(refusals_as_field_errors(functools.partial(work, ctx)))


def open_quote_modal(client: WebClient, body: dict[str, Any], view: dict[str, Any], source: dict[str, str]) -> None:
    """Open a quote modal remembering where it was opened from (the card to refresh); an expired trigger
    is answered by the one opener every modal uses."""
    meta = Metadata.decode(view.get("private_metadata"))
    view["private_metadata"] = replace(
        meta,
        channel=source.get("channel", ""),
        ts=source.get("ts", ""),
        response_url=source.get("response_url", ""),
    ).encode()
    open_view(client, body, view, push=False)


def first_block(view: dict[str, Any]) -> str:
    return next((b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), "name")


def refuse_in_modal(ack: Ack, view: dict[str, Any], message: str) -> None:
    ack(response_action="errors", errors={first_block(view): message})


# --- loading what a click points at -------------------------------------------------------------


def load_opportunity(deps: Deps, body: dict[str, Any], ref: RecordRef | None) -> Loaded:
    return load_record(deps, body, ref, change=CHANGE, kind=RecordType.OPPORTUNITY)


def quote_ref(value: str | None) -> QuoteRef:
    try:
        return decode_quote(value)
    except ValueError:
        raise Refused(RECORD_NOT_FOUND) from None


def clicked_value(body: dict[str, Any]) -> str | None:
    return ((body.get("actions") or [{}])[0]).get("value")


def load_quote(ctx: QuoteDeps, body: dict[str, Any], ref: QuoteRef, *, change: bool = True) -> tuple[Viewer, QuoteData]:
    """The quote, after the checks of its opportunity: who may change the opportunity may work its
    quotes; with `change=False` (open, download, approve) its approver may too."""
    with transaction(ctx.deps.new_session) as session:
        data = service.load(session, team=_team(body), quote_id=ref.quote_id, cfg=ctx.cfg, today=ctx.today())
    if data is None:
        raise Refused(RECORD_NOT_FOUND)
    opportunity = RecordRef(RecordType.OPPORTUNITY, data.quote.opportunity_id)
    if not change:
        loaded = load_record(ctx.deps, body, opportunity, change=None)
        if loaded.viewer.user_id == data.quote.approver_id:
            return loaded.viewer, data
    return load_record(ctx.deps, body, opportunity, change=CHANGE).viewer, data


def _team(body: dict[str, Any]) -> str:
    return team_id(body)


# --- Create quote -------------------------------------------------------------------------------


def open_create(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_opportunity(ctx.deps, body, action_ref(body))
    team = loaded.viewer.team_id
    with transaction(ctx.deps.new_session) as session:
        opp = service.opportunity_to_quote(session, team_id=team, opportunity_id=loaded.ref.record_id)
        cfg = with_company(session, team, ctx.cfg)  # the workspace's default tax rate
    form = service.new_form(opp, cfg, ctx.today())
    meta = Metadata(ref=loaded.ref.encode()).encode()
    view = views.quote_form_modal("Create quote", VIEW_QUOTE_CREATE, form, meta, submit="Create")
    open_view(client, body, view, push=False)


def create_submitted(ctx: QuoteDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    try:
        loaded = load_opportunity(ctx.deps, body, safe_ref(Metadata.decode(view.get("private_metadata")).ref))
    except Refused as refused:
        refuse_in_modal(ack, view, str(refused))
        return
    form, errors = service.parse_form(submitted_values(view.get("state") or {}), ctx.today())
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    try:
        with transaction(ctx.deps.new_session) as session:
            quote = service.create_for(
                session, team_id=loaded.viewer.team_id, opportunity_id=loaded.ref.record_id,
                user=loaded.viewer.user_id, form=form, now=ctx.deps.clock(),
            )  # fmt: skip
    except Refused as refused:
        refuse_in_modal(ack, view, str(refused))
        return
    ack()
    ctx.deps.background.submit(
        post_quote_card, ctx, client, loaded.viewer.team_id, loaded.viewer.user_id, quote.id or 0, ""
    )


# --- showing cards -----------------------------------------------------------------------------------


def render(ctx: QuoteDeps, team: str, quote_id: int) -> tuple[str, list[dict[str, Any]], int] | None:
    """The quote card (text, blocks) and its opportunity's id."""
    with transaction(ctx.deps.new_session) as session:
        data = service.load(session, team=team, quote_id=quote_id, cfg=ctx.cfg, today=ctx.today())
    if data is None:
        return None
    return views.quote_card_text(data), views.quote_card(data), data.quote.opportunity_id


def post_quote_card(ctx: QuoteDeps, client: WebClient, team: str, user: str, quote_id: int, text: str) -> None:
    rendered = render(ctx, team, quote_id)
    if rendered is not None:
        client.chat_postMessage(channel=open_dm(client, user), text=text or rendered[0], blocks=rendered[1])
        refresh_opportunity(ctx, client, team, rendered[2])


def redraw(ctx: QuoteDeps, client: WebClient, body: dict[str, Any], quote_id: int) -> None:
    """Update the card the user clicked (a message, ephemeral or not) to the quote as it is now, and
    the posted copies of its opportunity's card (which lists its quotes)."""
    rendered = render(ctx, _team(body), quote_id)
    if rendered is None:
        return
    text, blocks, opp_id = rendered
    source = cards.source_of(body)
    if source.get("response_url"):
        send_to_response_url(client, source["response_url"], text, blocks, replace_original=True)
    elif source.get("channel") and source.get("ts"):
        client.chat_update(channel=source["channel"], ts=source["ts"], text=text, blocks=blocks)
    refresh_opportunity(ctx, client, _team(body), opp_id)


def refresh_opportunity(ctx: QuoteDeps, client: WebClient, team: str, opp_id: int) -> None:
    cards.refresh_card(ctx.deps, client, team, RecordRef(RecordType.OPPORTUNITY, opp_id))


def home_section(home: HomeRequest) -> list[dict[str, Any]]:
    if not home.reads.probes.quotes:
        return []
    found = service.home_quotes(home.reads.session, team_id=home.team, user_id=home.user, today=home.reads.now.date(),
                                limit=views.HOME_QUOTES)  # fmt: skip
    return views.home_section(found.pending, found.pending_total, found.expired, found.expired_total)
