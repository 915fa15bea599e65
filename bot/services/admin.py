"""`/salesbot admin`'s own modal: what it shows (teams, admins, the workspace's channels), saving a
submission (roles, a team, the wins and leads channels), and the audit log of admin changes.

The caller owns the transaction; nothing here talks to Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.services import teams as team_service
from store.alerts import set_workspace_channel, workspace_channels
from store.audit import recent_changes
from store.models import AdminAudit
from store.teams import TeamSummary, list_teams
from store.users import users_with_role


@dataclass(frozen=True)
class AdminOverview:
    teams: list[TeamSummary]
    admins: list[str]
    channels: dict[str, str]  # purpose (`wins`, `leads`) -> channel id


def roster(session: Session, *, team_id: str) -> tuple[list[TeamSummary], list[str]]:
    """The workspace's sales teams and its salesbot admins."""
    return list_teams(session, team_id=team_id), users_with_role(session, team_id=team_id, role="admin")


def overview(session: Session, *, team_id: str) -> AdminOverview:
    teams, admins = roster(session, team_id=team_id)
    return AdminOverview(teams, admins, workspace_channels(session, team_id=team_id))


def save_change(session: Session, *, team_id: str, change: dict[str, Any], actor: str, now: datetime) -> None:
    """A validated submission (bot.views.admin.validate_admin): the channels given, then roles, then the team."""
    for purpose, channel in change["channels"].items():
        if channel:
            set_workspace_channel(session, team_id=team_id, purpose=purpose, channel_id=channel, user_id=actor, now=now)
    if change["users"]:
        users, role = change["users"], change["role"]
        team_service.set_roles(session, team_id=team_id, users=users, role=role, actor=actor, now=now)
    if change["team"]:
        team_service.save_team(session, team_id=team_id, name=change["team"], manager_id=change["manager"],
                               members=change["members"], actor=actor, now=now)  # fmt: skip


def audit_log(session: Session, *, team_id: str) -> list[AdminAudit]:
    """The latest admin changes, newest first."""
    return recent_changes(session, team_id=team_id)
