"""`Assign` on lead and opportunity cards: owner, sharees, the owner's manager and admins pick a new owner; the new
owner gets the card in DM, the previous owner is told, and the card is redrawn everywhere."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.kinds import OpportunityStatus, RecordType
from bot.ids import LEAD_ASSIGN, VIEW_ASSIGN, RecordRef
from bot.refusals import Refused
from bot.services import assignment as assignment_service
from bot.services.tasks import user_may_work
from bot.surface import Surface
from bot.views.activity_modals import ModalContext
from bot.views.assignment import assign_modal, new_owner_intro, previous_owner_note
from bot.views.inputs import submitted_values
from handlers.cards import opened_from, post_card, refresh_card
from handlers.context import user_id
from handlers.listeners import after_ack, later, refusals_as_field_errors
from handlers.record_loading import action_ref, load_record, load_record_in, safe_ref
from handlers.replies import open_view
from store.db import transaction

CHANGE = "assign it"


def register(surface: Surface, deps: Deps) -> None:
    surface.uses("chat:write", "im:write")
    after_ack(surface.app, deps, LEAD_ASSIGN, functools.partial(open_assign, deps))
    surface.app.view(VIEW_ASSIGN)(refusals_as_field_errors(functools.partial(assign_submitted, deps)))


def open_assign(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_record(deps, body, action_ref(body), change=CHANGE)
    if loaded.record.status != OpportunityStatus.OPEN and loaded.ref.record_type == RecordType.OPPORTUNITY:
        raise Refused(f"This opportunity is {loaded.record.status}: reopen it first to assign it.")
    ctx = opened_from(body, ModalContext(ref=loaded.ref.encode()))
    view = assign_modal(ctx, loaded.record.topic, loaded.record.owner_id, kind=loaded.ref.record_type)
    open_view(client, body, view)


def assign_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    new_owner = str(submitted_values(view["state"]).get("new_owner") or "")
    ctx = ModalContext.decode(view.get("private_metadata", ""))
    by = user_id(body)
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, safe_ref(ctx.ref), change=CHANGE)
        done = assignment_service.assign(
            session,
            loaded.record,
            record_type=loaded.ref.record_type,
            new_owner=new_owner,
            by=by,
            now=deps.clock(),
            reminder_minutes=deps.settings.reminder_minutes_before,
        )
        keeps = user_may_work(
            session,
            record=loaded.record,
            record_type=loaded.ref.record_type,
            user_id=done.previous,
            admin_ids=deps.admin_ids,
        )
    ack()
    team, ref, title = loaded.viewer.team_id, loaded.ref, loaded.record.topic
    later(deps, client, body, tell_owners, deps, client, team, ref, by, title, done, keeps)
    later(deps, client, body, refresh_card, deps, client, team, ref,
          channel=ctx.channel, ts=ctx.ts, response_url=ctx.response_url)  # fmt: skip


def tell_owners(
    deps: Deps,
    client: WebClient,
    team: str,
    ref: RecordRef,
    by: str,
    title: str,
    done: assignment_service.Assignment,
    keeps_access: bool,
) -> None:
    """The new owner gets the card in DM; the previous owner (unless they assigned it) is told."""
    kind = ref.record_type
    if done.owner != by:
        intro = new_owner_intro(by, kind, done.tasks)
        post_card(deps, client, team, ref, to_user=done.owner, text="Assigned to you: {card}", intro=intro)
    if done.previous != by:
        text, blocks = previous_owner_note(by, kind, title, done.owner, keeps_access)
        client.chat_postMessage(channel=done.previous, text=text, blocks=blocks)
