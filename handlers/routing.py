"""Routing on Slack: `Claim` on leads-channel posts (the first click wins; the others are told who took
it) and `Reassign by rules`, an admin's overflow option on lead cards."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.domain.kinds import RecordType
from bot.ids import LEAD_CLAIM, LEAD_MORE, RecordRef
from bot.messages import LEAD_NOT_FOUND
from bot.refusals import Refused
from bot.services import routing as routing_service
from bot.services.assignment import Assignment
from bot.services.tasks import user_may_work
from bot.surface import Surface
from bot.views.leads import REASSIGN_BY_RULES
from bot.views.markup import mention
from bot.views.routing_claims import claimed_dm, claimed_post, taken_notice
from handlers.assignment import tell_owners
from handlers.cards import post_card, refresh_card, source_of
from handlers.context import team_id, user_id, viewer_in
from handlers.listeners import after_ack
from handlers.record_loading import action_ref
from handlers.replies import reply_ephemeral
from store.db import transaction


def register(surface: Surface, deps: Deps) -> None:
    surface.uses("chat:write")
    after_ack(surface.app, deps, LEAD_CLAIM, functools.partial(claim, deps))
    after_ack(surface.app, deps, LEAD_MORE, functools.partial(more, deps))


def claim(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    ref = action_ref(body)
    if ref is None or ref.record_type != RecordType.LEAD:
        raise Refused(LEAD_NOT_FOUND)
    team, user, now = team_id(body), user_id(body), deps.clock()
    with transaction(deps.new_session) as session:
        outcome = routing_service.claim(session, team_id=team, lead_id=ref.record_id, user_id=user, now=now)
    if outcome.lead is None:
        raise Refused(LEAD_NOT_FOUND)
    if not outcome.won:
        reply_ephemeral(client, body, taken_notice(outcome.owner, outcome.lead.topic))
        return
    text, blocks = claimed_post(outcome.lead, user, now)
    where = source_of(body)
    if where.get("channel") and where.get("ts"):
        _update(client, where["channel"], where["ts"], text, blocks)
    dm_text, intro = claimed_dm(outcome.lead)
    post_card(deps, client, team, ref, to_user=user, text=dm_text, intro=[intro])


def _update(client: WebClient, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
    # the claim stands either way; a post left with its Claim button now answers who took it
    with contextlib.suppress(SlackApiError):
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)


def more(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    """The lead card's overflow: today only `Reassign by rules`."""
    action = (body.get("actions") or [{}])[0]
    chosen = ((action.get("selected_option") or {}).get("text") or {}).get("text")
    if chosen != REASSIGN_BY_RULES:
        raise Refused("That option is not available any more.")
    ref = action_ref(body)
    if ref is None or ref.record_type != RecordType.LEAD:
        raise Refused(LEAD_NOT_FOUND)
    by, now = user_id(body), deps.clock()
    with transaction(deps.new_session) as session:
        who = viewer_in(session, deps, body)
        lead, routed, done = routing_service.reassign_by_rules(
            session, who.team_id, ref.record_id, by=by, is_admin=who.is_admin, now=now,
            reminder_minutes=deps.settings.reminder_minutes_before,
        )  # fmt: skip
        keeps = bool(done and done.previous) and user_may_work(
            session,
            record=lead,
            record_type=RecordType.LEAD,
            user_id=done.previous if done else "",
            admin_ids=deps.admin_ids,
        )
    _after_reassign(deps, client, body, ref, lead.topic, routed, done, keeps)


def _after_reassign(
    deps: Deps,
    client: WebClient,
    body: dict[str, Any],
    ref: RecordRef,
    title: str,
    routed: routing_service.Routed,
    done: Assignment | None,
    keeps: bool,
) -> None:
    team, by = team_id(body), user_id(body)
    where = source_of(body)
    refresh_card(deps, client, team, ref, channel=where.get("channel", ""), ts=where.get("ts", ""),
                 response_url=where.get("response_url", ""))  # fmt: skip
    if done is not None and done.previous:
        tell_owners(deps, client, team, ref, by, title, done, keeps)
    elif done is not None and done.owner != by:
        post_card(deps, client, team, ref, to_user=done.owner, text="Assigned to you: {card}")
    if done is not None:
        reply_ephemeral(client, body, f"Reassigned by {routed.why}: {mention(routed.owner)} owns it now.")
    else:
        reply_ephemeral(client, body, f"Back in <#{routed.channel}>, waiting for someone to claim it.")
