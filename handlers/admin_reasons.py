"""`/salesbot admin` → `Lost and disqualify reasons`: add, rename, retire (and offer again)."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.ids import parse_id
from bot.refusals import Refused
from bot.services import reasons
from bot.surface import Surface
from bot.views.admin_menu import ADMIN_REASONS
from bot.views.admin_reasons import (
    ADMIN_REASON_ADD,
    ADMIN_REASON_ROW,
    KIND_CHOICES,
    VIEW_REASON_ADD,
    VIEW_REASON_RENAME,
    add_reason_modal,
    parse_row_value,
    reasons_modal,
    rename_reason_modal,
)
from bot.views.inputs import ModalState
from handlers.admin_access import admin_in, current_view_id, parent_view, redraw
from handlers.listeners import after_ack, later, refusals_as_field_errors
from handlers.replies import open_view
from store.db import transaction


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    after_ack(app, deps, ADMIN_REASONS, functools.partial(open_reasons, deps))
    after_ack(app, deps, re.compile(rf"^{ADMIN_REASON_ROW}_\d+$"), functools.partial(row_chosen, deps))
    after_ack(app, deps, ADMIN_REASON_ADD, functools.partial(open_add, deps))
    app.view(VIEW_REASON_ADD)(refusals_as_field_errors(functools.partial(add_submitted, deps)))
    app.view(VIEW_REASON_RENAME)(refusals_as_field_errors(functools.partial(rename_submitted, deps)))


def open_reasons(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    open_view(client, body, _reasons_view(deps, body))


def open_add(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        admin_in(session, deps, body)
    open_view(client, body, add_reason_modal(current_view_id(body)))


def row_chosen(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    """`Rename` opens its modal; `Retire` / `Offer again` change the reason and redraw the list."""
    action = (body.get("actions") or [{}])[0]
    parsed = parse_row_value(str((action.get("selected_option") or {}).get("value") or ""))
    if parsed is None:
        raise Refused(reasons.GONE)
    verb, reason_id = parsed
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        if verb == "rename":
            row, kind = reasons.find(session, who.team_id, reason_id)
        else:
            change = reasons.retire if verb == "retire" else reasons.restore
            change(session, team_id=who.team_id, reason_id=reason_id, actor=who.user_id, now=deps.clock())
    if verb == "rename":
        open_view(client, body, rename_reason_modal(current_view_id(body), row, kind))
    else:
        redraw(client, current_view_id(body), functools.partial(_reasons_view, deps, body))


def add_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    state = ModalState(view)
    kind = KIND_CHOICES.get(state.selected("kind"), "") or state.selected("kind")
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        reasons.add(session, team_id=who.team_id, kind=kind, name=_name(state), actor=who.user_id, now=deps.clock())
    ack()
    later(deps, client, body, redraw, client, parent_view(view), functools.partial(_reasons_view, deps, body))


def rename_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    try:
        reason_id = parse_id(str(json.loads(view.get("private_metadata") or "{}").get("reason", "")))
    except (ValueError, AttributeError):
        reason_id = None
    if reason_id is None:
        raise Refused(reasons.GONE)
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        reasons.rename(session, team_id=who.team_id, reason_id=reason_id, name=_name(ModalState(view)),
                       actor=who.user_id, now=deps.clock())  # fmt: skip
    ack()
    later(deps, client, body, redraw, client, parent_view(view), functools.partial(_reasons_view, deps, body))


def _name(state: ModalState) -> str:
    return state.text("name")


def _reasons_view(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        lost = reasons.listing(session, who.team_id, reasons.LOST)
        disqualify = reasons.listing(session, who.team_id, reasons.DISQUALIFY)
    return reasons_modal(lost, disqualify)
