"""Outbox kinds of a workspace's installation (OAuth mode): the installer's welcome DM."""

from __future__ import annotations

from typing import Any

from bot.services.workspaces import WELCOME
from bot.views.welcome import welcome_message
from scheduler.renderers import RenderContext, renderer
from store.models import Outbox


@renderer(WELCOME)
def render_welcome(ctx: RenderContext, row: Outbox) -> dict[str, Any] | None:
    text, blocks = welcome_message(first=bool((row.payload or {}).get("first", True)))
    return {"text": text, "blocks": blocks}
