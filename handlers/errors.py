"""The last-resort error handler for listeners that fail before or during the ack: a refusal is
shown to the user, anything else is logged and answered plainly — never a traceback to Slack."""

from __future__ import annotations

import functools
import logging
from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.messages import GENERIC_ERROR
from bot.refusals import Refused
from bot.surface import Surface
from handlers.listeners import later
from handlers.replies import reply_ephemeral

log = logging.getLogger("salesbot.errors")


def register(surface: Surface, deps: Deps) -> None:
    surface.app.error(functools.partial(on_error, deps))


def on_error(deps: Deps, error: Exception, body: dict[str, Any], client: WebClient) -> None:
    if isinstance(error, Refused):
        message = error.message
    else:
        kind = body.get("type") or body.get("command") or (body.get("event") or {}).get("type")
        log.error("listener for %s failed: %r", kind, error, exc_info=error)
        message = GENERIC_ERROR
    if body.get("response_url") and client is not None:
        later(deps, client, body, reply_ephemeral, client, body, message)
