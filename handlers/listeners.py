"""The shape most button listeners share: ack at once, do the work after the ack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.deps import Deps

Work = Callable[[WebClient, dict[str, Any]], object]


def after_ack(app: App, deps: Deps, action: Any, work: Work) -> None:
    """Listen to `action` (an action_id, pattern or constraints, as `app.action` takes): ack at once,
    then run `work(client, body)` in the after-ack pool. Slack wants the ack within 3 seconds; the
    work may call Slack and the database as long as it needs."""

    @app.action(action)
    def acknowledge_then_work(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.background.submit(work, client, body)
