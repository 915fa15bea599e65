"""Card messages: render a record's card and keep posted copies up to date."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.deps import Deps
from bot.ids import RecordRef
from bot.views.blocks import Block
from bot.views.leads import lead_card, lead_card_text
from store import leads as lead_store
from store.activities import posts_of
from store.db import transaction
from store.models import Lead

log = logging.getLogger("salesbot.cards")

# record_type -> fn(deps, team_id, record_id, the record if the caller already loaded it) -> (text, blocks) or None
CardRenderer = Callable[[Deps, str, int, Any], tuple[str, list[Block]] | None]
CARD_RENDERERS: dict[str, CardRenderer] = {}


def render_lead(deps: Deps, team: str, lead_id: int, loaded: Any = None) -> tuple[str, list[Block]] | None:
    lead = loaded if isinstance(loaded, Lead) else None
    if lead is None:
        with transaction(deps.new_session) as session:
            lead = lead_store.get_lead(session, team_id=team, lead_id=lead_id)
    return (lead_card_text(lead), lead_card(lead)) if lead else None


CARD_RENDERERS["lead"] = render_lead


def render_card(deps: Deps, team: str, ref: RecordRef, loaded: Any = None) -> tuple[str, list[Block]] | None:
    """The record's card; `loaded`, the record when the caller already read it, spares reading it again."""
    renderer = CARD_RENDERERS.get(ref.record_type)
    return renderer(deps, team, ref.record_id, loaded) if renderer else None


def source_of(body: dict[str, Any]) -> dict[str, str]:
    """Where the clicked card lives: channel and ts for posted messages, response_url for ephemeral ones."""
    container = body.get("container") or {}
    if container.get("type") != "message":
        return {}
    if container.get("is_ephemeral"):
        return {"response_url": body.get("response_url") or ""}
    return {"channel": container.get("channel_id", ""), "ts": container.get("message_ts", "")}


def refresh_card(
    deps: Deps, client: WebClient, team: str, ref: RecordRef, *, channel: str = "", ts: str = "", response_url: str = ""
) -> None:
    """Update the card the user acted on at once, then every other posted copy of it."""
    rendered = render_card(deps, team, ref)
    if rendered is None:
        return
    text, blocks = rendered
    if response_url:
        WebhookClient(response_url).send(text=text, blocks=blocks, replace_original=True)
    elif channel and ts:
        _update(client, channel, ts, text, blocks)
    with transaction(deps.new_session) as session:
        copies = posts_of(session, team_id=team, record_type=ref.record_type, record_id=ref.record_id)
    for post in copies:
        if post.kind == "card" and (post.channel, post.ts) != (channel, ts):
            _update(client, post.channel, post.ts, text, blocks)


def _update(client: WebClient, channel: str, ts: str, text: str, blocks: list[Block]) -> None:
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as error:  # a deleted or unreachable copy must not stop the others
        log.info("card copy %s/%s not updated: %s", channel, ts, error.response.get("error"))
