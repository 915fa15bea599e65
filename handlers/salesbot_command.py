"""`/salesbot` and the commands whose features are still being built."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.messages import COMMAND_COMING_SOON
from bot.surface import Surface
from bot.views.help import help_blocks

PLANNED_COMMANDS: tuple[tuple[str, str, str], ...] = ()  # /pipeline now lives in handlers/pipeline.py


def register(surface: Surface, deps: Deps) -> None:
    @surface.command("/salesbot", "salesbot help, your settings, admin", "[help | settings | admin]")
    def salesbot_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """A dispatch table filled by the feature modules; anything unknown falls back to help."""
        word = (body.get("text") or "").strip().split(" ", 1)[0].lower()
        handler = surface.salesbot_subcommands.get(word)
        if handler is not None:
            handler(ack, body, client)
            return
        if word in ("settings", "admin"):
            ack(text=COMMAND_COMING_SOON.format(command=f"/salesbot {word}"), response_type="ephemeral")
            return
        prefix = "" if word in ("", "help") else f"I don't know `/salesbot {word[:40]}`. Here is what I can do:"
        ack(text="salesbot help", blocks=help_blocks(prefix), response_type="ephemeral")

    for name, description, hint in PLANNED_COMMANDS:
        surface.command(name, description, hint)(_coming_soon(name))


def _coming_soon(command: str) -> Any:
    def answer(ack: Ack) -> None:
        ack(text=COMMAND_COMING_SOON.format(command=command), response_type="ephemeral")

    answer.__name__ = f"coming_soon_{command.strip('/')}"
    return answer
