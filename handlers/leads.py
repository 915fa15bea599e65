"""`/lead`, the New lead modal and shortcut, duplicates, and the lead-only card buttons:
Qualify, Disqualify, Reactivate and Edit."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.activities import validate_disqualify
from bot.domain.leads import validate_lead
from bot.domain.text import like_pattern
from bot.ids import (
    ACTION_CREATE_ANYWAY,
    ACTION_NEW_LEAD,
    ACTION_OPEN_EXISTING,
    ACTION_OPEN_RECORD,
    LEAD_DISQUALIFY,
    LEAD_EDIT,
    LEAD_QUALIFY,
    LEAD_REACTIVATE,
    SHORTCUT_NEW_LEAD,
    VIEW_EDIT_LEAD,
    VIEW_NEW_LEAD,
    RecordRef,
    decode_ref,
)
from bot.messages import LEAD_CREATED, LEAD_NOT_FOUND, NO_LEADS, NO_MATCH
from bot.services import leads as lead_service
from bot.services.threads import slack_time
from bot.surface import Surface
from bot.views.activity_modals import VIEW_DISQUALIFY, ModalContext, disqualify_modal
from bot.views.blocks import modal
from bot.views.help import help_blocks
from bot.views.inputs import submitted_values
from bot.views.leads import (
    duplicate_view,
    edit_lead_modal,
    lead_card,
    lead_card_text,
    lead_list,
    new_lead_modal,
    notice_view,
)
from bot.views.markup import escape, fill, mention
from handlers.cards import refresh_card, render_card, source_of
from handlers.context import team_id, user_id, viewer
from handlers.listeners import after_ack
from handlers.record_loading import Loaded, action_ref, load_record
from handlers.replies import open_dm, reply_ephemeral
from store import leads as lead_store
from store.activities import add_activity, posts_of, record_post
from store.db import transaction
from store.models import Lead

LIST_LIMIT = 20
SEARCH_LIMIT = 10


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    surface.uses("chat:write", "im:write", "users:read")

    @surface.command("/lead", "Create, list and find leads", "[list | import | name, company or email]")
    def lead_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        text = (body.get("text") or "").strip()
        word = text.split(" ", 1)[0].lower()
        if not text:
            ack()
            deps.background.submit(client.views_open, trigger_id=body["trigger_id"], view=new_lead_modal())
        elif word == "list":
            ack(**_my_leads_answer(deps, body))
        elif word == "help":
            ack(text="salesbot help", blocks=help_blocks(), response_type="ephemeral")
        elif word == "import" and "import" in surface.lead_subcommands:
            surface.lead_subcommands["import"](ack, body, client)
        else:
            ack(**_search_answer(deps, body, text))

    @surface.shortcut(SHORTCUT_NEW_LEAD, "New lead", "global", "Create a lead without leaving Slack")
    def new_lead_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.background.submit(client.views_open, trigger_id=body["trigger_id"], view=new_lead_modal())

    after_ack(
        app,
        deps,
        ACTION_NEW_LEAD,
        lambda client, body: client.views_open(trigger_id=body["trigger_id"], view=new_lead_modal()),
    )

    @app.view(VIEW_NEW_LEAD)
    def new_lead_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        draft, errors = validate_lead(submitted_values(view.get("state", {})))
        if draft is None:
            ack(response_action="errors", errors=errors)
            return
        team, user, now = team_id(body), user_id(body), deps.clock()
        source = _source_message(view)
        with transaction(deps.new_session) as session:
            duplicates = lead_service.find_duplicates(session, team_id=team, draft=draft)
            status = "draft" if duplicates else "open"
            lead = lead_service.create_lead(session, team_id=team, owner_id=user, draft=draft, now=now, status=status)
            lead_id = lead.id or 0
            if source:
                _log_source_message(session, lead, source, user)
        if duplicates:
            ack(response_action="push", view=duplicate_view(duplicates, lead_id))
            return
        ack()
        deps.background.submit(post_lead_card, deps, client, team, user, lead_id)

    after_ack(app, deps, ACTION_CREATE_ANYWAY, lambda client, body: _create_anyway(deps, client, body))
    after_ack(app, deps, ACTION_OPEN_EXISTING, lambda client, body: _open_existing(deps, client, body))
    after_ack(app, deps, ACTION_OPEN_RECORD, lambda client, body: _show_card(deps, client, body))
    after_ack(app, deps, LEAD_QUALIFY, lambda client, body: _qualify(deps, client, body))
    after_ack(
        app,
        deps,
        LEAD_DISQUALIFY,
        lambda client, body: _open_lead_modal(deps, client, body, "disqualify this lead", disqualify_modal),
    )
    after_ack(
        app, deps, LEAD_EDIT, lambda client, body: _open_lead_modal(deps, client, body, "edit this lead", _edit_modal)
    )
    after_ack(app, deps, LEAD_REACTIVATE, lambda client, body: _reactivate(deps, client, body))

    @app.view(VIEW_DISQUALIFY)
    def disqualify_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        choice, errors = validate_disqualify(submitted_values(view["state"]))
        if choice is None:
            ack(response_action="errors", errors=errors)
            return
        _change_from_modal(
            deps,
            ack,
            body,
            view,
            client,
            "disqualify this lead",
            "reason",
            lambda s, lead, user: _disqualify(deps, s, lead, user, *choice),
        )

    @app.view(VIEW_EDIT_LEAD)
    def edit_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        draft, errors = validate_lead(submitted_values(view["state"]))
        if draft is None:
            ack(response_action="errors", errors=errors)
            return
        _change_from_modal(
            deps,
            ack,
            body,
            view,
            client,
            "edit this lead",
            "topic",
            lambda s, lead, user: lead_service.update_lead(s, lead, draft, user_id=user, now=deps.clock()),
        )


def post_lead_card(deps: Deps, client: WebClient, team: str, user: str, lead_id: int) -> None:
    """Post the new lead's card in the user's DM with the bot and remember the post."""
    with transaction(deps.new_session) as session:
        lead = lead_store.get_lead(session, team_id=team, lead_id=lead_id)
    if lead is None:
        return
    channel = open_dm(client, user)
    response = client.chat_postMessage(
        channel=channel, text=fill(LEAD_CREATED, topic=lead.topic), blocks=lead_card(lead)
    )
    with transaction(deps.new_session) as session:
        record_post(
            session, team_id=team, record_type="lead", record_id=lead_id, channel=response["channel"], ts=response["ts"]
        )


def _source_message(view: dict[str, Any]) -> dict[str, Any]:
    """The Slack message a lead is created from (message shortcut), carried in private_metadata."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data.get("source") or {} if isinstance(data, dict) else {}


