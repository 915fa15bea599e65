"""`/salesbot alerts`: a channel's alert subscriptions (from a DM: every one the user may manage),
`Add alert`, and `Pause` / `Resume` / `Remove` per subscription."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.alerts import validate_subscription
from bot.ids import ALERT_ADD, ALERT_PAUSE, ALERT_REMOVE, ALERT_RESUME, VIEW_ADD_ALERT, parse_id
from bot.refusals import Refused
from bot.services import alerts as alert_service
from bot.services.processes import library_in
from bot.services.teams import team_names
from bot.surface import Surface
from bot.views.alerts import NOT_A_CHANNEL, PRIVATE_CHANNEL, add_alert_modal, alerts_modal
from bot.views.inputs import submitted_values
from handlers.context import viewer, viewer_in
from handlers.listeners import after_ack, later, refusals_as_field_errors
from handlers.replies import join_channel, open_view
from store.db import transaction

GONE = "That alert no longer exists."


def register(surface: Surface, deps: Deps) -> None:
    surface.salesbot_subcommands["alerts"] = functools.partial(alerts_command, deps)
    surface.uses("channels:read", "groups:read", "channels:join", "chat:write")
    app = surface.app
    after_ack(app, deps, ALERT_ADD, functools.partial(show_add_form, deps))
    after_ack(app, deps, ALERT_PAUSE, functools.partial(change_status, deps, "paused"))
    after_ack(app, deps, ALERT_RESUME, functools.partial(change_status, deps, "active"))
    after_ack(app, deps, ALERT_REMOVE, functools.partial(remove_subscription, deps))
    app.view(VIEW_ADD_ALERT)(refusals_as_field_errors(functools.partial(alert_submitted, deps)))


def alerts_command(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    if not alert_service.may_manage(viewer(deps, body)):
        ack(text=alert_service.MANAGERS_ONLY, response_type="ephemeral")
        return
    ack()
    later(deps, client, body, open_alerts, deps, client, body, command_channel(body))


def command_channel(body: dict[str, Any]) -> str:
    """The channel a command was typed in; "" in a direct message (the list then spans channels)."""
    channel = str(body.get("channel_id") or "")
    return "" if channel.startswith("D") or body.get("channel_name") == "directmessage" else channel


def open_alerts(deps: Deps, client: WebClient, body: dict[str, Any], channel: str) -> None:
    with transaction(deps.new_session) as session:
        lines = alert_service.listing(session, viewer_in(session, deps, body), channel_id=channel)
    open_view(client, body, alerts_modal(lines, channel_id=channel), push=False)


def _view_channel(body: dict[str, Any]) -> str:
    return str((body.get("view") or {}).get("private_metadata") or "")


def show_add_form(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    """`Add alert` turns the list into the form (one modal: submitting it shows the list again)."""
    with transaction(deps.new_session) as session:
        alert_service.require_manager(viewer_in(session, deps, body))
        team = str((body.get("team") or {}).get("id") or "")
        team_options = _team_options(session, team)
        names = [process.name for process in library_in(session, team).all]
    view = add_alert_modal(channel_id=_view_channel(body), teams=team_options, process_names=names)
    client.views_update(view_id=body["view"]["id"], view=view)


def _team_options(session: Any, team: str) -> list[tuple[str, str]]:
    """(value, label) of the workspace's teams: both the team's name."""
    return [(name, name) for name in team_names(session, team_id=team)]


def _subscription_id(body: dict[str, Any]) -> int:
    found = parse_id(str((body.get("actions") or [{}])[0].get("value") or ""))
    if found is None:
        raise Refused(GONE)
    return found


def change_status(deps: Deps, status: str, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        who = viewer_in(session, deps, body)
        alert_service.set_status(session, who, _subscription_id(body), status=status)
        lines = alert_service.listing(session, who, channel_id=_view_channel(body))
    client.views_update(view_id=body["view"]["id"], view=alerts_modal(lines, channel_id=_view_channel(body)))


def remove_subscription(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        who = viewer_in(session, deps, body)
        alert_service.remove(session, who, _subscription_id(body))
        lines = alert_service.listing(session, who, channel_id=_view_channel(body))
    client.views_update(view_id=body["view"]["id"], view=alerts_modal(lines, channel_id=_view_channel(body)))


def alert_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    """Validate, make sure the bot can post in the channel, save, and show the list again."""
    channel = str(view.get("private_metadata") or "")
    form, errors = validate_subscription(submitted_values(view["state"]), channel_id=channel)
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    alert_service.require_manager(viewer(deps, body))
    problem = bot_can_post(client, form.channel_id)
    if problem:
        ack(response_action="errors", errors={"event" if channel else "channel": problem})
        return
    with transaction(deps.new_session) as session:
        who = viewer_in(session, deps, body)
        alert_service.add(session, who, form, now=deps.clock())
        lines = alert_service.listing(session, who, channel_id=channel)
    ack(response_action="update", view=alerts_modal(lines, channel_id=channel))


def bot_can_post(client: WebClient, channel: str) -> str | None:
    """The bot joins a public channel itself; a private one must invite it; alerts go to no DM."""
    return join_channel(client, channel, private_hint=PRIVATE_CHANNEL, dm_problem=NOT_A_CHANNEL)
