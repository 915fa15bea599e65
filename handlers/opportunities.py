"""`/opp`, opportunity cards and their stage, product, literature, file and close actions."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlmodel import Session

from bot.deps import Deps
from bot.domain import revenue
from bot.domain.kinds import RecordType
from bot.domain.text import fold
from bot.ids import (
    OPP_ADD_PRODUCT,
    OPP_ATTACH,
    OPP_CLOSE_LOST,
    OPP_CLOSE_WON,
    OPP_EDIT,
    OPP_EDIT_STAGE,
    OPP_FINISH,
    OPP_NEW,
    OPP_NEXT_STAGE,
    OPP_OPEN,
    OPP_PREVIOUS_STAGE,
    OPP_PRODUCT_SEARCH,
    OPP_REOPEN,
    OPP_SEND_LITERATURE,
    OPP_TICK_PREFIX,
    OPP_VIEW_STAGE,
    VIEW_NEW_OPP,
    VIEW_OPP_ADD_PRODUCT,
    VIEW_OPP_ATTACH,
    VIEW_OPP_CLOSE_LOST,
    VIEW_OPP_CLOSE_WON,
    VIEW_OPP_EDIT,
    VIEW_OPP_EDIT_STAGE,
    VIEW_OPP_LITERATURE,
    Metadata,
    RecordRef,
    parse_id,
    parse_steps_block_id,
)
from bot.messages import RECORD_NOT_FOUND
from bot.refusals import Refused
from bot.services import cards as card_service
from bot.services import opportunities as service
from bot.services import opportunity_lines, reasons
from bot.services.processes import library_in
from bot.surface import Surface
from bot.views import opportunity as views
from bot.views import opportunity_forms as forms
from bot.views import opportunity_messages as texts
from bot.views.blocks import actions, button, section
from bot.views.help import help_blocks
from bot.views.inputs import ModalState
from bot.views.leads import count_text
from bot.views.markup import escape
from handlers import cards, deal_rooms
from handlers import catalog as catalog_admin
from handlers.context import asker, team_id, user_id
from handlers.listeners import after_ack, later, refusals_as_field_errors
from handlers.record_loading import action_ref, load_record, load_record_in, safe_ref
from handlers.replies import open_dm, open_view, reply_ephemeral
from store.db import transaction
from store.models import Opportunity

TICK_ACTIONS = re.compile(rf"^{OPP_TICK_PREFIX}\d+$")
SEARCH_LIMIT = 10


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    surface.uses("chat:write", "im:write", "users:read", "files:read")
    catalog_admin.register(surface, deps)

    @surface.command("/opp", "Your opportunities: list, create, find", "[new | topic or account]")
    def opp_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        text = (body.get("text") or "").strip()
        word = text.split(" ", 1)[0].lower()
        if word == "new":
            ack()
            later(deps, client, body, open_new_opportunity, client, body)
        elif word == "help":
            ack(text="salesbot help", blocks=help_blocks(), response_type="ephemeral")
        elif not text or word in ("list", "mine"):
            ack(**_my_opportunities(deps, body))
        else:
            ack(**_search(deps, body, text))

    after_ack(app, deps, OPP_NEW, open_new_opportunity)
    app.view(VIEW_NEW_OPP)(functools.partial(new_submitted, deps))
    after_ack(app, deps, OPP_OPEN, functools.partial(show_opportunity_card, deps))
    after_ack(app, deps, OPP_NEXT_STAGE, functools.partial(move_stage, deps, direction="next"))
    after_ack(app, deps, OPP_PREVIOUS_STAGE, functools.partial(move_stage, deps, direction="back"))
    after_ack(app, deps, OPP_FINISH, functools.partial(finish, deps))
    after_ack(app, deps, TICK_ACTIONS, functools.partial(tick, deps))
    after_ack(app, deps, OPP_VIEW_STAGE, functools.partial(view_stage, deps))
    after_ack(app, deps, OPP_REOPEN, functools.partial(reopen, deps))
    for form in _forms(deps):
        after_ack(app, deps, form.button, functools.partial(open_opportunity_modal, deps, form))
        app.view(form.view)(refusals_as_field_errors(functools.partial(submit_opportunity_modal, deps, form)))
    app.options(OPP_PRODUCT_SEARCH)(functools.partial(product_options, deps))


def open_new_opportunity(client: WebClient, body: dict[str, Any]) -> None:
    open_view(client, body, views.new_opportunity_modal(), push=False)


def new_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    draft, errors = forms.read_new(ModalState(view))
    if draft is None:
        ack(response_action="errors", errors=errors)
        return
    team, user = team_id(body), user_id(body)
    with transaction(deps.new_session) as session:
        opp = service.create(session, team=team, user=user, draft=draft, now=deps.clock())
    ack()
    later(deps, client, body, post_card, deps, client, team, user, opp.id or 0)


def product_options(deps: Deps, ack: Ack, body: dict[str, Any]) -> None:
    """Options for the external product select (price lists over 100 products)."""
    meta = Metadata.decode((body.get("view") or {}).get("private_metadata")).extra
    query = (body.get("value") or "").strip()
    with transaction(deps.new_session) as session:
        items = opportunity_lines.matching_products(
            session, team_id=team_id(body), price_list_id=int(meta.get("price_list") or 0), query=query
        )
    ack(options=[views.product_option(item) for item in items])


def add_product_modal(data: views.OpportunityData, session: Session) -> dict[str, Any]:
    picker = opportunity_lines.product_picker(session, data.opportunity, listed_max=views.STATIC_SELECT_MAX)
    price_list = picker.price_list
    view = views.add_product_modal(
        data.ref, picker.items, price_list=price_list.name, currency=price_list.currency, total=picker.total
    )
    view["private_metadata"] = views.metadata(data.ref, price_list=price_list.id)
    return view


def literature_modal(data: views.OpportunityData, session: Session) -> dict[str, Any]:
    product_ids = {line.product_id for line in data.lines}
    items, covered = service.literature_choices(session, data.opportunity, product_ids)
    return views.literature_modal(data.ref, items, covered)


@dataclass(frozen=True)
class Form:
    """A card button that opens a modal about the opportunity, and that modal's submission."""

    button: str
    view: str
    change: str  # names the action in the permission message, e.g. "edit this opportunity"
    build: Callable[[Any, Any], Any]  # (opportunity data, session) -> the modal (or Refused)
    save: Callable[..., Outcome]  # (session, opportunity, state, submission) -> field errors or whom to tell what
    open_only: bool = False  # refused on a won or lost opportunity
    announce: bool = False  # the outcome is posted where the card is


