"""Registered last: buttons whose feature is still being built answer "coming soon", never silence."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.ids import BUTTON_LABELS
from bot.messages import COMING_SOON
from bot.surface import Surface
from handlers.listeners import later
from handlers.replies import reply_ephemeral

# Bolt runs the first listener that matches, so anything registered before this one wins.
CARD_ACTIONS = re.compile(r"^(record|lead|opp)_[a-z_]+$")


def register(surface: Surface, deps: Deps) -> None:
    @surface.app.action(CARD_ACTIONS)
    def coming_soon(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        action = body["actions"][0]
        label = BUTTON_LABELS.get(action["action_id"]) or (action.get("text") or {}).get("text", "This")
        later(deps, client, body, reply_ephemeral, client, body, COMING_SOON.format(label=label))