def _log_source_message(session: Any, lead: Lead, source: dict[str, Any], user: str) -> None:
    """The message becomes the first timeline entry, dated when it was written, with its permalink."""
    add_activity(
        session,
        team_id=lead.team_id,
        record_type="lead",
        record_id=lead.id or 0,
        kind="message",
        author_id=source.get("author", ""),
        subject="Message in Slack",
        body=source.get("text", "")[:4000],
        occurred_at=slack_time(source["ts"]) if source.get("ts") else None,
        data={"permalink": source.get("permalink", ""), "logged_by": user},
        slack_channel=source.get("channel"),
    )


def _lead_of(loaded: Loaded | str) -> Lead | str:
    if isinstance(loaded, str):
        return loaded
    if not isinstance(loaded.record, Lead):
        return LEAD_NOT_FOUND
    return loaded.record


def _lead_ref(body: dict[str, Any]) -> RecordRef | None:
    ref = action_ref(body)
    return ref if ref is not None and ref.record_type == "lead" else None


def _open_lead_modal(deps: Deps, client: WebClient, body: dict[str, Any], change: str, builder: Any) -> None:
    lead = _lead_of(load_record(deps, body, _lead_ref(body), change=change))
    if isinstance(lead, str):
        reply_ephemeral(client, body, lead)
        return
    if lead.status == "qualified":
        reply_ephemeral(client, body, "This lead is qualified: its opportunity carries it on, so it cannot change.")
        return
    if builder is disqualify_modal and lead.status == "disqualified":
        reply_ephemeral(client, body, f"This lead is already disqualified ({lead.status_reason}).")
        return
    ctx = ModalContext(ref=RecordRef("lead", lead.id or 0).encode(), **source_of(body))
    view = builder(ctx, lead.topic) if builder is disqualify_modal else builder(ctx, lead)
    opener = client.views_push if (body.get("view") or {}).get("type") == "modal" else client.views_open
    opener(trigger_id=body["trigger_id"], view=view)


