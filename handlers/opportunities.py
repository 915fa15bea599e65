"""`/opp`, opportunity cards and their stage, product, literature, file and close actions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.config import SettingsError
from bot.deps import Deps
from bot.domain import process as processes
from bot.domain.process import ProcessFileError
from bot.domain.text import like_pattern
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
    RecordRef,
    decode_ref,
    parse_id,
)
from bot.messages import RECORD_NOT_FOUND
from bot.services import opportunities as service
from bot.surface import Surface
from bot.views import opportunity as views
from bot.views.blocks import Block, actions, button, modal, section
from bot.views.help import help_blocks
from bot.views.markup import escape
from handlers import cards
from handlers import catalog as catalog_admin
from handlers.context import team_id, user_id, viewer
from handlers.listeners import after_ack
from handlers.record_loading import Loaded, action_ref, load_record
from handlers.replies import open_dm, reply_ephemeral
from store import opportunities as opp_store
from store.activities import posts_of, record_post
from store.db import transaction

TICK_ACTIONS = re.compile(rf"^{OPP_TICK_PREFIX}\d+$")
SEARCH_LIMIT = 10


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    surface.uses("chat:write", "im:write", "users:read", "files:read")
    try:
        processes.install(processes.library_from_file(deps.settings.process_file))
    except ProcessFileError as error:
        raise SettingsError(f"setting PROCESS_FILE is invalid: {error}") from None
    cards.CARD_RENDERERS["opportunity"] = lambda d, team, opp_id, _loaded: render(d, team, opp_id)
    catalog_admin.register(surface, deps)

    @surface.command("/opp", "Your opportunities: list, create, find", "[new | topic or account]")
    def opp_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        text = (body.get("text") or "").strip()
        word = text.split(" ", 1)[0].lower()
        if word == "new":
            ack()
            deps.background.submit(client.views_open, trigger_id=body["trigger_id"], view=views.new_opportunity_modal())
        elif word == "help":
            ack(text="salesbot help", blocks=help_blocks(), response_type="ephemeral")
        elif not text or word in ("list", "mine"):
            ack(**_my_opportunities(deps, body))
        else:
            ack(**_search(deps, body, text))

    after_ack(
        app,
        deps,
        OPP_NEW,
        lambda client, body: client.views_open(trigger_id=body["trigger_id"], view=views.new_opportunity_modal()),
    )

    @app.view(VIEW_NEW_OPP)
    def new_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        state = service.ModalState(view)
        draft, errors = service.validate_new(state)
        if draft is None:
            ack(response_action="errors", errors=errors)
            return
        team, user = team_id(body), user_id(body)
        with transaction(deps.new_session) as session:
            opp = service.create(session, team=team, user=user, draft=draft, now=deps.clock())
        ack()
        deps.background.submit(post_card, deps, client, team, user, opp.id or 0)

    after_ack(app, deps, OPP_OPEN, lambda client, body: _show_card(deps, client, body))

    # --- stage moves ------------------------------------------------------------------------------

    after_ack(app, deps, OPP_NEXT_STAGE, lambda client, body: _move(deps, client, body, "next"))
    after_ack(app, deps, OPP_PREVIOUS_STAGE, lambda client, body: _move(deps, client, body, "back"))
    after_ack(app, deps, OPP_FINISH, lambda client, body: _finish(deps, client, body))
    after_ack(app, deps, TICK_ACTIONS, lambda client, body: _tick(deps, client, body))
    after_ack(app, deps, OPP_VIEW_STAGE, lambda client, body: _view_stage(deps, client, body))

    for form in _forms(deps):
        _register_form(app, deps, form)

    @app.options(OPP_PRODUCT_SEARCH)
    def product_options(ack: Ack, body: dict[str, Any]) -> None:
        ack(options=service.product_options(deps, body))

    after_ack(app, deps, OPP_REOPEN, lambda client, body: _reopen(deps, client, body))


@dataclass(frozen=True)
class Form:
    """A card button that opens a modal about the opportunity, and that modal's submission."""

    button: str
    view: str
    change: str  # names the action in the permission message, e.g. "edit this opportunity"
    build: Callable[[Any, Any], Any]  # (opportunity data, session) -> the modal, or a message
    save: Callable[..., Any]
    open_only: bool = False  # refused on a won or lost opportunity
    announce: bool = False  # the outcome is posted where the card is


