"""Every record's card, one path: render it, post it (and remember the post), show it, refresh it.

The builder is chosen by record type in `render_in`; posted copies are remembered in `post` rows
so an action anywhere updates every copy.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any, NamedTuple

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlmodel import Session

from bot.deps import Deps
from bot.domain.kinds import RecordType
from bot.ids import VIEW_RECORD_CARD, Metadata, RecordRef
from bot.messages import CARD_NOT_POSTED, RECORD_NOT_FOUND
from bot.refusals import Refused
from bot.services import cards as card_service
from bot.services.cards import CardData, LeadCard
from bot.services.records import Record
from bot.views import opportunity as opportunity_views
from bot.views.blocks import Block, modal
from bot.views.leads import lead_card, lead_card_text
from bot.views.markup import escape, fill
from handlers.replies import open_dm, open_view, reply_ephemeral, send_to_response_url
from store.db import transaction

log = logging.getLogger("salesbot.cards")


class Rendered(NamedTuple):
    text: str  # the message text (notifications, screen readers)
    blocks: list[Block]
    title: str  # the record's topic


FIND_COMMAND: dict[str, str] = {RecordType.LEAD: "/lead", RecordType.OPPORTUNITY: "/opp"}
TITLES: dict[str, str] = {RecordType.LEAD: "Lead", RecordType.OPPORTUNITY: "Opportunity"}


def render_in(session: Session, team: str, ref: RecordRef, loaded: Record | None = None) -> Rendered | None:
    """The record's card (message text, blocks), read in the caller's transaction; None when it is gone.
    `loaded`, the record the caller already read, spares reading it again."""
    data = card_service.card_data(session, team, ref, loaded)
    return None if data is None else rendered(data)


def rendered(data: CardData) -> Rendered:
    """The builder of the record's type."""
    if isinstance(data, LeadCard):
        return Rendered(lead_card_text(data.lead), lead_card(data.lead, data.people), data.lead.topic)
    opp = data.opportunity
    return Rendered(opportunity_views.opportunity_card_text(opp), opportunity_views.opportunity_card(data), opp.topic)


def render_card(deps: Deps, team: str, ref: RecordRef, loaded: Record | None = None) -> Rendered | None:
    with transaction(deps.new_session) as session:
        return render_in(session, team, ref, loaded)


def source_of(body: dict[str, Any]) -> dict[str, str]:
    """Where the clicked card lives: channel and ts for posted messages, response_url for ephemeral ones."""
    container = body.get("container") or {}
    if container.get("type") != "message":
        return {}
    if container.get("is_ephemeral"):
        return {"response_url": body.get("response_url") or ""}
    return {"channel": container.get("channel_id", ""), "ts": container.get("message_ts", "")}


def opened_from(body: dict[str, Any], carried: Metadata | None = None) -> Metadata:
    """A modal's metadata with where the clicked card lives, so the submission refreshes it."""
    where = source_of(body)
    return replace(carried or Metadata(), channel=where.get("channel", ""), ts=where.get("ts", ""),
                   response_url=where.get("response_url", ""))  # fmt: skip


def post_card(
    deps: Deps,
    client: WebClient,
    team: str,
    ref: RecordRef,
    *,
    channel: str = "",
    to_user: str = "",
    text: str = "",
    intro: list[Block] | None = None,
    kind: str = "card",
) -> SlackResponse | None:
    """Post the card in `channel` (or the DM with `to_user`) and remember the post, so it is kept up
    to date. `text` may hold `{card}` (the card's own text) and `{topic}`. None when the record is gone."""
    rendered = render_card(deps, team, ref)
    if rendered is None:
        return None
    target = channel or open_dm(client, to_user)
    message = _fill(text, rendered) if text else rendered.text
    response = client.chat_postMessage(channel=target, text=message, blocks=[*(intro or []), *rendered.blocks][:50])
    with transaction(deps.new_session) as session:
        card_service.remember_post(session, team, ref, channel=response["channel"], ts=response["ts"], kind=kind)
    return response


def _fill(template: str, card: Rendered) -> str:
    """One pass, so user text that happens to contain `{topic}` stays as it is."""
    return re.sub(r"\{(card|topic)\}", lambda m: card.text if m.group(1) == "card" else escape(card.title), template)


def deliver_card(deps: Deps, client: WebClient, team: str, user: str, ref: RecordRef, *, text: str = "") -> None:
    """Post the card of a record the user just saved in their DM; when Slack refuses it, tell them
    where the record is instead (it is saved either way)."""
    try:
        post_card(deps, client, team, ref, to_user=user, text=text)
    except SlackApiError as error:
        log.warning("card %s not posted to %s: %s", ref.encode(), user, error.response.get("error"))
        with transaction(deps.new_session) as session:
            title = card_service.title_of(session, team, ref) or f"#{ref.record_id}"
        command = f"{FIND_COMMAND.get(ref.record_type, '/lead')} {title}"[:100]
        client.chat_postMessage(channel=user, text=fill(CARD_NOT_POSTED, title=title, command=command))


def show_card(deps: Deps, client: WebClient, body: dict[str, Any], ref: RecordRef, record: Record) -> None:
    """Show the card to the clicking user only: ephemeral under a message, a modal in App Home or a modal."""
    rendered = render_card(deps, record.team_id, ref, record)
    if rendered is None:
        raise Refused(RECORD_NOT_FOUND)
    text, blocks, _ = rendered
    if body.get("view") and not body.get("response_url"):
        title = TITLES.get(ref.record_type, "Record")
        push = body["view"].get("type") != "home"
        open_view(client, body, modal(title, blocks[:100], callback_id=VIEW_RECORD_CARD), push=push)
        return
    reply_ephemeral(client, body, text, blocks)


def refresh_card(
    deps: Deps, client: WebClient, team: str, ref: RecordRef, *, channel: str = "", ts: str = "", response_url: str = ""
) -> None:
    """Update the card the user acted on at once, then every other posted copy of it (one read)."""
    with transaction(deps.new_session) as session:
        rendered = render_in(session, team, ref)
        copies = card_service.posted_copies(session, team, ref)
    if rendered is None:
        return
    text, blocks, _ = rendered
    if response_url and not send_to_response_url(client, response_url, text, blocks, replace_original=True):
        log.info("ephemeral card %s not refreshed: its response_url expired", ref.encode())
    elif channel and ts:
        _update(client, channel, ts, text, blocks)
    for post in copies:
        if post.kind == "card" and (post.channel, post.ts) != (channel, ts):
            _update(client, post.channel, post.ts, text, blocks)


def _update(client: WebClient, channel: str, ts: str, text: str, blocks: list[Block]) -> None:
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as error:  # a deleted or unreachable copy must not stop the others
        log.info("card copy %s/%s not updated: %s", channel, ts, error.response.get("error"))
