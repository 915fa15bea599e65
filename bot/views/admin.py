"""`/salesbot admin`: roles and teams (manager ↔ reps)."""

from __future__ import annotations

from typing import Any

from bot.ids import VIEW_ADMIN
from bot.views.blocks import Block, context, divider, header, modal, section
from bot.views.inputs import labelled, select

ROLES = ("Admin", "Manager", "Rep")


def _users(text: str, *, multi: bool) -> dict[str, Any]:
    kind = "multi_users_select" if multi else "users_select"
    return {"type": kind, "placeholder": {"type": "plain_text", "text": text}}


def admin_modal(teams: dict[str, list[str]], admins: list[str]) -> dict[str, Any]:
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
    ]
    return modal("salesbot admin", blocks, callback_id=VIEW_ADMIN, submit="Save")


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
    if not users and not role and not manager:
        errors["users"] = "Change a role or a team, or cancel."
    if errors:
        return None, errors
    return {"users": users, "role": role.lower(), "manager": manager, "reps": reps}, {}
