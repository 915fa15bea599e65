"""The Slack app manifest, generated from what the handlers register."""

from __future__ import annotations

from typing import Any

import yaml

from bot.surface import Shortcut, SlashCommand, Surface

APP_NAME = "salesbot"
DESCRIPTION = "Leads, opportunities, reminders and pipeline charts without leaving Slack."


EVENTS_PATH, REDIRECT_PATH = "/slack/events", "/slack/oauth_redirect"


def build_manifest(
    surface: Surface, *, url: str | None = None, socket_mode: bool = False, oauth: bool = False
) -> dict[str, Any]:
    """`oauth`: distributed to several workspaces (`url` may be the host or its /slack/events): the OAuth
    redirect URL and token rotation on, the same scopes."""
    base = (url or "https://example.com").removesuffix(EVENTS_PATH).rstrip("/")
    request_url = _request_url(url, base, socket_mode=socket_mode, oauth=oauth)
    events: dict[str, Any] = {"bot_events": sorted(surface.events)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if request_url:
        events["request_url"] = request_url
        interactivity["request_url"] = request_url
        interactivity["message_menu_options_url"] = request_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {"name": APP_NAME, "description": DESCRIPTION, "background_color": "#1d3b6e"},
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "shortcuts": [_shortcut_entry(s) for s in surface.shortcuts],
            "slash_commands": [_command_entry(c, request_url) for c in surface.commands],
        },
        "oauth_config": {
            **({"redirect_urls": [base + REDIRECT_PATH]} if oauth else {}),
            "scopes": {"bot": sorted(surface.scopes)},
        },
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": oauth,
        },
    }


def _command_entry(command: SlashCommand, request_url: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"command": command.name, "description": command.description, "should_escape": False}
    if command.usage_hint:
        entry["usage_hint"] = command.usage_hint
    if request_url:
        entry["url"] = request_url
    return entry


def _shortcut_entry(shortcut: Shortcut) -> dict[str, Any]:
    return {
        "name": shortcut.name,
        "type": shortcut.type,
        "callback_id": shortcut.callback_id,
        "description": shortcut.description,
    }


def _request_url(url: str | None, base: str, *, socket_mode: bool, oauth: bool) -> str | None:
    if socket_mode:
        return None
    return base + EVENTS_PATH if oauth else url or "https://example.com/slack/events"


def manifest_yaml(surface: Surface, *, url: str | None = None, socket_mode: bool = False, oauth: bool = False) -> str:
    return yaml.safe_dump(
        build_manifest(surface, url=url, socket_mode=socket_mode, oauth=oauth), sort_keys=False, allow_unicode=True
    )
