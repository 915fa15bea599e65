"""The help message."""

from __future__ import annotations

from bot.messages import HELP
from bot.views.blocks import Block, section


def help_blocks(prefix: str = "") -> list[Block]:
    blocks = [section(prefix)] if prefix else []
    return [*blocks, section(HELP)]
