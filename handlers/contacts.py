"""A contact's card (from `Open contact` on a stakeholder row) and its `Delete` (after Slack's confirm
dialog): owners of a record with the contact and admins erase its personal data."""

from __future__ import annotations

import functools
from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.ids import RecordRef, parse_id
from bot.refusals import Refused
from bot.services import contacts as contact_service
from bot.services import people as people_service
from bot.surface import Surface
from bot.views.contacts import CONTACT_DELETE, contact_card
from handlers.cards import refresh_card
from handlers.context import team_id, viewer_in
from handlers.listeners import after_ack
from handlers.record_loading import load_record_in, safe_ref
from handlers.replies import replace_message, reply_ephemeral
from store.db import transaction
from store.models import Stakeholder

DELETED = ":wastebasket: Contact deleted: its personal data is erased; the records' timelines keep who deleted it."


def register(surface: Surface, deps: Deps) -> None:
    after_ack(surface.app, deps, CONTACT_DELETE, functools.partial(delete_contact, deps))


def open_contact(deps: Deps, client: WebClient, body: dict[str, Any], row_id: int, *, by_stakeholder: bool) -> None:
    """`Open contact` on a stakeholder row linked to a contact (`row_id` is the stakeholder's) or on
    an opportunity's own contact row (`row_id` is the contact's): the contact's card, to whoever may
    read a record it is on."""
    with transaction(deps.new_session) as session:
        contact_id: int | None = row_id
        if by_stakeholder:
            row = people_service.find_row(session, team_id=team_id(body), kind="stakeholder", row_id=row_id)
            assert isinstance(row, Stakeholder)
            load_record_in(session, deps, body, safe_ref(f"{row.record_type}:{row.record_id}"), change=None)
            contact_id = row.contact_id
        if contact_id is None:
            raise Refused("This stakeholder is not linked to a contact of the account.")
        card = contact_service.contact_card(session, team_id=team_id(body), contact_id=contact_id)
    text, blocks = contact_card(card)
    reply_ephemeral(client, body, text, blocks)


def delete_contact(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    contact_id = parse_id(str((body.get("actions") or [{}])[0].get("value") or ""))
    if contact_id is None:
        raise Refused(contact_service.GONE)
    with transaction(deps.new_session) as session:
        who = viewer_in(session, deps, body)
        changed = contact_service.delete_contact(
            session, team_id=who.team_id, contact_id=contact_id, by=who.user_id, is_admin=who.is_admin, now=deps.clock()
        )
    replace_message(client, body, DELETED)
    for record_type, record_id in changed:
        refresh_card(deps, client, who.team_id, RecordRef(record_type, record_id))
