"""`Delete` on a lead card (after Slack's confirm dialog): owners and admins erase the lead's personal
data; every copy of the card then shows a "Deleted lead"."""

from __future__ import annotations

import functools
from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.kinds import RecordType
from bot.ids import LEAD_DELETE
from bot.services import erasure as erasure_service
from bot.surface import Surface
from handlers.cards import refresh_card, source_of
from handlers.listeners import after_ack
from handlers.record_loading import action_ref, load_record_in
from handlers.replies import reply_ephemeral
from store.db import transaction
from store.models import Lead

DELETED = ":wastebasket: Lead deleted: its personal data is erased; the timeline keeps who deleted it."


def register(surface: Surface, deps: Deps) -> None:
    after_ack(surface.app, deps, LEAD_DELETE, functools.partial(delete_lead, deps))


def delete_lead(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, action_ref(body), change=None, kind=RecordType.LEAD)
        assert isinstance(loaded.record, Lead)
        who = loaded.viewer
        erasure_service.delete_lead(session, loaded.record, by=who.user_id, is_admin=who.is_admin, now=deps.clock())
    refresh_card(deps, client, who.team_id, loaded.ref, **source_of(body))
    reply_ephemeral(client, body, DELETED)