def _forms(deps: Deps) -> list[Form]:
    def today() -> date:
        return deps.clock().date()

    return [
        Form(OPP_EDIT_STAGE, VIEW_OPP_EDIT_STAGE, "edit this opportunity's stage",
             lambda data, _s: views.edit_stage_modal(data), save_stage),
        Form(OPP_ADD_PRODUCT, VIEW_OPP_ADD_PRODUCT, "add products", add_product_modal, save_product),
        Form(OPP_CLOSE_WON, VIEW_OPP_CLOSE_WON, "close this opportunity",
             lambda data, _s: views.close_won_modal(data, today()), save_won, open_only=True, announce=True),
        Form(OPP_CLOSE_LOST, VIEW_OPP_CLOSE_LOST, "close this opportunity",
             lambda data, s: views.close_lost_modal(data, today(), service.competitor_names(s, data),
                                                    reasons.offered(s, data.opportunity.team_id, reasons.LOST)),
             save_lost, open_only=True, announce=True),
        Form(OPP_EDIT, VIEW_OPP_EDIT, "edit this opportunity",
             lambda data, s: views.edit_modal(data, library_in(s, data.opportunity.team_id).all), save_edit),
        Form(OPP_SEND_LITERATURE, VIEW_OPP_LITERATURE, "send literature", literature_modal,
             save_literature),
        Form(OPP_ATTACH, VIEW_OPP_ATTACH, "attach files", lambda data, _s: views.attach_modal(data),
             save_attachment),
    ]  # fmt: skip