def _edit_modal(ctx: ModalContext, lead: Lead) -> dict[str, Any]:
    return edit_lead_modal(lead, ctx.encode())


def _change_from_modal(
    deps: Deps,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    change: str,
    error_block: str,
    write: Any,
) -> None:
    ctx = ModalContext.decode(view.get("private_metadata", ""))
    try:
        ref: RecordRef | None = decode_ref(ctx.ref)
    except ValueError:
        ref = None
    lead = _lead_of(load_record(deps, body, ref, change=change))
    if isinstance(lead, str) or lead.status == "qualified":
        message = lead if isinstance(lead, str) else "This lead is qualified and cannot change."
        ack(response_action="errors", errors={error_block: message})
        return
    team = team_id(body)
    with transaction(deps.new_session) as session:
        fresh = lead_store.get_lead(session, team_id=team, lead_id=lead.id or 0)
        write(session, fresh, user_id(body))
    ack()
    deps.background.submit(
        refresh_card,
        deps,
        client,
        team,
        RecordRef("lead", lead.id or 0),
        channel=ctx.channel,
        ts=ctx.ts,
        response_url=ctx.response_url,
    )


def _disqualify(deps: Deps, session: Any, lead: Lead, user: str, reason: str, note: str) -> None:
    lead_service.disqualify(session, lead, reason=reason, note=note, user_id=user, now=deps.clock())


