"""A quote's life after the draft: approval in the approver's DM, activation with the PDF, sending,
revision, the customer's answer, the order, and the offer to close the opportunity as won."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.domain import quotes as rules
from bot.domain.kinds import OpportunityStatus, RecordType
from bot.domain.quotes import OrderStatus
from bot.domain.revenue import format_money
from bot.ids import VIEW_ORDER_CARD, VIEW_QUOTE_CARD, Metadata, QuoteRef, RecordRef, decode_order
from bot.messages import RECORD_NOT_FOUND
from bot.refusals import Refused
from bot.services import opportunities as opp_service
from bot.services import quote_lifecycle as lifecycle
from bot.services import quotes as service
from bot.services.company import with_company
from bot.services.deal_rooms import room_channel
from bot.services.quote_documents import pdf_filename, quote_pdf
from bot.services.quotes import QuoteData
from bot.views import opportunity as opp_views
from bot.views import quotes as views
from bot.views.blocks import Block, modal
from handlers.cards import source_of
from handlers.context import team_id
from handlers.quotes import (
    CHANGE,
    QuoteDeps,
    clicked_value,
    load_quote,
    open_quote_modal,
    post_quote_card,
    quote_ref,
    redraw,
    refresh_opportunity,
    refuse_in_modal,
)
from handlers.record_loading import load_record
from handlers.replies import open_dm, open_view, reply_ephemeral
from store.access import Viewer
from store.db import transaction
from store.models import SalesOrder

log = logging.getLogger("salesbot.quotes")


def _current(
    ctx: QuoteDeps, client: WebClient, body: dict[str, Any], *, change: bool = True
) -> tuple[Viewer, QuoteData]:
    """The clicked quote; a card drawn for an older version is redrawn and the click refused."""
    ref = quote_ref(clicked_value(body))
    viewer, data = load_quote(ctx, body, ref, change=change)
    if ref.version != data.quote.version:
        redraw(ctx, client, body, data.quote.id or 0)
        raise Refused(
            "This quote changed since this card was drawn; the card now shows it as it is. Nothing was changed."
        )
    return viewer, data


def _act(ctx: QuoteDeps, viewer: Viewer, data: QuoteData, change: Callable[..., Any]) -> Any:
    """Run `change(session, fresh data)` in one transaction on the quote as it is now."""
    with transaction(ctx.deps.new_session) as session:
        fresh = service.require(
            session, team=viewer.team_id, quote_id=data.quote.id or 0, cfg=ctx.cfg, today=ctx.today()
        )
        return change(session, fresh)


def _reload(ctx: QuoteDeps, team: str, quote_id: int) -> QuoteData:
    with transaction(ctx.deps.new_session) as session:
        return service.require(session, team=team, quote_id=quote_id, cfg=ctx.cfg, today=ctx.today())


def _dm(client: WebClient, user: str, text: str, blocks: list[Block]) -> None:
    client.chat_postMessage(channel=open_dm(client, user), text=text, blocks=blocks)


# --- approval ---------------------------------------------------------------------------------------


def submit(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    viewer, data = _current(ctx, client, body)
    now = ctx.deps.clock()
    approver = _act(
        ctx, viewer, data, lambda s, fresh: lifecycle.submit(s, data=fresh, user=viewer.user_id, cfg=ctx.cfg, now=now)
    )
    fresh = _reload(ctx, viewer.team_id, data.quote.id or 0)
    _dm(client, approver, *views.approval_request(fresh))
    redraw(ctx, client, body, data.quote.id or 0)
    reply_ephemeral(client, body, f":hourglass: {views.title_of(fresh.quote)} was sent to <@{approver}> for approval.")


def approve(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    ref = quote_ref(clicked_value(body))
    viewer, data = load_quote(ctx, body, ref, change=False)
    now = ctx.deps.clock()
    _act(
        ctx,
        viewer,
        data,
        lambda s, fresh: lifecycle.decide(
            s,
            data=fresh,
            version=ref.version,
            user=viewer.user_id,
            is_admin=viewer.is_admin,
            approve=True,
            reason="",
            now=now,
        ),
    )
    _decided(ctx, client, source_of(body), viewer, data.quote.id or 0, approved=True, reason="")


def _decided(
    ctx: QuoteDeps,
    client: WebClient,
    source: dict[str, str],
    viewer: Viewer,
    quote_id: int,
    *,
    approved: bool,
    reason: str,
) -> None:
    """Replace the approval request with the decision, and tell the rep with the quote's card."""
    fresh = _reload(ctx, viewer.team_id, quote_id)
    text, blocks = views.decided_message(fresh, approved=approved, by=viewer.user_id, reason=reason)
    if source.get("channel") and source.get("ts"):
        client.chat_update(channel=source["channel"], ts=source["ts"], text=text, blocks=blocks)
    elif source.get("response_url"):
        WebhookClient(source["response_url"]).send(text=text, blocks=blocks, replace_original=True)
    _dm(client, fresh.quote.owner_id, text, blocks + views.quote_card(fresh))


