"""The welcome DM the installer gets once salesbot is installed in their workspace (OAuth mode)."""

from __future__ import annotations

from bot.views.blocks import Block, context, header, section


def welcome_message(*, first: bool) -> tuple[str, list[Block]]:
    opening = "salesbot is installed" if first else "salesbot is installed again: everything you had is still here"
    text = f"{opening}. You are a salesbot admin of this workspace."
    blocks = [
        header("Welcome to salesbot"),
        section(
            f"{opening}. You are a salesbot admin of this workspace.\n"
            "• `/lead` captures a lead; anyone in the workspace can use it.\n"
            "• `/salesbot admin` sets roles, teams, the wins and leads channels, and exports the data.\n"
            "• `/salesbot help` lists everything else."
        ),
        context("Invite salesbot to a channel to post cards and ask colleagues there."),
    ]
    return text, blocks
