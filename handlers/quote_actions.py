"""The buttons of quote cards, approval requests and order cards, and the modals they open."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain import quotes as rules
from bot.ids import (
    ORDER_CANCEL,
    ORDER_FULFILLED,
    ORDER_OPEN,
    QUOTE_ACCEPT,
    QUOTE_ACTIVATE,
    QUOTE_ADD_PRODUCT,
    QUOTE_APPROVE,
    QUOTE_CLOSE_WON,
    QUOTE_DECLINE,
    QUOTE_EDIT,
    QUOTE_EDIT_LINES,
    QUOTE_MARK_SENT,
    QUOTE_OPEN,
    QUOTE_PDF,
    QUOTE_REJECT,
    QUOTE_REVISE,
    QUOTE_SUBMIT,
    VIEW_QUOTE_ADD_PRODUCT,
    VIEW_QUOTE_DECLINE,
    VIEW_QUOTE_EDIT,
    VIEW_QUOTE_LINES,
    VIEW_QUOTE_REJECT,
    Metadata,
    parse_id,
)
from bot.refusals import Refused
from bot.services import quotes as service
from bot.services.quotes import QuoteData
from bot.views import opportunity as opp_views
from bot.views import quotes as views
from bot.views.inputs import submitted_values
from handlers import quote_flow as flow
from handlers.cards import source_of
from handlers.quotes import (
    QuoteDeps,
    clicked_value,
    load_quote,
    on_click,
    on_submit,
    open_quote_modal,
    quote_ref,
    redraw,
    refuse_in_modal,
)
from store.db import transaction

log = logging.getLogger("salesbot.quotes")


def register(app: App, ctx: QuoteDeps) -> None:
    for action, work in (
        (QUOTE_EDIT, open_edit),
        (QUOTE_ADD_PRODUCT, open_add_product),
        (QUOTE_EDIT_LINES, open_edit_lines),
        (QUOTE_SUBMIT, flow.submit),
        (QUOTE_APPROVE, flow.approve),
        (QUOTE_REJECT, flow.open_reject),
        (QUOTE_ACTIVATE, flow.activate),
        (QUOTE_MARK_SENT, flow.mark_sent),
        (QUOTE_REVISE, flow.revise),
        (QUOTE_ACCEPT, flow.accept),
        (QUOTE_DECLINE, flow.open_decline),
        (QUOTE_PDF, flow.download_pdf),
        (QUOTE_CLOSE_WON, flow.open_close_won),
        (QUOTE_OPEN, flow.show_quote),
        (ORDER_OPEN, flow.show_order),
        (ORDER_FULFILLED, flow.fulfil_order),
        (ORDER_CANCEL, flow.cancel_order),
    ):
        on_click(app, ctx, action, work)
    for callback_id, save in (
        (VIEW_QUOTE_EDIT, edit_submitted),
        (VIEW_QUOTE_ADD_PRODUCT, add_product_submitted),
        (VIEW_QUOTE_LINES, lines_submitted),
        (VIEW_QUOTE_REJECT, flow.reject_submitted),
        (VIEW_QUOTE_DECLINE, flow.decline_submitted),
    ):
        on_submit(app, ctx, callback_id, save)


def _clicked(ctx: QuoteDeps, body: dict[str, Any], *, change: bool = True) -> tuple[Any, QuoteData]:
    return load_quote(ctx, body, quote_ref(clicked_value(body)), change=change)


def _source(body: dict[str, Any]) -> dict[str, str]:
    return source_of(body)


# --- modals on a draft ----------------------------------------------------------------------------


def open_edit(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    _, data = _clicked(ctx, body)
    rules.refuse_edit(data.status)
    form = service.form_of(data.quote)
    view = views.quote_form_modal("Edit quote", VIEW_QUOTE_EDIT, form, views.metadata(data.quote), submit="Save")
    open_quote_modal(client, body, view, _source(body))


def open_add_product(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    _, data = _clicked(ctx, body)
    rules.refuse_edit(data.status)
    quote = data.quote
    with transaction(ctx.deps.new_session) as session:
        choices = service.product_choices(session, quote, limit=opp_views.STATIC_SELECT_MAX)
    price_list = choices.price_list
    view = opp_views.add_product_modal(
        views.ref_of(quote),
        choices.items,
        price_list=price_list.name,
        currency=price_list.currency,
        total=choices.total,
    )
    view["callback_id"] = VIEW_QUOTE_ADD_PRODUCT
    view["private_metadata"] = views.metadata(quote, price_list=price_list.id)
    open_quote_modal(client, body, view, _source(body))


def open_edit_lines(ctx: QuoteDeps, client: WebClient, body: dict[str, Any]) -> None:
    _, data = _clicked(ctx, body)
    rules.refuse_edit(data.status)
    if not data.lines:
        raise Refused("This quote has no lines yet. Use *Add product*.")
    open_quote_modal(client, body, views.edit_lines_modal(data.quote, data.lines), _source(body))


def _submitted_quote(
    ctx: QuoteDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any]
) -> tuple[Any, QuoteData, Metadata] | None:
    meta = Metadata.decode(view.get("private_metadata"))
    try:
        viewer, data = load_quote(ctx, body, quote_ref(meta.id))
    except Refused as refused:
        refuse_in_modal(ack, view, str(refused))
        return None
    return viewer, data, meta


def _save(ctx: QuoteDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, change: Any) -> None:
    """Run `change(session, viewer, data, meta)` -> field errors; refused or invalid: nothing is saved."""
    found = _submitted_quote(ctx, ack, body, view)
    if found is None:
        return
    viewer, data, meta = found
    try:
        with transaction(ctx.deps.new_session) as session:
            quote = service.unchanged_quote(
                session, team_id=viewer.team_id, quote_id=data.quote.id or 0, version=data.quote.version
            )
            errors = change(session, viewer, quote, meta)
            if errors:
                session.rollback()
    except Refused as refused:
        refuse_in_modal(ack, view, str(refused))
        return
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    ctx.deps.background.submit(_after_save, ctx, client, body, data, meta.card())


def _after_save(
    ctx: QuoteDeps, client: WebClient, body: dict[str, Any], data: QuoteData, source: dict[str, str]
) -> None:
    fake_body = {
        **body,
        "container": {
            "type": "message",
            "channel_id": source.get("channel", ""),
            "message_ts": source.get("ts", ""),
            "is_ephemeral": bool(source.get("response_url")),
        },
        "response_url": source.get("response_url", ""),
    }
    redraw(ctx, client, fake_body, data.quote.id or 0)


def edit_submitted(ctx: QuoteDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    form, errors = service.parse_form(submitted_values(view.get("state") or {}), ctx.today())
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    now = ctx.deps.clock()
    _save(
        ctx,
        ack,
        body,
        view,
        client,
        lambda session, viewer, quote, _meta: service.edit(
            session, quote=quote, user=viewer.user_id, form=form, now=now
        ),
    )


def add_product_submitted(
    ctx: QuoteDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    values, now = submitted_values(view.get("state") or {}), ctx.deps.clock()
    _save(
        ctx,
        ack,
        body,
        view,
        client,
        lambda session, viewer, quote, meta: service.add_product(
            session,
            quote=quote,
            values=values,
            price_list_id=parse_id(meta.extra.get("price_list", "")) or 0,
            user=viewer.user_id,
            now=now,
        ),
    )


def lines_submitted(ctx: QuoteDeps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    values, now = submitted_values(view.get("state") or {}), ctx.deps.clock()
    _save(
        ctx,
        ack,
        body,
        view,
        client,
        lambda session, viewer, quote, _meta: service.edit_lines(
            session, quote=quote, values=values, user=viewer.user_id, now=now
        ),
    )
