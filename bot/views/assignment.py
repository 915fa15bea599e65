"""The Assign modal of a lead card, and the DMs telling the new and previous owners."""

from __future__ import annotations

from typing import Any

from bot.ids import VIEW_ASSIGN
from bot.views.activity_modals import ModalContext
from bot.views.blocks import Block, context, escape, modal, section
from bot.views.inputs import labelled


def assign_modal(ctx: ModalContext, title: str, owner: str) -> dict[str, Any]:
    person = {"type": "users_select", "placeholder": {"type": "plain_text", "text": "Who works it from now on"}}
    blocks: list[Block] = [
        context(f"For: *{escape(title)}* · owned by <@{owner}>"),
        labelled("new_owner", "New owner", person, hint="Their open tasks and reminders of it follow them."),
    ]
    return modal("Assign lead", blocks, callback_id=VIEW_ASSIGN, submit="Assign", metadata=ctx.encode())


def new_owner_intro(by: str, kind: str, moved: int) -> list[Block]:
    follow = f" {moved} open task{'s' if moved != 1 else ''} and reminders came with it." if moved else ""
    return [section(f":inbox_tray: <@{by}> assigned this {kind} to you.{follow}")]


def previous_owner_note(by: str, kind: str, title: str, owner: str, keeps_access: bool) -> tuple[str, list[Block]]:
    who = "You" if by == "" else f"<@{by}>"
    access = (
        "It is shared with you, so you can still work it."
        if keeps_access
        else "You no longer have access to it unless it is shared with you."
    )
    line = f"{who} assigned the {kind} *{escape(title)}* to <@{owner}>. {access}"
    return f"{title} was assigned to someone else", [section(line)]
