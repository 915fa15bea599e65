"""The last-resort error handler: log it, tell the user plainly, never leak a traceback to Slack."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import BoltResponse
from slack_sdk import WebClient

from bot.deps import Deps
from bot.messages import DATABASE_BUSY, GENERIC_ERROR
from bot.surface import Surface
from bot.views.blocks import modal, section
from handlers.replies import reply_ephemeral
from store.db import DatabaseBusy

log = logging.getLogger("salesbot.errors")


def register(surface: Surface, deps: Deps) -> None:
    @surface.app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse | None:
        if isinstance(error, DatabaseBusy) and body.get("type") == "view_submission":
            return busy_answer(body, error)
        log.error("listener failed: %r", error, exc_info=error)
        if body.get("response_url") and client is not None:
            deps.background.submit(reply_ephemeral, client, body, GENERIC_ERROR)
        return None


def busy_answer(body: dict[str, Any], error: DatabaseBusy) -> BoltResponse:
    """The ack of a submission whose transaction ran out of its budget (bot.app.ACK_DB_BUDGET): the
    modal stays open with the reason on its first input, so the user can submit again."""
    view = body.get("view") or {}
    log.warning("database busy: %s not saved within the ack budget (%s)", view.get("callback_id"), error)
    first = next((b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"), None)
    if first:
        answer: dict[str, Any] = {"response_action": "errors", "errors": {first: DATABASE_BUSY}}
    else:
        answer = {
            "response_action": "update",
            "view": modal("Not saved", [section(DATABASE_BUSY)], callback_id="notice"),
        }
    return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})
