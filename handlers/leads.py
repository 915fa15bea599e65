"""`/lead`, the New lead modal and shortcut, lead cards and their buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.leads import validate_lead
from bot.domain.text import like_pattern
from bot.ids import (
    ACTION_NEW_LEAD,
    ACTION_OPEN_RECORD,
    SHORTCUT_NEW_LEAD,
    VIEW_NEW_LEAD,
    decode_ref,
)
from bot.messages import COMING_SOON, LEAD_CREATED, LEAD_NOT_FOUND, NO_LEADS, NO_MATCH
from bot.surface import Surface
from bot.views.blocks import modal
from bot.views.help import help_blocks
from bot.views.inputs import submitted_values
from bot.views.leads import lead_card, lead_card_text, lead_list, new_lead_modal
from handlers.context import team_id, user_id, viewer
from handlers.replies import open_dm, reply_ephemeral
from store import leads as lead_store
from store.activities import add_activity, record_post
from store.db import transaction

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
        elif word == "import":
            ack(text=COMING_SOON.format(label="Lead import"), response_type="ephemeral")
        else:
            ack(**_search_answer(deps, body, text))

    @surface.shortcut(SHORTCUT_NEW_LEAD, "New lead", "global", "Create a lead without leaving Slack")
    def new_lead_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.background.submit(client.views_open, trigger_id=body["trigger_id"], view=new_lead_modal())

    @app.action(ACTION_NEW_LEAD)
    def new_lead_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.background.submit(client.views_open, trigger_id=body["trigger_id"], view=new_lead_modal())

    @app.view(VIEW_NEW_LEAD)
    def new_lead_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        draft, errors = validate_lead(submitted_values(view.get("state", {})))
        if draft is None:
            ack(response_action="errors", errors=errors)
            return
        team, user = team_id(body), user_id(body)
        with transaction(deps.new_session) as session:
            lead = lead_store.create_lead(session, team_id=team, owner_id=user, values=draft.columns())
            add_activity(
                session, team_id=team, record_type="lead", record_id=lead.id or 0, kind="status",
                author_id=user, subject="Lead created",
            )  # fmt: skip
        ack()
        deps.background.submit(post_lead_card, deps, client, team, user, lead.id or 0)

    @app.action(ACTION_OPEN_RECORD)
    def open_record(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.background.submit(_show_card, deps, client, body)


def post_lead_card(deps: Deps, client: WebClient, team: str, user: str, lead_id: int) -> None:
    """Post the new lead's card in the user's DM with the bot and remember the post."""
    with transaction(deps.new_session) as session:
        lead = lead_store.get_lead(session, team_id=team, lead_id=lead_id)
    if lead is None:
        return
    channel = open_dm(client, user)
    response = client.chat_postMessage(
        channel=channel, text=LEAD_CREATED.format(topic=lead.topic), blocks=lead_card(lead)
    )
    with transaction(deps.new_session) as session:
        record_post(
            session, team_id=team, record_type="lead", record_id=lead_id, channel=response["channel"],
            ts=response["ts"],
        )  # fmt: skip


def _my_leads_answer(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    team, user = team_id(body), user_id(body)
    with transaction(deps.new_session) as session:
        leads = lead_store.open_leads(session, team_id=team, owner_id=user, limit=LIST_LIMIT)
        total = lead_store.count_open_leads(session, team_id=team, owner_id=user) if leads else 0
    if not leads:
        return {"text": NO_LEADS, "response_type": "ephemeral"}
    blocks = lead_list(leads, title=f"Your open leads ({total})", total=total)
    return {"text": f"Your open leads ({total})", "blocks": blocks, "response_type": "ephemeral"}


def _search_answer(deps: Deps, body: dict[str, Any], query: str) -> dict[str, Any]:
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        hits = lead_store.search_leads(session, viewer=who, pattern=like_pattern(query), limit=SEARCH_LIMIT)
    if not hits:
        return {"text": NO_MATCH.format(query=query[:100]), "response_type": "ephemeral"}
    if len(hits) == 1:
        return {"text": lead_card_text(hits[0]), "blocks": lead_card(hits[0]), "response_type": "ephemeral"}
    blocks = lead_list(hits, title=f"Leads matching “{query[:100]}”")
    return {"text": f"{len(hits)} leads match", "blocks": blocks, "response_type": "ephemeral"}


def _show_card(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    try:
        ref = decode_ref(body["actions"][0].get("value"))
    except ValueError:
        reply_ephemeral(client, body, LEAD_NOT_FOUND)
        return
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        lead = lead_store.get_visible_lead(session, viewer=who, lead_id=ref.record_id)
    if lead is None:
        reply_ephemeral(client, body, LEAD_NOT_FOUND)
        return
    if body.get("view") and not body.get("response_url"):
        # App Home and modals have no response_url: show the card in a modal instead.
        opener = client.views_open if body["view"].get("type") == "home" else client.views_push
        opener(trigger_id=body["trigger_id"], view=modal("Lead", lead_card(lead), callback_id="lead_card"))
        return
    reply_ephemeral(client, body, lead_card_text(lead), lead_card(lead))
