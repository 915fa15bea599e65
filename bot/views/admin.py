"""`/salesbot admin`: roles and teams (named groups: name, manager, members)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.ids import BLOCK_ADMIN_TOOLS, VIEW_ADMIN, VIEW_ADMIN_AUDIT_LOG
from bot.views.admin_menu import manage_actions
from bot.views.blocks import Block, actions, button, context, divider, escape, header, modal, plain, section
from bot.views.inputs import labelled, select, text_input
from bot.views.timeline import slack_date
from store.models import AdminAudit
from store.teams import TeamSummary

ADMIN_TEAM_REMOVE = "admin_team_remove"
ADMIN_AUDIT_LOG = "admin_audit_log"
ADMIN_EXPORT_DATA = "admin_export_data"
TEAM_NAME_MAX = 100
TEAMS_SHOWN = 40
TEAM_HINT = "A team's name: new, or one to change"
ROLES = ("Admin", "Manager", "Rep")


def _users(text: str, *, multi: bool) -> dict[str, Any]:
    kind = "multi_users_select" if multi else "users_select"
    return {"type": kind, "placeholder": {"type": "plain_text", "text": text}}


def admin_modal(
    teams: Sequence[TeamSummary], admins: list[str], channels: dict[str, str] | None = None
) -> dict[str, Any]:
    blocks: list[Block] = [
        *actions(
            [button("Audit log", ADMIN_AUDIT_LOG), button("Export data", ADMIN_EXPORT_DATA)], block_id=BLOCK_ADMIN_TOOLS
        ),
        *manage_actions(),
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
        *team_rows(teams),
        labelled(
            "team",
            "Team",
            text_input(max_length=TEAM_NAME_MAX, placeholder="A team's name: new, or one to change"),
            optional=True,
        ),  # fmt: skip
        labelled("manager", "Manager", _users("Who leads it", multi=False), optional=True),
        labelled("members", "Members", _users("Everyone in it (replaces the current list)", multi=True), optional=True),
        *channel_blocks(channels or {}),
    ]
    return modal("salesbot admin", blocks[:100], callback_id=VIEW_ADMIN, submit="Save")


def team_rows(teams: Sequence[TeamSummary]) -> list[Block]:
    """One line per team with a `Remove` button (at most TEAMS_SHOWN; the modal holds 100 blocks)."""
    if not teams:
        return [section("No teams yet: name one, pick its manager and members.")]
    rows = []
    for team in teams[:TEAMS_SHOWN]:
        manager = f"led by <@{team.manager_id}>" if team.manager_id else "no manager"
        people = ", ".join(f"<@{m}>" for m in team.members) or "nobody yet"
        remove = button("Remove", ADMIN_TEAM_REMOVE, str(team.id))
        remove["confirm"] = confirm_dialog(f"Remove the team {team.name}?", "Records shared with it stop being shared.")
        rows.append(section(f"*{escape(team.name)}* · {manager}\n{people}", accessory=remove))
    if len(teams) > TEAMS_SHOWN:
        rows.append(context(f"…and {len(teams) - TEAMS_SHOWN} more teams: name one to change it."))
    return rows


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
    name = " ".join(str(values.get("team") or "").split())
    manager, members = values.get("manager") or "", values.get("members") or []
    errors: dict[str, str] = {}
    if users and not role:
        errors["role"] = "Choose the role to give them."
    if role and not users:
        errors["users"] = "Pick the people whose role changes."
    if (manager or members) and not name:
        errors["team"] = "Name the team (a new name creates it; an existing name changes it)."
    if name and not members:
        errors["members"] = "A team needs at least one member."
    if manager and manager in members:
        errors["members"] = "A manager cannot be a member of the team they lead."
    channels = {key: values.get(f"{key}_channel") or "" for key in ("wins", "leads")}
    if not users and not role and not name and not manager and not any(channels.values()):
        errors["users"] = "Change a role or a team, or cancel."
    if errors:
        return None, errors
    change = {"users": users, "role": role.lower(), "team": name, "manager": manager, "members": members}
    return {**change, "channels": channels}, {}


def confirm_dialog(title: str, text: str) -> dict[str, Any]:
    return {
        "title": plain(title, 100),
        "text": plain(text, 300),
        "confirm": plain("Remove", 30),
        "deny": plain("Keep", 30),
    }


def audit_log_modal(entries: Sequence[AdminAudit]) -> dict[str, Any]:
    """The latest admin changes, newest first: when (in the reader's time zone), who, what."""
    blocks: list[Block] = [header("Audit log")]
    if not entries:
        blocks.append(section("No admin changes recorded yet."))
    for entry in entries[:45]:
        when = slack_date(entry.at)
        people = ", ".join(f"<@{p}>" for p in entry.people if str(p).isalnum())
        what = f"*{escape(entry.action)}*" + (f": {escape(entry.detail)}" if entry.detail else "")
        blocks.append(section(f"{when} · <@{entry.actor_id}>\n{what}" + (f" · {people}" if people else "")))
    return modal("Audit log", blocks[:100], callback_id=VIEW_ADMIN_AUDIT_LOG)
