"""`/salesbot admin` (admins only): roles and teams used by every permission check and the digests."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.ids import VIEW_ADMIN
from bot.services import admin as admin_service
from bot.surface import Surface
from bot.views.admin import admin_modal, validate_admin
from bot.views.inputs import submitted_values
from handlers.alerts import bot_can_post
from handlers.context import team_id, user_id, viewer
from handlers.listeners import later
from handlers.replies import open_view
from store.db import transaction

ADMINS_ONLY = "Only salesbot admins (workspace owners and admins, or ADMIN_USER_IDS) can use `/salesbot admin`."


def register(surface: Surface, deps: Deps) -> None:
    surface.salesbot_subcommands["admin"] = functools.partial(admin_command, deps)
    surface.app.view(VIEW_ADMIN)(functools.partial(admin_submitted, deps))


def admin_command(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    if not (viewer(deps, body).is_admin or _slack_admin(client, body)):
        ack(text=ADMINS_ONLY, response_type="ephemeral")
        return
    ack()
    with transaction(deps.new_session) as session:
        current = admin_service.overview(session, team_id=team_id(body))
    view = admin_modal(current.teams, current.admins, current.channels)
    later(deps, client, body, open_view, client, body, view, push=False)


def admin_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
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
    with transaction(deps.new_session) as session:
        admin_service.save_change(session, team_id=team_id(body), change=change, actor=user_id(body), now=deps.clock())
    ack()


def _channel_problems(client: WebClient, channels: dict[str, str]) -> dict[str, str]:
    """The bot joins a public wins or leads channel; a private one must invite it first."""
    problems = {f"{purpose}_channel": bot_can_post(client, channel) for purpose, channel in channels.items() if channel}
    return {block: problem for block, problem in problems.items() if problem}


def _slack_admin(client: WebClient, body: dict[str, Any]) -> bool:
    """Workspace owners and admins, asked of Slack directly when salesbot has not cached them yet."""
    try:
        user = client.users_info(user=body.get("user_id", ""))["user"]
    except SlackApiError:
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))
