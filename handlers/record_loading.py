"""Loading the record a button points at, with the workspace and permission checks every action needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.deps import Deps
from bot.domain.kinds import RecordType
from bot.domain.permissions import may_change
from bot.ids import RecordRef, decode_ref
from bot.messages import LEAD_NOT_FOUND, NOT_ALLOWED, RECORD_NOT_FOUND
from bot.refusals import Refused
from handlers.context import viewer_in
from store.access import Viewer
from store.db import transaction
from store.records import Record, change_facts, get_record

GONE: dict[str, str] = {RecordType.LEAD: LEAD_NOT_FOUND, RecordType.OPPORTUNITY: RECORD_NOT_FOUND}


@dataclass
class Loaded:
    ref: RecordRef
    record: Record
    viewer: Viewer


def action_ref(body: dict[str, Any]) -> RecordRef | None:
    """The record reference in the clicked button's value (or selected option), if any."""
    action = (body.get("actions") or [{}])[0]
    value = action.get("value") or (action.get("selected_option") or {}).get("value")
    return safe_ref(value)


def safe_ref(value: Any) -> RecordRef | None:
    """A record reference carried by Slack, or None when it is not one (untrusted input)."""
    try:
        return decode_ref(value)
    except (ValueError, TypeError, OverflowError):
        return None


def load_record(
    deps: Deps, body: dict[str, Any], ref: RecordRef | None, *, change: str | None, kind: str | None = None
) -> Loaded:
    """The record, or `Refused` with the message to show. `change` names the action when it modifies
    the record, e.g. "log a call", and then only the owner, sharees, the owner's manager and admins
    pass. `kind` ("lead" or "opportunity") refuses a reference to another kind of record."""
    with transaction(deps.new_session) as session:
        return load_record_in(session, deps, body, ref, change=change, kind=kind)


def load_record_in(
    session: Session,
    deps: Deps,
    body: dict[str, Any],
    ref: RecordRef | None,
    *,
    change: str | None,
    kind: str | None = None,
) -> Loaded:
    """`load_record` inside the caller's transaction, so a click that writes reads the record once."""
    gone = GONE.get(kind or "", RECORD_NOT_FOUND)
    if ref is None or (kind and ref.record_type != kind):
        raise Refused(gone)
    who = viewer_in(session, deps, body)
    record = get_record(session, team_id=who.team_id, record_type=ref.record_type, record_id=ref.record_id)
    if record is None:
        raise Refused(gone)
    if change and not may_change(**change_facts(session, viewer=who, record=record, record_type=ref.record_type)):  # type: ignore[arg-type]
        raise Refused(NOT_ALLOWED.format(action=change))
    return Loaded(ref, record, who)