@dataclass(frozen=True)
class Submission:
    """Who submitted a modal about an opportunity, when, and what its private_metadata carried."""

    user: str
    now: datetime
    meta: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What a saved modal means for others: field errors (nothing was saved), or whom to tell what."""

    errors: dict[str, str] = field(default_factory=dict)
    new_owner: str = ""
    owner_message: str = ""
    announcement: str = ""
    dms: tuple[tuple[str, str, str], ...] = ()  # (user, notification text, message)


# --- reading a submitted modal, then saving it (bot.views.opportunity_forms, then the service) ---------------


def save_stage(session: Session, opp: Opportunity, state: ModalState, sent: Submission) -> Outcome:
    stage = service.stage_to_edit(session, opp, sent.meta.get("stage", ""))
    form, errors = forms.read_stage(state, stage, opp.currency)
    return Outcome(errors=service.save_stage(session, opp, stage, form, errors, user=sent.user, now=sent.now).errors)


def save_product(session: Session, opp: Opportunity, state: ModalState, sent: Submission) -> Outcome:
    form, errors = forms.read_product(state)
    price_list_id = int(sent.meta.get("price_list") or 0)
    result = service.save_product(session, opp, form, errors, price_list_id=price_list_id, user=sent.user, now=sent.now)
    return Outcome(errors=result.errors)


def save_won(session: Session, opp: Opportunity, state: ModalState, sent: Submission) -> Outcome:
    form, errors = forms.read_won(state)
    result = service.save_won(session, opp, form, errors, user=sent.user, now=sent.now)
    if result.errors:
        return Outcome(errors=result.errors)
    money = revenue.format_money(form.actual_revenue, opp.currency)
    return Outcome(announcement=texts.won(opp.topic, opp.owner_id, money))


def save_lost(session: Session, opp: Opportunity, state: ModalState, sent: Submission) -> Outcome:
    form, errors = forms.read_lost(state)
    today = date.fromisoformat(sent.meta["today"]) if sent.meta.get("today") else sent.now.date()
    result = service.save_lost(session, opp, form, errors, today=today, user=sent.user, now=sent.now)
    if result.errors:
        return Outcome(errors=result.errors)
    return Outcome(announcement=texts.lost(opp.topic, form.reason, form.competitor))


def save_edit(session: Session, opp: Opportunity, state: ModalState, sent: Submission) -> Outcome:
    form, errors = forms.read_edit(state, opp)
    result = service.save_edit(session, opp, form, errors, user=sent.user, now=sent.now)
    if result.errors or not result.new_owner:
        return Outcome(errors=result.errors)
    return Outcome(new_owner=result.new_owner, owner_message=texts.assigned(sent.user, opp.topic))


def save_literature(session: Session, opp: Opportunity, state: ModalState, sent: Submission) -> Outcome:
    chosen, errors = forms.read_literature(state)
    if chosen is None:
        return Outcome(errors=errors)
    result = service.save_literature(session, opp, chosen, user=sent.user, now=sent.now)
    if result.errors:
        return Outcome(errors=result.errors)
    dm = (sent.user, texts.literature_notification(opp.topic), texts.literature(opp.topic, result.sent))
    return Outcome(dms=(dm,))


def save_attachment(session: Session, opp: Opportunity, state: ModalState, sent: Submission) -> Outcome:
    form, errors = forms.read_attachment(state)
    if form is None:
        return Outcome(errors=errors)
    return Outcome(errors=service.save_attachment(session, opp, form, user=sent.user, now=sent.now).errors)


# --- rendering and posting -----------------------------------------------------------------------------


def post_card(deps: Deps, client: WebClient, team: str, user: str, opp_id: int, text: str = "") -> None:
    """Post the card in the user's DM with the bot and remember the post (it is kept up to date); a deal
    the workspace's rules give a room gets it."""
    cards.deliver_card(deps, client, team, user, RecordRef("opportunity", opp_id), text=text)
    deal_rooms.open_by_rule(deps, client, team, opp_id, user)


