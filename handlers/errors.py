"""The last-resort error handler for listeners that fail before or during the ack: a refusal is
shown to the user, anything else is logged and answered plainly — never a traceback to Slack."""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from slack_bolt import BoltResponse
from slack_sdk import WebClient

from bot.deps import Deps
from bot.messages import DATABASE_BUSY, GENERIC_ERROR
from bot.refusals import Refused
from bot.surface import Surface
from handlers.listeners import first_input, later
from handlers.replies import reply_ephemeral
from store.db import DatabaseBusy

log = logging.getLogger("salesbot.errors")


def register(surface: Surface, deps: Deps) -> None:
    surface.app.error(functools.partial(on_error, deps))


def on_error(deps: Deps, error: Exception, body: dict[str, Any], client: WebClient) -> BoltResponse | None:
    if isinstance(error, DatabaseBusy) and body.get("type") == "view_submission":
        return busy_answer(body, error)
    if isinstance(error, Refused):
        message = error.message
    else:
        kind = body.get("type") or body.get("command") or (body.get("event") or {}).get("type")
        log.error("listener for %s failed: %r", kind, error, exc_info=error)
        message = GENERIC_ERROR
    if body.get("response_url") and client is not None:
        later(deps, client, body, reply_ephemeral, client, body, message)
    return None


def busy_answer(body: dict[str, Any], error: DatabaseBusy) -> BoltResponse:
    """The ack of a submission whose transaction ran out of its budget (bot.app.ACK_DB_BUDGET): the
    modal stays open with the reason on its first input, so the user can submit again."""
    view = body.get("view") or {}
    log.warning("database busy: %s not saved within the ack budget (%s)", view.get("callback_id"), error)
    answer = {"response_action": "errors", "errors": {first_input(view): DATABASE_BUSY}}
    return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})
