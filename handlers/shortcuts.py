"""Message shortcuts: Create lead from message, and Log message to… a lead or opportunity."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.ids import SHORTCUT_LEAD_FROM_MESSAGE, SHORTCUT_LOG_MESSAGE, VIEW_LOG_MESSAGE, Metadata
from bot.services import records as record_service
from bot.surface import Surface
from bot.views.inputs import submitted_values
from bot.views.leads import new_lead_modal
from bot.views.shortcuts import lead_prefill, log_message_modal
from handlers.cards import refresh_card
from handlers.context import viewer
from handlers.listeners import later, refusals_as_field_errors
from handlers.record_loading import load_record_in, safe_ref
from handlers.replies import open_view
from store.db import transaction

METADATA_TEXT_MAX = 1500  # private_metadata holds 3,000 characters in all


def register(surface: Surface, deps: Deps) -> None:
    surface.uses("chat:write", "users:read")
    surface.shortcut(
        SHORTCUT_LEAD_FROM_MESSAGE,
        "Create lead from message",
        "message",
        "Turn this message into a lead; it becomes the first timeline entry",
    )(functools.partial(lead_from_message, deps))
    surface.shortcut(
        SHORTCUT_LOG_MESSAGE, "Log message to…", "message", "Attach this message to a lead's or opportunity's timeline"
    )(functools.partial(log_message, deps))
    surface.app.view(VIEW_LOG_MESSAGE)(refusals_as_field_errors(functools.partial(log_message_submitted, deps)))


def lead_from_message(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    later(deps, client, body, _open_prefilled_lead, client, body)


def log_message(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    later(deps, client, body, _open_log_message, deps, client, body)


def log_message_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    value = submitted_values(view["state"]).get("record") or ""
    ref = safe_ref(value)
    if ref is None:
        ack(response_action="errors", errors={"record": "Pick a lead or opportunity."})
        return
    source = Metadata.decode(view.get("private_metadata")).message
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, ref, change="log a message to it")
        record_service.log_slack_message(session, loaded.record, source, logged_by=loaded.viewer.user_id)
        record_service.rescore_if_lead(session, loaded.record, now=deps.clock())
    ack()
    later(deps, client, body, refresh_card, deps, client, loaded.viewer.team_id, ref)


def _message_source(client: WebClient, body: dict[str, Any]) -> dict[str, str]:
    message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id", "")
    ts = message.get("ts") or body.get("message_ts", "")
    try:
        permalink = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink", "")
    except SlackApiError:
        permalink = ""
    return {
        "channel": channel,
        "ts": ts,
        "author": message.get("user", ""),
        "permalink": permalink,
        "text": (message.get("text") or "")[:METADATA_TEXT_MAX],
    }


def _author_name(client: WebClient, user: str) -> str:
    if not user:
        return ""
    try:
        profile = client.users_info(user=user)["user"]
    except SlackApiError:
        return ""
    return profile.get("real_name") or (profile.get("profile") or {}).get("real_name") or ""


def _open_prefilled_lead(client: WebClient, body: dict[str, Any]) -> None:
    source = _message_source(client, body)
    prefill = lead_prefill((body.get("message") or {}).get("text") or "", _author_name(client, source["author"]))
    metadata = Metadata(message=source).encode()
    open_view(client, body, new_lead_modal(prefill, metadata=metadata), push=False)


def _open_log_message(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    who = viewer(deps, body)
    leads, opportunities = record_service.pickable_records(deps.engine, who)
    source = _message_source(client, body)
    view = log_message_modal(leads, opportunities, metadata=Metadata(message=source).encode(), excerpt=source["text"])
    open_view(client, body, view, push=False)
