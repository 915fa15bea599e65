"""`/salesbot admin` → `API tokens` (admins only): list, `Create token` (its text shown once), `Revoke`."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.refusals import Refused
from bot.services import api_tokens as token_service
from bot.surface import Surface
from bot.views.inputs import submitted_values
from bot.views.routing_admin import ADMIN_API_TOKENS, API_TOKEN_REVOKE, VIEW_API_TOKENS, tokens_modal
from handlers.admin_access import admin_in
from handlers.listeners import after_ack, refusals_as_field_errors
from handlers.replies import open_view
from store.db import transaction


def register(surface: Surface, deps: Deps) -> None:
    after_ack(surface.app, deps, ADMIN_API_TOKENS, functools.partial(show_tokens, deps))
    after_ack(surface.app, deps, API_TOKEN_REVOKE, functools.partial(revoke, deps))
    surface.app.view(VIEW_API_TOKENS)(refusals_as_field_errors(functools.partial(create, deps)))


def show_tokens(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        tokens = token_service.list_tokens(session, team_id=who.team_id)
    open_view(client, body, tokens_modal(tokens))


def create(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    name = str(submitted_values(view["state"]).get("name") or "")
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        token, text = token_service.create_token(
            session, team_id=who.team_id, name=name, by=who.user_id, now=deps.clock()
        )
        tokens = token_service.list_tokens(session, team_id=who.team_id)
    ack(response_action="update", view=tokens_modal(tokens, created=text, created_name=token.name))


def revoke(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        if not value.isdigit() or len(value) > 18:
            raise Refused("That token no longer exists (revoked already?).")
        token_service.revoke_token(session, team_id=who.team_id, token_id=int(value), by=who.user_id, now=deps.clock())
        tokens = token_service.list_tokens(session, team_id=who.team_id)
    current = body.get("view") or {}
    if current.get("id"):
        client.views_update(view_id=current["id"], view=tokens_modal(tokens))
