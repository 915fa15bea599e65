"""Message events: replies in threads under record posts (and their edits and deletions), and CSV
files sent to the bot in DM (imported as leads)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.services import threads as thread_service
from bot.surface import Surface
from handlers.imports import is_csv, run_import
from store.db import transaction


def register(surface: Surface, deps: Deps) -> None:
    surface.subscribe("message.channels", "message.groups", "message.im")

    @surface.event("message", "message.channels")
    def on_message(ack: Ack, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        ack()
        team = body.get("team_id", "")
        subtype = event.get("subtype")
        with transaction(deps.new_session) as session:
            if subtype == "message_changed":
                message = event.get("message") or {}
                thread_service.edit_reply(session, team_id=team, channel=event.get("channel", ""), message=message)
            elif subtype == "message_deleted":
                ts = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts", "")
                thread_service.delete_reply(
                    session, team_id=team, channel=event.get("channel", ""), ts=ts, now=deps.clock()
                )
            elif subtype in (None, "thread_broadcast", "file_share"):
                thread_service.capture_reply(session, team_id=team, event=event, now=deps.clock())
        if event.get("channel_type") == "im" and not event.get("bot_id") and event.get("files"):
            _import_sent_csv(deps, client, team, event)


def _import_sent_csv(deps: Deps, client: WebClient, team: str, event: dict[str, Any]) -> None:
    """A CSV sent to the bot in DM is imported as leads owned by the sender."""
    for file in event.get("files") or []:
        if is_csv(file):
            deps.background.submit(run_import, deps, client, team, event.get("user", ""), file)
