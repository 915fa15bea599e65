"""Message events: replies in threads under record posts (and their edits and deletions)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot import thread_service
from bot.deps import Deps
from bot.surface import Surface
from store.db import transaction


def register(surface: Surface, deps: Deps) -> None:
    surface.subscribe("message.channels", "message.groups", "message.im")

    @surface.event("message", "message.channels")
    def on_message(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
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
