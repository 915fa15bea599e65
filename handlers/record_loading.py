"""Loading the record a button points at, with the workspace and permission checks every action needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.deps import Deps
from bot.domain.permissions import may_change
from bot.ids import RecordRef, decode_ref
from bot.messages import NOT_ALLOWED, RECORD_NOT_FOUND
from handlers.context import viewer_in
from store.access import Viewer
from store.db import transaction
from store.records import Record, change_facts, get_record


@dataclass
class Loaded:
    ref: RecordRef
    record: Record
    viewer: Viewer


def action_ref(body: dict[str, Any]) -> RecordRef | None:
    """The record reference in the clicked button's value (or selected option), if any."""
    action = (body.get("actions") or [{}])[0]
    value = action.get("value") or (action.get("selected_option") or {}).get("value")
    try:
        return decode_ref(value)
    except ValueError:
        return None


def load_record(deps: Deps, body: dict[str, Any], ref: RecordRef | None, *, change: str | None) -> Loaded | str:
    """The record, or the message to show. `change` names the action when it modifies the record,
    e.g. "log a call", and then only the owner, sharees, the owner's manager and admins pass."""
    if ref is None:
        return RECORD_NOT_FOUND
    with transaction(deps.new_session) as session:  # one transaction: every button click runs this
        who = viewer_in(session, deps, body)
        record = get_record(session, team_id=who.team_id, record_type=ref.record_type, record_id=ref.record_id)
        if record is None:
            return RECORD_NOT_FOUND
        if change and not may_change(**change_facts(session, viewer=who, record=record, record_type=ref.record_type)):  # type: ignore[arg-type]
            return NOT_ALLOWED.format(action=change)
    return Loaded(ref, record, who)
