"""`Open deal room` on an opportunity card: a channel for the deal, its people invited, the card
posted and pinned. A failure the person can act on is told to them, and a half-made room is archived."""

from __future__ import annotations

import functools
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import SettingsError
from bot.deps import Deps
from bot.domain.deal_rooms import RoomRuleError, room_name
from bot.domain.kinds import RecordType
from bot.ids import OPP_DEAL_ROOM, RecordRef
from bot.refusals import Refused
from bot.services import deal_rooms as room_service
from bot.surface import Surface
from handlers.cards import post_card
from handlers.listeners import after_ack
from handlers.record_loading import action_ref, load_record
from handlers.replies import open_dm, reply_ephemeral
from store.db import transaction
from store.models import Opportunity

log = logging.getLogger("salesbot.deal_rooms")
NAME_ATTEMPTS = 20
RESTRICTED = "Your workspace does not let apps create channels, so no deal room was opened. A Slack admin can allow it."
MISSING_SCOPE = ("salesbot lacks the `{scope}` permission, so no deal room was opened. An admin must reinstall the app "
                 "from the new manifest (`salesbot manifest`).")  # fmt: skip
NAMES_TAKEN = "Every name for this deal's room is taken; rename one of the `{name}` channels and try again."
ALREADY = "This deal already has a room: <#{channel}>."
OPENED = ":door: Deal room <#{channel}> is open; its card is pinned there."
AUTOMATIC = ":door: Deal room <#{channel}> was opened automatically: {why}."
AUTOMATIC_FAILED = "This deal should get a deal room by your workspace's rules, but:"
REOPENED = "The deal was reopened; its earlier room, archived, is <#{old}>."


def register(surface: Surface, deps: Deps) -> None:
    surface.uses("channels:manage", "groups:write", "pins:write", "chat:write")
    try:
        room_service.room_rule(deps.settings)
    except RoomRuleError as error:
        raise SettingsError(f"setting PROCESS_FILE is invalid: {error}") from None
    after_ack(surface.app, deps, OPP_DEAL_ROOM, functools.partial(open_deal_room, deps))


def open_deal_room(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_record(deps, body, action_ref(body), change="open a deal room", kind=RecordType.OPPORTUNITY)
    opportunity, user = loaded.record, loaded.viewer.user_id
    assert isinstance(opportunity, Opportunity)
    with transaction(deps.new_session) as session:
        existing = room_service.existing_room(session, opportunity)
        people = room_service.invitees(session, opportunity, asked_by=user)
    if existing is not None:
        reply_ephemeral(client, body, ALREADY.format(channel=existing.channel_id))
        return
    channel = open_room(deps, client, opportunity, people, user)
    reply_ephemeral(client, body, OPENED.format(channel=channel))


def open_room(deps: Deps, client: WebClient, opportunity: Opportunity, people: list[str], user: str) -> str:
    """Create, furnish and remember the deal's room; returns its channel. Half-made rooms are archived."""
    channel, name = create_channel(client, opportunity, private=deps.settings.deal_room_private)
    try:
        furnish(deps, client, opportunity, channel, people)
        with transaction(deps.new_session) as session:
            room_service.record_room(session, opportunity, channel_id=channel, name=name, user_id=user,
                                     now=deps.clock())  # fmt: skip
    except Exception:
        _archive_quietly(client, channel)  # nothing half-done left behind
        raise
    return channel


def open_by_rule(deps: Deps, client: WebClient, team: str, opportunity_id: int, user: str) -> None:
    """After a deal is created or edited: open its room when `[deal_rooms]` (the workspace's uploaded
    process file, else PROCESS_FILE) asks for one.
    The owner hears of it, or of why it could not be opened."""
    with transaction(deps.new_session) as session:
        rule = room_service.rule_for(session, team, deps.settings)
        opportunity = room_service.opportunity(session, team_id=team, opportunity_id=opportunity_id)
        if rule is None or opportunity is None:
            return
        why = room_service.automatic_room_reason(session, rule, opportunity)
        people = room_service.invitees(session, opportunity, asked_by=user) if why else []
    if not why:
        return
    dm = open_dm(client, opportunity.owner_id)
    try:
        channel = open_room(deps, client, opportunity, people, user)
    except Refused as refused:
        client.chat_postMessage(channel=dm, text=f"{AUTOMATIC_FAILED} {refused}")
        return
    client.chat_postMessage(channel=dm, text=AUTOMATIC.format(channel=channel, why=why))


def reopen_room(deps: Deps, client: WebClient, body: dict[str, Any], opportunity: object, user: str) -> None:
    """A reopened deal whose room was archived gets a new one (bots cannot unarchive) linking the old."""
    if not isinstance(opportunity, Opportunity):
        return
    with transaction(deps.new_session) as session:
        old = room_service.archived_channel(session, opportunity)
        people = room_service.invitees(session, opportunity, asked_by=user) if old else []
    if old is None:
        return
    channel = open_room(deps, client, opportunity, people, user)
    client.chat_postMessage(channel=channel, text=REOPENED.format(old=old))
    reply_ephemeral(client, body, OPENED.format(channel=channel) + " " + REOPENED.format(old=old))


def create_channel(client: WebClient, opportunity: Opportunity, *, private: bool) -> tuple[str, str]:
    """Create the room's channel under the first free name; returns (channel id, name)."""
    for attempt in range(1, NAME_ATTEMPTS + 1):
        name = room_name(opportunity.account_name, opportunity.topic, attempt)
        try:
            created = client.conversations_create(name=name, is_private=private)
        except SlackApiError as error:
            code = error.response.get("error")
            if code == "name_taken":
                continue
            if code == "restricted_action":
                raise Refused(RESTRICTED) from None
            if code == "missing_scope":
                needed = error.response.get("needed") or ("groups:write" if private else "channels:manage")
                raise Refused(MISSING_SCOPE.format(scope=needed)) from None
            raise
        return str(created["channel"]["id"]), name
    raise Refused(NAMES_TAKEN.format(name=room_name(opportunity.account_name, opportunity.topic)))


def furnish(deps: Deps, client: WebClient, opportunity: Opportunity, channel: str, people: list[str]) -> None:
    """Topic and purpose, the deal's people, and the card, pinned (kept current like every copy)."""
    about = f"{opportunity.topic} — {opportunity.account_name}".strip(" —")[:250]
    client.conversations_setTopic(channel=channel, topic=about)
    client.conversations_setPurpose(
        channel=channel, purpose=f"Deal room of opportunity #{opportunity.id}: {about}"[:250]
    )
    invite(client, channel, people)
    ref = RecordRef(RecordType.OPPORTUNITY, opportunity.id or 0)
    posted = post_card(deps, client, opportunity.team_id, ref, channel=channel, text="Deal room: {card}")
    if posted is not None:
        client.pins_add(channel=channel, timestamp=posted["ts"])


def invite(client: WebClient, channel: str, people: list[str]) -> None:
    """Everyone at once; when Slack refuses someone (deactivated…), the others one by one."""
    try:
        client.conversations_invite(channel=channel, users=",".join(people))
        return
    except SlackApiError as error:
        log.info("inviting %s to %s: %s; inviting one by one", people, channel, error.response.get("error"))
    for person in people:
        try:
            client.conversations_invite(channel=channel, users=person)
        except SlackApiError as error:
            log.info("%s not invited to %s: %s", person, channel, error.response.get("error"))


def _archive_quietly(client: WebClient, channel: str) -> None:
    try:
        client.conversations_archive(channel=channel)
    except SlackApiError as error:
        log.warning("half-made deal room %s not archived: %s", channel, error.response.get("error"))