def open_reject(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    ref = quote_ref(clicked_value(body))
    viewer, data = load_quote(ctx, body, ref, change=False)
    lifecycle.check_decider(data, version=ref.version, user=viewer.user_id, is_admin=viewer.is_admin)
    view = views.reject_modal(data.quote)
    open_quote_modal(client, body, view, source_of(body))


def reject_submitted(ctx: QuoteDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    done = _with_reason(ctx, ack, body, view, missing="Give a reason: the rep sees it.", change=False, act=_rejection)
    if done is not None:
        meta, viewer, data, reason = done
        ctx.deps.background.submit(
            _decided, ctx, client, meta.card(), viewer, data.quote.id or 0, approved=False, reason=reason
        )


def _rejection(viewer: Viewer, ref: QuoteRef, reason: str, now: datetime) -> Callable[..., Any]:
    def change(session: Any, fresh: QuoteData) -> Any:
        return lifecycle.decide(session, data=fresh, version=ref.version, user=viewer.user_id,
                                is_admin=viewer.is_admin, approve=False, reason=reason, now=now)  # fmt: skip

    return change


def _declining(viewer: Viewer, ref: QuoteRef, reason: str, now: datetime) -> Callable[..., Any]:
    def change(session: Any, fresh: QuoteData) -> Any:
        return lifecycle.decline(session, data=fresh, user=viewer.user_id, reason=reason, now=now)

    return change


def _with_reason(
    ctx: QuoteDeps,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    *,
    missing: str,
    change: bool,
    act: Callable[[Viewer, QuoteRef, str, datetime], Callable[..., Any]],
) -> tuple[Metadata, Viewer, QuoteData, str] | None:
    """A modal that needs a reason (Reject, Customer declined): a field error without one, else the change
    in one transaction (a refusal shown in the modal). What was done, or None when nothing was."""
    meta = Metadata.decode(view.get("private_metadata"))
    reason = _reason(view)
    if not reason:
        ack(response_action="errors", errors={"reason": missing})
        return None
    try:
        ref = quote_ref(meta.id)
        viewer, data = load_quote(ctx, body, ref, change=change)
        _act(ctx, viewer, data, act(viewer, ref, reason, ctx.deps.clock()))
    except Refused as refused:
        refuse_in_modal(ack, view, str(refused))
        return None
    ack()
    return meta, viewer, data, reason


def _reason(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    element: dict[str, Any] = next(iter((values.get("reason") or {}).values()), {})
    return str(element.get("value") or "").strip()


# --- activation and the PDF --------------------------------------------------------------------------


def activate(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    viewer, data = _current(ctx, client, body)
    now = ctx.deps.clock()
    _act(ctx, viewer, data, lambda s, fresh: lifecycle.activate(s, data=fresh, user=viewer.user_id, now=now))
    fresh = _reload(ctx, viewer.team_id, data.quote.id or 0)
    redraw(ctx, client, body, data.quote.id or 0)
    content = _upload_pdf(
        ctx, client, fresh, fresh.quote.owner_id, f":page_facing_up: {views.title_of(fresh.quote)} is active."
    )
    _post_pdf_in_room(ctx, client, fresh, content)


def _upload_pdf(ctx: QuoteDeps, client: WebClient, data: QuoteData, user: str, comment: str) -> bytes:
    with transaction(ctx.deps.new_session) as session:
        cfg = with_company(session, data.quote.team_id, ctx.cfg)  # the workspace's company name and address
    content = quote_pdf(data, cfg, ctx.today())  # rendered outside the transaction
    try:
        _upload(client, open_dm(client, user), data, content, comment)
    except SlackApiError as error:
        log.warning("quote PDF %s not uploaded: %s", data.quote.id, error.response.get("error"))
        _dm(client, user, "I couldn't upload the quote's PDF; try *Download PDF* on its card.", [])
    return content


def _upload(client: WebClient, channel: str, data: QuoteData, content: bytes, comment: str) -> None:
    client.files_upload_v2(
        channel=channel,
        content=content,
        filename=pdf_filename(data),
        title=f"{views.title_of(data.quote)} — {data.quote.name}",
        initial_comment=comment,
    )


def _post_pdf_in_room(ctx: QuoteDeps, client: WebClient, data: QuoteData, content: bytes) -> None:
    """The active quote's PDF in the opportunity's deal room too, when it has one; the rep hears of a failure."""
    quote = data.quote
    with transaction(ctx.deps.new_session) as session:
        room = room_channel(session, team_id=quote.team_id, opportunity_id=quote.opportunity_id)
    if room is None:
        return
    comment = f":page_facing_up: {views.title_of(quote)} is active: {format_money(quote.total, quote.currency)}."
    try:
        _upload(client, room, data, content, comment)
    except SlackApiError as error:
        code = error.response.get("error")
        log.warning("quote PDF %s not posted in room %s: %s", quote.id, room, code)
        _dm(client, quote.owner_id, f"I couldn't post the quote's PDF in the deal room <#{room}> ({code}).", [])


def download_pdf(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    viewer, data = load_quote(ctx, body, quote_ref(clicked_value(body)), change=False)
    _upload_pdf(ctx, client, data, viewer.user_id, f"{views.title_of(data.quote)} as a PDF.")


# --- sending, revising, the customer's answer ----------------------------------------------------------


def mark_sent(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    viewer, data = _current(ctx, client, body)
    now = ctx.deps.clock()
    _act(ctx, viewer, data, lambda s, fresh: lifecycle.mark_sent(s, data=fresh, user=viewer.user_id, now=now))
    redraw(ctx, client, body, data.quote.id or 0)
    reply_ephemeral(client, body, f":outbox_tray: {views.title_of(data.quote)} is recorded as sent.")


def revise(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    viewer, data = _current(ctx, client, body)
    now = ctx.deps.clock()
    new = _act(ctx, viewer, data, lambda s, fresh: lifecycle.revise(s, data=fresh, user=viewer.user_id, now=now))
    redraw(ctx, client, body, data.quote.id or 0)
    post_quote_card(
        ctx,
        client,
        viewer.team_id,
        viewer.user_id,
        new.id or 0,
        f"{views.title_of(new)} is a new Draft of {views.title_of(data.quote)}.",
    )


def accept(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    viewer, data = _current(ctx, client, body)
    now = ctx.deps.clock()
    accepted = _act(ctx, viewer, data, lambda s, fresh: lifecycle.accept(s, data=fresh, user=viewer.user_id, now=now))
    fresh = _reload(ctx, viewer.team_id, data.quote.id or 0)
    redraw(ctx, client, body, data.quote.id or 0)
    _dm(client, fresh.quote.owner_id, *views.accepted_message(fresh, accepted.order, accepted.closed_quotes))


def open_decline(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    _, data = _current(ctx, client, body)
    rules.refuse_unless(data.status, {rules.QuoteStatus.ACTIVE}, "declined")
    view = views.decline_modal(data.quote)
    open_quote_modal(client, body, view, source_of(body))


def decline_submitted(ctx: QuoteDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    done = _with_reason(ctx, ack, body, view, missing="Give the customer's reason.", change=True, act=_declining)
    if done is None:
        return
    meta, _, data, _ = done
    source = meta.card()
    container = {
        "type": "message",
        "channel_id": source.get("channel", ""),
        "message_ts": source.get("ts", ""),
        "is_ephemeral": bool(source.get("response_url")),
    }
    ctx.deps.background.submit(
        redraw,
        ctx,
        client,
        {**body, "container": container, "response_url": source.get("response_url", "")},
        data.quote.id or 0,
    )


def open_close_won(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    """The opportunity's own Close as won modal, the actual revenue prefilled with the quote's total."""
    _, data = load_quote(ctx, body, quote_ref(clicked_value(body)))
    with transaction(ctx.deps.new_session) as session:
        opp_data = opp_service.load_data(session, team=data.quote.team_id, opp_id=data.quote.opportunity_id)
    if opp_data is None:
        raise Refused(RECORD_NOT_FOUND)
    if opp_data.opportunity.status != OpportunityStatus.OPEN:
        raise Refused(f"This opportunity is already closed as {opp_data.opportunity.status}.")
    view = opp_views.close_won_modal(opp_data, ctx.today())
    total = data.order.total if data.order is not None else data.quote.total
    for block in view["blocks"]:
        if block.get("block_id") == "actual_revenue":
            block["element"]["initial_value"] = f"{total:,.2f}"
    open_quote_modal(client, body, view, {})


def show_quote(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    _, data = load_quote(ctx, body, quote_ref(clicked_value(body)), change=False)
    blocks = views.quote_card(data)
    if body.get("view") and not body.get("response_url"):  # App Home or a modal: the card in a modal
        push = body["view"].get("type") != "home"
        open_view(client, body, modal("Quote", blocks[:100], callback_id=VIEW_QUOTE_CARD), push=push)
        return
    reply_ephemeral(client, body, views.quote_card_text(data), blocks)


# --- orders -------------------------------------------------------------------------------------------


def fulfil_order(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    _order_to(ctx, client, body, OrderStatus.FULFILLED)


def cancel_order(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    _order_to(ctx, client, body, OrderStatus.CANCELED)


def _clicked_order(ctx: QuoteDeps, body: dict[str, Any], *, change: str | None) -> tuple[SalesOrder, Viewer]:
    """The order a button points at, after its opportunity's permission check."""
    try:
        order_id = decode_order(clicked_value(body))
    except ValueError:
        raise Refused(RECORD_NOT_FOUND) from None
    with transaction(ctx.deps.new_session) as session:
        order = lifecycle.get_order(session, team_id=team_id(body), order_id=order_id)
    if order is None:
        raise Refused(RECORD_NOT_FOUND)
    loaded = load_record(ctx.deps, body, RecordRef(RecordType.OPPORTUNITY, order.opportunity_id), change=change)
    return order, loaded.viewer


def show_order(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    """`Open` on an order line of a card or of `/opp`: the order card, to the clicker."""
    order, _ = _clicked_order(ctx, body, change="see its orders")
    blocks = views.order_card(order)
    text = f"Order {rules.order_number(order.number)}: {OrderStatus(order.status).label}"
    if body.get("view") and not body.get("response_url"):
        open_view(
            client, body, modal("Order", blocks, callback_id=VIEW_ORDER_CARD), push=body["view"].get("type") != "home"
        )
        return
    reply_ephemeral(client, body, text, blocks)


def _order_to(ctx: QuoteDeps, client: WebClient, body: dict[str, Any], to: OrderStatus) -> None:
    order, viewer = _clicked_order(ctx, body, change=CHANGE)
    with transaction(ctx.deps.new_session) as session:
        changed = lifecycle.change_order(session, order=order, to=to, user=viewer.user_id, now=ctx.deps.clock())
    blocks = views.order_card(changed)
    text = f"Order {rules.order_number(changed.number)}: {to.label}"
    reply_ephemeral(client, body, text, blocks)
    refresh_opportunity(ctx, client, viewer.team_id, changed.opportunity_id)  # its card lists the order
