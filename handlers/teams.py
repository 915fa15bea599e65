"""Teams on the Slack surface: the card's `Share` (Users and Teams) and `Remove` on a team in
`/salesbot admin`. Saving a share is the card modal path (handlers/card_buttons.py); saving a team is
the admin modal's (handlers/admin.py)."""

from __future__ import annotations

import functools
from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.ids import RECORD_SHARE
from bot.refusals import Refused
from bot.services import admin as admin_service
from bot.services import teams as team_service
from bot.surface import Surface
from bot.views.activity_modals import ModalContext, share_modal
from bot.views.admin import ADMIN_AUDIT_LOG, ADMIN_TEAM_REMOVE, admin_modal, audit_log_modal
from handlers.admin_access import admin_in
from handlers.cards import opened_from
from handlers.listeners import after_ack
from handlers.record_loading import action_ref, load_record
from handlers.replies import open_view
from store.db import transaction


def register(surface: Surface, deps: Deps) -> None:
    after_ack(surface.app, deps, RECORD_SHARE, functools.partial(open_share, deps))
    after_ack(surface.app, deps, ADMIN_TEAM_REMOVE, functools.partial(remove_team, deps))
    after_ack(surface.app, deps, ADMIN_AUDIT_LOG, functools.partial(show_audit_log, deps))


def show_audit_log(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    """`Audit log` in the admin modal: the latest admin changes (admins only)."""
    with transaction(deps.new_session) as session:
        entries = admin_service.audit_log(session, team_id=admin_in(session, deps, body).team_id)
    open_view(client, body, audit_log_modal(entries))


def open_share(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    """The Share modal: `Users`, and `Teams` listing the workspace's teams."""
    loaded = load_record(deps, body, action_ref(body), change="share it")
    with transaction(deps.new_session) as session:
        teams = team_service.team_choices(session, team_id=loaded.viewer.team_id)
    ctx = opened_from(body, ModalContext(ref=loaded.ref.encode()))
    open_view(client, body, share_modal(ctx, loaded.record.topic, teams))


def remove_team(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    """`Remove` next to a team in the admin modal: admins only (a replayed click from anyone else
    changes nothing); the modal is redrawn without it."""
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        if not value.isdigit() or len(value) > 18:
            raise Refused(team_service.TEAM_GONE)
        team_service.remove_team(
            session, team_id=who.team_id, sales_team_id=int(value), actor=who.user_id, now=deps.clock()
        )
    with transaction(deps.new_session) as session:
        teams, admins = admin_service.roster(session, team_id=who.team_id)
    view = admin_modal(teams, admins)
    current = body.get("view") or {}
    if current.get("id"):
        client.views_update(view_id=current["id"], view=view)
