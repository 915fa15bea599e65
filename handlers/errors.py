"""The last-resort error handler: log it, tell the user plainly, never leak a traceback to Slack."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.messages import GENERIC_ERROR
from bot.surface import Surface
from handlers.replies import reply_ephemeral

log = logging.getLogger("salesbot.errors")


def register(surface: Surface, deps: Deps) -> None:
    @surface.app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        log.error("listener failed: %r", error, exc_info=error)
        if body.get("response_url") and client is not None:
            deps.background.submit(reply_ephemeral, client, body, GENERIC_ERROR)
