"""The request bodies Slack sends an app, shaped as the samples in shared/slack-payloads/ (Slack's docs
and Bolt's own fixtures): slash command forms, interaction payloads and Events API envelopes."""

from __future__ import annotations

import itertools
import time
from typing import Any

APP_ID = "A0PLAYGRND"
BOT_ID = "B0PLAYGRND"
VERIFICATION_TOKEN = "legacy-verification-token"  # Slack still sends it; apps verify the signature instead
_ids = itertools.count(1)


def trigger_id() -> str:
    return f"{int(time.time())}.{next(_ids)}.{time.time_ns() % 10**12:x}"


def event_id() -> str:
    return f"Ev{time.time_ns() // 1000 % 10**12:012d}{next(_ids)}"


def user_ref(team_id: str, user_id: str, name: str) -> dict[str, Any]:
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def team_ref(team_id: str, domain: str) -> dict[str, Any]:
    return {"id": team_id, "domain": domain}


def slash_command(
    *, team_id: str, domain: str, user_id: str, user_name: str, channel_id: str, channel_name: str,
    command: str, text: str, response_url: str, trigger: str,
) -> dict[str, str]:  # fmt: skip
    """The form fields of a slash command (slash_command.docs.form.txt), in Slack's order."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger,
    }


def interaction(
    kind: str, *, team: dict[str, Any], user: dict[str, Any], trigger: str, **fields: Any
) -> dict[str, Any]:
    """The common head of block_actions, view_submission, view_closed, shortcut and message_action."""
    return {
        "type": kind,
        "user": user,
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger,
        "team": team,
        "enterprise": None,
        "is_enterprise_install": False,
        **fields,
    }


def view_payload(view: dict[str, Any], *, team_id: str, state: dict[str, Any]) -> dict[str, Any]:
    """A view as Slack echoes it in payloads (view_submission.bolt_python_fixture.json)."""
    return {
        "id": view.get("id", ""),
        "team_id": team_id,
        "type": view.get("type", "modal"),
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": state},
        "hash": view.get("hash", ""),
        "title": view.get("title"),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": view.get("previous_view_id"),
        "root_view_id": view.get("root_view_id", view.get("id", "")),
        "app_id": APP_ID,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }


def event_callback(event: dict[str, Any], *, team_id: str, bot_user_id: str) -> dict[str, Any]:
    """The Events API envelope (message_thread_reply_channel.bolt_python_fixture.json)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],  # fmt: skip
        "is_ext_shared_channel": False,
    }


def message_event(
    *, team_id: str, user_id: str, channel_id: str, text: str, ts: str, thread_ts: str | None = None,
    parent_user_id: str | None = None, channel_type: str = "channel", real_name: str = "",
) -> dict[str, Any]:  # fmt: skip
    name = (real_name or user_id).split()[0].lower()
    event: dict[str, Any] = {
        "user": user_id,
        "type": "message",
        "ts": ts,
        "client_msg_id": f"{next(_ids):08x}-0000-4000-8000-{time.time_ns() % 10**12:012x}",
        "text": text,
        "team": team_id,
        "user_team": team_id,
        "source_team": team_id,
        "user_profile": {"real_name": real_name or user_id, "display_name": real_name, "name": name, "team": team_id,
                         "first_name": (real_name or user_id).split()[0], "is_restricted": False,
                         "is_ultra_restricted": False},
        "blocks": [{"type": "rich_text", "block_id": f"r{next(_ids)}", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": _unescape(text)}]}]}],
        "channel": channel_id,
        "event_ts": ts,
        "channel_type": channel_type,
    }  # fmt: skip
    if thread_ts:
        event["thread_ts"] = thread_ts
        if parent_user_id:
            event["parent_user_id"] = parent_user_id
    return event


def app_home_opened(*, user_id: str, channel_id: str, view: dict[str, Any] | None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel_id,
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return event


def _unescape(text: str) -> str:
    """rich_text carries what the person typed; `text` carries it escaped (`&amp;`, `&lt;`, `&gt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
