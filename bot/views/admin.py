"""`/salesbot admin`: roles and teams (manager ↔ reps)."""

from __future__ import annotations

from typing import Any

from bot.views.blocks import Block, context, divider, header, modal, section
from bot.views.inputs import labelled, select

VIEW_ADMIN = "admin_roles_modal"
ROLES = ("Admin", "Manager", "Rep")


def _users(text: str, *, multi: bool) -> dict[str, Any]:
    kind = "multi_users_select" if multi else "users_select"
    return {"type": kind, "placeholder": {"type": "plain_text", "text": text}}


def admin_modal(
    teams: dict[str, list[str]], admins: list[str], channels: dict[str, str] | None = None
) -> dict[str, Any]:
    current = [
        f"• <@{manager}> manages {', '.join(f'<@{r}>' for r in reps) or 'nobody yet'}"
        for manager, reps in sorted(teams.items())
    ]
    blocks: list[Block] = [
        header("Roles"),
        context(
            "Admins: workspace owners and admins, `ADMIN_USER_IDS`"
            + (", " + ", ".join(f"<@{a}>" for a in admins) if admins else "")
            + "."
        ),
        labelled("users", "Users", _users("People whose role changes", multi=True), optional=True),
        labelled("role", "Role", select(ROLES, placeholder="Their new role"), optional=True),
        divider(),
        header("Teams"),
        section("\n".join(current) if current else "No teams yet: pick a manager and their reps."),
        labelled("manager", "Manager", _users("A manager", multi=False), optional=True),
        labelled("reps", "Reps", _users("Their reps (replaces the current list)", multi=True), optional=True),
        *channel_blocks(channels or {}),
    ]
    return modal("salesbot admin", blocks, callback_id=VIEW_ADMIN, submit="Save")


CHANNEL_FIELDS = (("wins_channel", "Wins channel", "Every won deal is celebrated here"),
                  ("leads_channel", "Leads channel", "New leads without an owner wait here"))  # fmt: skip


def channel_blocks(channels: dict[str, str]) -> list[Block]:
    """`Wins channel` and `Leads channel` (keys `wins` and `leads` of `channels`, current values)."""
    blocks: list[Block] = [divider(), header("Channels")]
    for block_id, label, hint in CHANNEL_FIELDS:
        element: dict[str, Any] = {"type": "conversations_select", "placeholder": {"type": "plain_text", "text": hint},
                                   "filter": {"include": ["public", "private"], "exclude_bot_users": True}}  # fmt: skip
        current = channels.get(block_id.removesuffix("_channel"))
        if current:
            element["initial_conversation"] = current
        blocks.append(labelled(block_id, label, element, optional=True))
    return blocks


def validate_admin(values: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    users, role = values.get("users") or [], values.get("role") or ""
    manager, reps = values.get("manager") or "", values.get("reps") or []
    errors: dict[str, str] = {}
    if users and not role:
        errors["role"] = "Choose the role to give them."
    if role and not users:
        errors["users"] = "Pick the people whose role changes."
    if reps and not manager:
        errors["manager"] = "Pick the manager of these reps."
    if manager and manager in reps:
        errors["reps"] = "A manager cannot be their own rep."
    channels = {key: values.get(f"{key}_channel") or "" for key in ("wins", "leads")}
    if not users and not role and not manager and not any(channels.values()):
        errors["users"] = "Change a role or a team, or cancel."
    if errors:
        return None, errors
    return {"users": users, "role": role.lower(), "manager": manager, "reps": reps, "channels": channels}, {}