def refresh(deps: Deps, client: WebClient, team: str, opp_id: int, source: dict[str, str]) -> None:
    cards.refresh_card(deps, client, team, RecordRef("opportunity", opp_id), **source)


def _my_opportunities(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    groups, total = service.my_open_by_stage(deps.engine, deps.processes, team=team_id(body), user=user_id(body))
    if not groups:
        return {
            "text": "You have no open opportunities. Type `/opp new` to create one, or qualify a lead.",
            "response_type": "ephemeral",
        }
    title = f"Your open opportunities ({count_text(total)})"
    blocks = views.opportunity_list(groups, title=title, total=total)
    return {"text": title, "blocks": blocks, "response_type": "ephemeral"}


def _search(deps: Deps, body: dict[str, Any], query: str) -> dict[str, Any]:
    who = asker(deps, body)
    found = service.search(deps.engine, deps.new_session, asker=who, folded=fold(query), limit=SEARCH_LIMIT)
    if not found.hits:
        return {
            "text": f"No opportunity matches “{escape(query[:100])}”. Type `/opp new` to create one.",
            "response_type": "ephemeral",
        }
    if found.card is not None:
        return {
            "text": views.opportunity_card_text(found.card.opportunity),
            "blocks": views.opportunity_card(found.card),
            "response_type": "ephemeral",
        }
    return {
        "text": f"{len(found.hits)} opportunities match",
        "blocks": views.search_results(found.hits, query, found.orders),
        "response_type": "ephemeral",
    }


def show_opportunity_card(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_record(deps, body, action_ref(body), change=None, kind=RecordType.OPPORTUNITY)
    cards.show_card(deps, client, body, loaded.ref, loaded.record)


# --- button handlers (run after the ack) ---------------------------------------------------------------


def move_stage(deps: Deps, client: WebClient, body: dict[str, Any], *, direction: str) -> None:
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, action_ref(body), change="move this opportunity's stage",
                                kind=RecordType.OPPORTUNITY)  # fmt: skip
        service.move(session, loaded.record, user=loaded.viewer.user_id, direction=direction, now=deps.clock())  # type: ignore[arg-type]
    refresh(deps, client, loaded.viewer.team_id, loaded.ref.record_id, cards.source_of(body))


def finish(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, action_ref(body), change="finish this opportunity's process",
                                kind=RecordType.OPPORTUNITY)  # fmt: skip
        service.finish(session, loaded.record, user=loaded.viewer.user_id, now=deps.clock())  # type: ignore[arg-type]
        message = texts.process_finished(loaded.record.topic)  # type: ignore[union-attr]
    ref = loaded.ref.encode()
    buttons = [
        button("Close as won", OPP_CLOSE_WON, ref, "primary"),
        button("Close as lost", OPP_CLOSE_LOST, ref, "danger"),
    ]
    reply_ephemeral(client, body, message, [section(message), *actions(buttons)])


def tick(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    action = body["actions"][0]
    parsed = parse_steps_block_id(action.get("block_id") or "")
    if parsed is None:
        raise Refused(RECORD_NOT_FOUND)
    opp_id, stage_index, number = parsed
    selected = {o.get("value", "") for o in action.get("selected_options") or []}
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, RecordRef("opportunity", opp_id),
                                change="tick this opportunity's steps", kind=RecordType.OPPORTUNITY)  # fmt: skip
        who = loaded.viewer
        message = service.tick(session, loaded.record, stage_index=stage_index, number=number,  # type: ignore[arg-type]
                               selected=selected, user=who.user_id, now=deps.clock())  # fmt: skip
    if message:
        reply_ephemeral(client, body, message)
    refresh(deps, client, who.team_id, opp_id, cards.source_of(body))


def view_stage(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    value = ((body["actions"][0].get("selected_option") or {}).get("value") or "").rpartition("|")
    ref, index = safe_ref(value[0]), parse_id(value[2])
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, ref, change=None, kind=RecordType.OPPORTUNITY)
        data = service.data_of(session, loaded.record)  # type: ignore[arg-type]
    if index is None or index >= len(data.process.stages):
        raise Refused(RECORD_NOT_FOUND)
    stage = data.process.stages[index]
    title = f"{escape(data.opportunity.topic)} — {escape(stage.name)}"
    reply_ephemeral(client, body, title, views.stage_record(data, stage))


def reopen(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, action_ref(body), change="reopen this opportunity",
                                kind=RecordType.OPPORTUNITY)  # fmt: skip
        service.reopen(session, loaded.record, user=loaded.viewer.user_id, now=deps.clock())  # type: ignore[arg-type]
    refresh(deps, client, loaded.viewer.team_id, loaded.ref.record_id, cards.source_of(body))
    deal_rooms.reopen_room(deps, client, body, loaded.record, loaded.viewer.user_id)


def open_opportunity_modal(deps: Deps, form: Form, client: WebClient, body: dict[str, Any]) -> None:
    """Check permission, build the modal from the record (form.build(data, session); a builder raises
    Refused when there is nothing to offer) and open it with where the card lives in its metadata, so
    the submission can update it."""
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, action_ref(body), change=form.change, kind=RecordType.OPPORTUNITY)
        if form.open_only:
            service.refuse_closed(loaded.record)  # type: ignore[arg-type]
        built = form.build(service.data_of(session, loaded.record), session)  # type: ignore[arg-type]
    carried = Metadata.decode(built.get("private_metadata"))
    built["private_metadata"] = cards.opened_from(body, carried).encode()
    open_view(client, body, built, push=False)


