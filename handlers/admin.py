"""`/salesbot admin` (admins only): roles and teams used by every permission check and the digests."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.ids import VIEW_ADMIN
from bot.services import teams as team_service
from bot.surface import Surface
from bot.views.admin import admin_modal, validate_admin
from bot.views.inputs import submitted_values
from handlers.context import team_id, user_id, viewer
from handlers.listeners import later
from handlers.replies import open_view
from store.db import transaction
from store.teams import list_teams
from store.users import users_with_role

ADMINS_ONLY = "Only salesbot admins (workspace owners and admins, or ADMIN_USER_IDS) can use `/salesbot admin`."


def register(surface: Surface, deps: Deps) -> None:
    def admin_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        if not (viewer(deps, body).is_admin or _slack_admin(client, body)):
            ack(text=ADMINS_ONLY, response_type="ephemeral")
            return
        ack()
        with transaction(deps.new_session) as session:
            current = list_teams(session, team_id=team_id(body))
            admins = users_with_role(session, team_id=team_id(body), role="admin")
        later(deps, client, body, open_view, client, body, admin_modal(current, admins), push=False)

    surface.salesbot_subcommands["admin"] = admin_command

    @surface.app.view(VIEW_ADMIN)
    def admin_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        if not viewer(deps, body).is_admin:
            ack(response_action="errors", errors={"users": ADMINS_ONLY})
            return
        change, errors = validate_admin(submitted_values(view["state"]))
        if change is None:
            ack(response_action="errors", errors=errors)
            return
        team = team_id(body)
        with transaction(deps.new_session) as session:
            actor, now = user_id(body), deps.clock()
            if change["users"]:
                team_service.set_roles(
                    session, team_id=team, users=change["users"], role=change["role"], actor=actor, now=now
                )
            if change["team"]:
                team_service.save_team(session, team_id=team, name=change["team"], manager_id=change["manager"],
                                       members=change["members"], actor=actor, now=now)  # fmt: skip
        ack()


def _slack_admin(client: WebClient, body: dict[str, Any]) -> bool:
    """Workspace owners and admins, asked of Slack directly when salesbot has not cached them yet."""
    try:
        user = client.users_info(user=body.get("user_id", ""))["user"]
    except SlackApiError:
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))