def _reactivate(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    lead = _lead_of(load_record(deps, body, _lead_ref(body), change="reactivate this lead"))
    if isinstance(lead, str):
        reply_ephemeral(client, body, lead)
        return
    if lead.status != "disqualified":
        reply_ephemeral(client, body, "Only a disqualified lead can be reactivated.")
        return
    with transaction(deps.new_session) as session:
        fresh = lead_store.get_lead(session, team_id=lead.team_id, lead_id=lead.id or 0)
        assert fresh is not None
        lead_service.reactivate(session, fresh, user_id=user_id(body), now=deps.clock())
    refresh_card(deps, client, lead.team_id, RecordRef("lead", lead.id or 0), **source_of(body))


def _qualify(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    lead = _lead_of(load_record(deps, body, _lead_ref(body), change="qualify this lead"))
    if isinstance(lead, str):
        reply_ephemeral(client, body, lead)
        return
    if lead.status != "open":
        problem = "is already qualified" if lead.status == "qualified" else "is disqualified: reactivate it first"
        reply_ephemeral(client, body, f"This lead {problem}.")
        return
    user, team = user_id(body), lead.team_id
    with transaction(deps.new_session) as session:
        fresh = lead_store.get_lead(session, team_id=team, lead_id=lead.id or 0)
        assert fresh is not None
        opportunity = lead_service.qualify(session, fresh, user_id=user, now=deps.clock())
        channel_posts = [
            p
            for p in posts_of(session, team_id=team, record_type="lead", record_id=lead.id or 0)
            if not p.channel.startswith("D")
        ]
    lead_ref, opp_ref = RecordRef("lead", lead.id or 0), RecordRef("opportunity", opportunity.id or 0)
    refresh_card(deps, client, team, lead_ref, **source_of(body))
    note = (
        f":trophy: {mention(user)} qualified this lead: opportunity *{escape(opportunity.topic)}* (#{opportunity.id}) "
        f"is now at *{escape(opportunity.stage)}*."
    )
    for post in channel_posts:
        client.chat_postMessage(channel=post.channel, thread_ts=post.ts, text=note)
    _post_opportunity_card(deps, client, team, user, opp_ref, note)


def _post_opportunity_card(deps: Deps, client: WebClient, team: str, user: str, ref: RecordRef, note: str) -> None:
    rendered = render_card(deps, team, ref)
    channel = open_dm(client, user)
    if rendered is None:
        client.chat_postMessage(channel=channel, text=note)
        return
    text, blocks = rendered
    response = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    with transaction(deps.new_session) as session:
        record_post(
            session,
            team_id=team,
            record_type=ref.record_type,
            record_id=ref.record_id,
            channel=response["channel"],
            ts=response["ts"],
        )


def _create_anyway(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    ref, team, user = action_ref(body), team_id(body), user_id(body)
    with transaction(deps.new_session) as session:
        lead = (
            lead_service.create_despite_duplicates(
                session, team_id=team, user_id=user, lead_id=ref.record_id, now=deps.clock()
            )
            if ref
            else None
        )
    view_id = _view_id(body)
    if lead is None:
        client.views_update(view_id=view_id, view=notice_view("Lead", LEAD_NOT_FOUND))
        return
    client.views_update(
        view_id=view_id,
        view=notice_view(
            "Lead created",
            f":white_check_mark: *{escape(lead.topic)}* was created; its card is in your DM with salesbot.",
        ),
    )
    post_lead_card(deps, client, team, user, lead.id or 0)


def _open_existing(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    ref, who = action_ref(body), viewer(deps, body)
    with transaction(deps.new_session) as session:
        lead = lead_store.get_visible_lead(session, viewer=who, lead_id=ref.record_id) if ref else None
    view_id = _view_id(body)
    if lead is None:
        client.views_update(
            view_id=view_id,
            view=notice_view("Lead", "That lead belongs to a colleague: ask its owner to share it with you."),
        )
        return
    client.views_update(view_id=view_id, view=modal("Existing lead", lead_card(lead), callback_id="lead_card"))


def _view_id(body: dict[str, Any]) -> str | None:
    return (body.get("view") or {}).get("id") or (body.get("container") or {}).get("view_id")


def _my_leads_answer(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    team, user = team_id(body), user_id(body)
    with transaction(deps.new_session) as session:
        leads, total = lead_store.open_leads(session, team_id=team, owner_id=user, limit=LIST_LIMIT)
    if not leads:
        return {"text": NO_LEADS, "response_type": "ephemeral"}
    blocks = lead_list(leads, title=f"Your open leads ({total})", total=total)
    return {"text": f"Your open leads ({total})", "blocks": blocks, "response_type": "ephemeral"}


def _search_answer(deps: Deps, body: dict[str, Any], query: str) -> dict[str, Any]:
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        hits = lead_store.search_leads(session, viewer=who, pattern=like_pattern(query), limit=SEARCH_LIMIT + 1)
        total = (
            lead_store.count_search_leads(session, viewer=who, pattern=like_pattern(query))
            if len(hits) > SEARCH_LIMIT
            else len(hits)
        )
    hits = hits[:SEARCH_LIMIT]
    if not hits:
        return {"text": fill(NO_MATCH, query=query[:100]), "response_type": "ephemeral"}
    if len(hits) == 1:
        return {"text": lead_card_text(hits[0]), "blocks": lead_card(hits[0]), "response_type": "ephemeral"}
    blocks = lead_list(hits, title=f"Leads matching “{query[:100]}”", total=total)
    return {"text": f"{total} leads match", "blocks": blocks, "response_type": "ephemeral"}


def _show_card(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_record(deps, body, action_ref(body), change="open it")
    if isinstance(loaded, str):
        reply_ephemeral(client, body, loaded)
        return
    rendered = render_card(deps, loaded.viewer.team_id, loaded.ref, loaded.record)
    if rendered is None:
        reply_ephemeral(client, body, LEAD_NOT_FOUND)
        return
    text, blocks = rendered
    if body.get("view") and not body.get("response_url"):
        # App Home and modals have no response_url: show the card in a modal instead.
        opener = client.views_open if body["view"].get("type") == "home" else client.views_push
        title = "Lead" if loaded.ref.record_type == "lead" else "Opportunity"
        opener(trigger_id=body["trigger_id"], view=modal(title, blocks, callback_id="record_card"))
        return
    reply_ephemeral(client, body, text, blocks)