def _forms(deps: Deps) -> list[Form]:
    def today() -> date:
        return deps.clock().date()

    return [
        Form(OPP_EDIT_STAGE, VIEW_OPP_EDIT_STAGE, "edit this opportunity's stage",
             lambda data, _s: views.edit_stage_modal(data), service.save_stage),
        Form(OPP_ADD_PRODUCT, VIEW_OPP_ADD_PRODUCT, "add products", service.add_product_modal, service.save_product),
        Form(OPP_CLOSE_WON, VIEW_OPP_CLOSE_WON, "close this opportunity",
             lambda data, _s: views.close_won_modal(data, today()), service.save_won, open_only=True, announce=True),
        Form(OPP_CLOSE_LOST, VIEW_OPP_CLOSE_LOST, "close this opportunity",
             lambda data, s: views.close_lost_modal(data, today(), service.competitor_names(s, data)),
             service.save_lost, open_only=True, announce=True),
        Form(OPP_EDIT, VIEW_OPP_EDIT, "edit this opportunity",
             lambda data, _s: views.edit_modal(data, processes.active().all), service.save_edit),
        Form(OPP_SEND_LITERATURE, VIEW_OPP_LITERATURE, "send literature", service.literature_modal,
             service.save_literature),
        Form(OPP_ATTACH, VIEW_OPP_ATTACH, "attach files", lambda data, _s: views.attach_modal(data),
             service.save_attachment),
    ]  # fmt: skip


def _register_form(app: App, deps: Deps, form: Form) -> None:
    after_ack(
        app,
        deps,
        form.button,
        lambda client, body: _open_modal(deps, client, body, form.change, form.build, open_only=form.open_only),
    )

    @app.view(form.view)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        _submit(deps, ack, body, view, client, form.change, form.save, announce=form.announce)


# --- rendering and posting -----------------------------------------------------------------------------


def render(deps: Deps, team: str, opp_id: int) -> tuple[str, list[Block]] | None:
    with transaction(deps.new_session) as session:
        data = service.load_data(session, team=team, opp_id=opp_id)
    if data is None:
        return None
    return views.opportunity_card_text(data.opportunity), views.opportunity_card(data)


def post_card(deps: Deps, client: WebClient, team: str, user: str, opp_id: int, text: str = "") -> None:
    """Post the card in the user's DM with the bot and remember the post (it is kept up to date)."""
    rendered = render(deps, team, opp_id)
    if rendered is None:
        return
    card_text, blocks = rendered
    response = client.chat_postMessage(channel=open_dm(client, user), text=text or card_text, blocks=blocks)
    with transaction(deps.new_session) as session:
        record_post(
            session,
            team_id=team,
            record_type="opportunity",
            record_id=opp_id,
            channel=response["channel"],
            ts=response["ts"],
        )


def refresh(deps: Deps, client: WebClient, team: str, opp_id: int, source: dict[str, str]) -> None:
    cards.refresh_card(deps, client, team, RecordRef("opportunity", opp_id), **source)