def submit_opportunity_modal(
    deps: Deps, form: Form, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Validate and save a modal in one transaction: field errors change nothing; a refusal is shown
    in the modal (refusals_as_field_errors); after the ack the card and its copies are updated."""
    carried = Metadata.decode(view.get("private_metadata"))
    state = ModalState(view)
    with transaction(deps.new_session) as session:
        loaded = load_record_in(
            session, deps, body, safe_ref(carried.ref), change=form.change, kind=RecordType.OPPORTUNITY
        )
        sent = Submission(loaded.viewer.user_id, deps.clock(), carried.extra)
        result = form.save(session, loaded.record, state, sent)
        if result.errors:
            session.rollback()
            ack(response_action="errors", errors=result.errors)
            return
    ack()
    team, opp_id = loaded.viewer.team_id, loaded.ref.record_id
    later(deps, client, body, _after_save, deps, client, team, user_id(body), opp_id, carried.card(), result,
          form.announce)  # fmt: skip


def _after_save(
    deps: Deps,
    client: WebClient,
    team: str,
    user: str,
    opp_id: int,
    source: dict[str, str],
    result: Outcome,
    announce: bool,
) -> None:
    refresh(deps, client, team, opp_id, source)
    deal_rooms.open_by_rule(deps, client, team, opp_id, user)
    if result.new_owner:
        post_card(deps, client, team, result.new_owner, opp_id, text=result.owner_message)
    for user, text, message in result.dms:
        client.chat_postMessage(channel=open_dm(client, user), text=text, blocks=[section(message)])
    if announce and result.announcement:
        with transaction(deps.new_session) as session:
            posts = card_service.channel_posts(session, team, RecordRef("opportunity", opp_id))
        for post in posts:
            client.chat_postMessage(channel=post.channel, thread_ts=post.ts, text=result.announcement)
