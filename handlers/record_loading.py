"""Loading the record a button points at, with the workspace and permission checks every action needs
(the rule is bot/services/records.load; this reads the reference and the viewer from Slack's payload)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.deps import Deps
from bot.ids import RecordRef, decode_ref
from bot.services import records as record_service
from bot.services.records import Loaded
from handlers.context import viewer_in
from store.db import transaction


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
    who = viewer_in(session, deps, body)
    return record_service.load(session, who, ref, change=change, kind=kind)