def _my_opportunities(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    team, user = team_id(body), user_id(body)
    with transaction(deps.new_session) as session:
        groups = service.my_open_by_stage(session, team=team, user=user)
    if not groups:
        return {
            "text": "You have no open opportunities. Type `/opp new` to create one, or qualify a lead.",
            "response_type": "ephemeral",
        }
    total = sum(len(items) for _, items in groups)
    title = f"Your open opportunities ({total})"
    blocks = views.opportunity_list(groups, title=title)
    return {"text": title, "blocks": blocks, "response_type": "ephemeral"}


def _search(deps: Deps, body: dict[str, Any], query: str) -> dict[str, Any]:
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        hits = opp_store.search_opportunities(
            session, viewer=who, query_text=query, pattern=like_pattern(query), limit=SEARCH_LIMIT
        )
        data = service.load_data(session, team=who.team_id, opp_id=hits[0].id or 0) if len(hits) == 1 else None
    if not hits:
        return {
            "text": f"No opportunity matches “{escape(query[:100])}”. Type `/opp new` to create one.",
            "response_type": "ephemeral",
        }
    if data is not None:
        return {
            "text": views.opportunity_card_text(data.opportunity),
            "blocks": views.opportunity_card(data),
            "response_type": "ephemeral",
        }
    return {
        "text": f"{len(hits)} opportunities match",
        "blocks": views.search_results(hits, query),
        "response_type": "ephemeral",
    }


def _show_card(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_record(deps, body, action_ref(body), change=None)
    if isinstance(loaded, str) or loaded.ref.record_type != "opportunity":
        reply_ephemeral(client, body, loaded if isinstance(loaded, str) else RECORD_NOT_FOUND)
        return
    rendered = render(deps, loaded.viewer.team_id, loaded.ref.record_id)
    if rendered is None:
        reply_ephemeral(client, body, RECORD_NOT_FOUND)
        return
    text, blocks = rendered
    if body.get("view") and not body.get("response_url"):
        opener = client.views_open if body["view"].get("type") == "home" else client.views_push
        opener(trigger_id=body["trigger_id"], view=modal("Opportunity", blocks, callback_id="opp_card"))
        return
    reply_ephemeral(client, body, text, blocks)


# --- button handlers (run after the ack) ---------------------------------------------------------------


def _load_open(
    deps: Deps, client: WebClient, body: dict[str, Any], change: str, ref: RecordRef | None = None
) -> Loaded | None:
    loaded = load_record(deps, body, ref or action_ref(body), change=change)
    if isinstance(loaded, str):
        reply_ephemeral(client, body, loaded)
        return None
    if loaded.ref.record_type != "opportunity":
        reply_ephemeral(client, body, RECORD_NOT_FOUND)
        return None
    return loaded


def _move(deps: Deps, client: WebClient, body: dict[str, Any], direction: str) -> None:
    loaded = _load_open(deps, client, body, "move this opportunity's stage")
    if loaded is None:
        return
    team, user = loaded.viewer.team_id, loaded.viewer.user_id
    with transaction(deps.new_session) as session:
        message = service.move(
            session, team=team, opp_id=loaded.ref.record_id, user=user, direction=direction, now=deps.clock()
        )
    if message:
        reply_ephemeral(client, body, message)
        return
    refresh(deps, client, team, loaded.ref.record_id, cards.source_of(body))


def _finish(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = _load_open(deps, client, body, "finish this opportunity's process")
    if loaded is None:
        return
    with transaction(deps.new_session) as session:
        message, done = service.finish(
            session,
            team=loaded.viewer.team_id,
            opp_id=loaded.ref.record_id,
            user=loaded.viewer.user_id,
            now=deps.clock(),
        )
    if not done:
        reply_ephemeral(client, body, message)
        return
    ref = loaded.ref.encode()
    blocks = [
        section(message),
        *actions(
            [
                button("Close as won", OPP_CLOSE_WON, ref, "primary"),
                button("Close as lost", OPP_CLOSE_LOST, ref, "danger"),
            ]
        ),
    ]
    reply_ephemeral(client, body, message, blocks)


def _tick(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    action = body["actions"][0]
    parts = (action.get("block_id") or "").split(":")
    if len(parts) != 4 or parts[0] != "opp_steps" or None in map(parse_id, parts[1:]):
        reply_ephemeral(client, body, RECORD_NOT_FOUND)
        return
    opp_id, stage_index, number = (int(p) for p in parts[1:])
    loaded = _load_open(deps, client, body, "tick this opportunity's steps", RecordRef("opportunity", opp_id))
    if loaded is None:
        return
    selected = {o.get("value", "") for o in action.get("selected_options") or []}
    with transaction(deps.new_session) as session:
        message = service.tick(
            session,
            team=loaded.viewer.team_id,
            opp_id=opp_id,
            stage_index=stage_index,
            number=number,
            selected=selected,
            user=loaded.viewer.user_id,
            now=deps.clock(),
        )
    if message:
        reply_ephemeral(client, body, message)
    refresh(deps, client, loaded.viewer.team_id, opp_id, cards.source_of(body))


def _view_stage(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    value = ((body["actions"][0].get("selected_option") or {}).get("value") or "").rpartition("|")
    try:
        ref = decode_ref(value[0])
        index = int(value[2])
    except ValueError:
        reply_ephemeral(client, body, RECORD_NOT_FOUND)
        return
    loaded = load_record(deps, body, ref, change=None)
    if isinstance(loaded, str):
        reply_ephemeral(client, body, loaded)
        return
    with transaction(deps.new_session) as session:
        data = service.load_data(session, team=loaded.viewer.team_id, opp_id=ref.record_id)
    if data is None or not 0 <= index < len(data.process.stages):
        reply_ephemeral(client, body, RECORD_NOT_FOUND)
        return
    stage = data.process.stages[index]
    title = f"{escape(data.opportunity.topic)} — {escape(stage.name)}"
    reply_ephemeral(client, body, title, views.stage_record(data, stage))


def _reopen(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = _load_open(deps, client, body, "reopen this opportunity")
    if loaded is None:
        return
    with transaction(deps.new_session) as session:
        message = service.reopen(
            session,
            team=loaded.viewer.team_id,
            opp_id=loaded.ref.record_id,
            user=loaded.viewer.user_id,
            now=deps.clock(),
        )
    if message:
        reply_ephemeral(client, body, message)
        return
    refresh(deps, client, loaded.viewer.team_id, loaded.ref.record_id, cards.source_of(body))


def _open_modal(
    deps: Deps, client: WebClient, body: dict[str, Any], change: str, builder: Any, *, open_only: bool = False
) -> None:
    """Check permission, build the modal from the record (builder(data, session) -> view or message),
    and open it with where the card lives in its metadata so the submission can update it."""
    loaded = _load_open(deps, client, body, change)
    if loaded is None:
        return
    with transaction(deps.new_session) as session:
        data = service.load_data(session, team=loaded.viewer.team_id, opp_id=loaded.ref.record_id)
        if data is None:
            built: Any = RECORD_NOT_FOUND
        elif open_only and data.opportunity.status != "open":
            built = f"This opportunity is already closed as {data.opportunity.status}. Reopen it first."
        else:
            built = builder(data, session)
    if isinstance(built, str):
        reply_ephemeral(client, body, built)
        return
    meta = json.loads(built.get("private_metadata") or "{}")
    meta["source"] = cards.source_of(body)
    built["private_metadata"] = json.dumps(meta)
    client.views_open(trigger_id=body["trigger_id"], view=built)


def _submit(
    deps: Deps,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    change: str,
    save: Any,
    *,
    announce: bool = False,
) -> None:
    """Validate and save a modal in one transaction: field errors change nothing; a permission
    failure is shown in the modal; after the ack the card and its copies are updated."""
    meta = json.loads(view.get("private_metadata") or "{}")
    try:
        ref = decode_ref(meta.get("ref"))
    except ValueError:
        ack(response_action="errors", errors={_first_block(view): RECORD_NOT_FOUND})
        return
    loaded = load_record(deps, body, ref, change=change)
    if isinstance(loaded, str):
        ack(response_action="errors", errors={_first_block(view): loaded})
        return
    state = service.ModalState(view)
    team, user = loaded.viewer.team_id, loaded.viewer.user_id
    with transaction(deps.new_session) as session:
        opp = opp_store.get_opportunity(session, team_id=team, opportunity_id=ref.record_id)
        if opp is None:
            ack(response_action="errors", errors={_first_block(view): RECORD_NOT_FOUND})
            return
        result = save(session, opp, state, user=user, now=deps.clock(), meta=meta)
        if result.errors:
            session.rollback()
            ack(response_action="errors", errors=result.errors)
            return
    ack()
    deps.background.submit(_after_save, deps, client, team, ref.record_id, meta.get("source") or {}, result, announce)


def _after_save(
    deps: Deps,
    client: WebClient,
    team: str,
    opp_id: int,
    source: dict[str, str],
    result: service.Result,
    announce: bool,
) -> None:
    refresh(deps, client, team, opp_id, source)
    if result.new_owner:
        post_card(deps, client, team, result.new_owner, opp_id, text=result.owner_message)
    for user, text, blocks in result.dms:
        client.chat_postMessage(channel=open_dm(client, user), text=text, blocks=blocks or None)
    if announce and result.announcement:
        with transaction(deps.new_session) as session:
            posts = posts_of(session, team_id=team, record_type="opportunity", record_id=opp_id)
        for post in posts:
            if not post.channel.startswith("D"):
                client.chat_postMessage(channel=post.channel, thread_ts=post.ts, text=result.announcement)


def _first_block(view: dict[str, Any]) -> str:
    return next(
        (b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input" and b.get("block_id")), "topic"
    )
