"""`/salesbot admin` (admins only): roles and teams used by every permission check and the digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.deps import Deps
from bot.ids import VIEW_ADMIN
from bot.services import teams as team_service
from bot.surface import Surface
from bot.views.admin import admin_modal, validate_admin
from bot.views.inputs import submitted_values
from handlers.alerts import bot_can_post
from handlers.context import team_id, user_id, viewer
from handlers.listeners import later
from handlers.replies import open_view
from store.alerts import set_workspace_channel, workspace_channels
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
            channels = workspace_channels(session, team_id=team_id(body))
        later(deps, client, body, open_view, client, body, admin_modal(current, admins, channels), push=False)

    surface.salesbot_subcommands["admin"] = admin_command

    @surface.app.view(VIEW_ADMIN)
    def admin_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        if not viewer(deps, body).is_admin:
            ack(response_action="errors", errors={"users": ADMINS_ONLY})
            return
        change, errors = validate_admin(submitted_values(view["state"]))
        if change is None:
            ack(response_action="errors", errors=errors)
            return
        channel_errors = _channel_problems(client, change["channels"])
        if channel_errors:
            ack(response_action="errors", errors=channel_errors)
            return
        team = team_id(body)
        with transaction(deps.new_session) as session:
            _save_channels(session, team, change["channels"], user_id(body), deps.clock())
            actor, now = user_id(body), deps.clock()
            if change["users"]:
                team_service.set_roles(
                    session, team_id=team, users=change["users"], role=change["role"], actor=actor, now=now
                )
            if change["team"]:
                team_service.save_team(session, team_id=team, name=change["team"], manager_id=change["manager"],
                                       members=change["members"], actor=actor, now=now)  # fmt: skip
        ack()


def _channel_problems(client: WebClient, channels: dict[str, str]) -> dict[str, str]:
    """The bot joins a public wins or leads channel; a private one must invite it first."""
    problems = {f"{purpose}_channel": bot_can_post(client, channel) for purpose, channel in channels.items() if channel}
    return {block: problem for block, problem in problems.items() if problem}


def _save_channels(session: Session, team: str, channels: dict[str, str], user: str, now: datetime) -> None:
    for purpose, channel in channels.items():
        if channel:
            set_workspace_channel(session, team_id=team, purpose=purpose, channel_id=channel, user_id=user, now=now)


def _slack_admin(client: WebClient, body: dict[str, Any]) -> bool:
    """Workspace owners and admins, asked of Slack directly when salesbot has not cached them yet."""
    try:
        user = client.users_info(user=body.get("user_id", ""))["user"]
    except SlackApiError:
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))
