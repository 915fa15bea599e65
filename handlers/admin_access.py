"""What every `/salesbot admin` part shares: only admins pass (a replayed button or modal from anyone
else changes nothing), files sent through Slack are downloaded with the bot token, a pushed modal
redraws the one under it. (A refusal about one field shows under that field: every modal's submission
is wrapped in handlers.listeners.refusals_as_field_errors.)"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.deps import Deps
from bot.refusals import Refused
from handlers.context import viewer_in
from store.access import Viewer

log = logging.getLogger("salesbot.admin")
ADMINS_ONLY = "Only salesbot admins can use this; nothing was changed."
DOWNLOAD_FAILED = "salesbot could not download the file from Slack; please try again."


def admin_in(session: Session, deps: Deps, body: dict[str, Any]) -> Viewer:
    who = viewer_in(session, deps, body)
    if not who.is_admin:
        raise Refused(ADMINS_ONLY)
    return who


def download(client: WebClient, file: dict[str, Any], *, limit: int, timeout: float = 2.0) -> bytes:
    """A Slack file's content (at most `limit` + 1 bytes are read, so the caller can refuse a big one)."""
    try:
        url = (
            file.get("url_private_download") or client.files_info(file=str(file["id"]))["file"]["url_private_download"]
        )
        request = urllib.request.Request(str(url), headers={"Authorization": f"Bearer {client.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return bytes(response.read(limit + 1))
    except (OSError, SlackApiError, KeyError, TypeError, ValueError) as error:
        log.warning("download of %s failed: %r", file.get("id"), error)
        raise Refused(DOWNLOAD_FAILED) from None


def parent_view(view: dict[str, Any]) -> str:
    """The id of the admin modal a pushed modal was opened over (kept in its private_metadata)."""
    try:
        parent = json.loads(view.get("private_metadata") or "{}").get("parent")
    except (ValueError, AttributeError):
        return ""
    return parent if isinstance(parent, str) and parent.isalnum() and len(parent) < 40 else ""


def redraw(client: WebClient, view_id: str, build: Callable[[], dict[str, Any]]) -> None:
    """Update the admin modal `view_id` (when the person closed it meanwhile, there is nothing to do)."""
    if not view_id:
        return
    try:
        client.views_update(view_id=view_id, view=build())
    except SlackApiError as error:
        log.info("admin view %s not updated: %s", view_id, error.response.get("error"))


def current_view_id(body: dict[str, Any]) -> str:
    view_id = str((body.get("view") or {}).get("id") or "")
    return view_id if view_id.isalnum() and len(view_id) < 40 else ""
