"""Team use cases: admins save and remove teams; a record is shared with users and teams.

A team's manager manages its members (their `manager_id`), which is what permission checks and
digests read; membership gives access to records shared with the team. The caller owns the
transaction; nothing here talks to Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.text import fold
from bot.refusals import Refused
from store import teams as team_store
from store.activities import add_activity
from store.audit import record_change
from store.records import Record, share
from store.users import ensure_user, set_role

TEAM_GONE = "That team was already removed."


def team_names(session: Session, *, team_id: str) -> list[str]:
    """The workspace's sales teams by name (an alert filter offers them)."""
    return [summary.name for summary in team_store.list_teams(session, team_id=team_id)]


def team_choices(session: Session, *, team_id: str) -> list[tuple[int, str]]:
    """(id, name) of each of the workspace's sales teams, for a record's Share modal."""
    return [(summary.id, summary.name) for summary in team_store.list_teams(session, team_id=team_id)]


def set_roles(session: Session, *, team_id: str, users: list[str], role: str, actor: str, now: datetime) -> None:
    set_role(session, team_id=team_id, user_ids=users, role=role)
    record_change(
        session, team_id=team_id, actor_id=actor, action="Role changed", detail=f"now {role}", people=users, at=now
    )


def save_team(
    session: Session, *, team_id: str, name: str, manager_id: str | None, members: list[str], actor: str, now: datetime
) -> None:
    """Create or change the team called `name`; its manager manages its members."""
    detail = f"{name} (manager, then members)" if manager_id else f"{name} (members)"
    people = [manager_id, *members] if manager_id else members
    record_change(session, team_id=team_id, actor_id=actor, action="Team saved", detail=detail, people=people, at=now)
    team = team_store.save_team(
        session, team_id=team_id, name=name, name_key=fold(name)[:100], manager_id=manager_id or None, members=members
    )
    if team.manager_id:
        manager = ensure_user(session, team_id=team_id, user_id=team.manager_id)
        if manager.role == "rep":
            manager.role = "manager"
            session.add(manager)
        for member in members:
            user = ensure_user(session, team_id=team_id, user_id=member)
            user.manager_id = team.manager_id
            session.add(user)
        keep = team_store.managed_members(session, team_id=team_id, manager_id=team.manager_id)
        team_store.release_reps(session, team_id=team_id, manager_id=team.manager_id, keep=keep)


def remove_team(session: Session, *, team_id: str, sales_team_id: int, actor: str, now: datetime) -> str:
    """Remove the team (its members keep their own records); returns its name."""
    team = team_store.get_team(session, team_id=team_id, sales_team_id=sales_team_id)
    if team is None:
        raise Refused(TEAM_GONE)
    name, manager = team.name, team.manager_id
    record_change(session, team_id=team_id, actor_id=actor, action="Team removed", detail=name, people=[], at=now)
    team_store.delete_team(session, team)
    if manager:
        keep = team_store.managed_members(session, team_id=team_id, manager_id=manager)
        team_store.release_reps(session, team_id=team_id, manager_id=manager, keep=keep)
    return name


@dataclass(frozen=True)
class Shared:
    users: list[str]  # newly shared with
    teams: list[str]  # names of the teams newly shared with


def share_record(
    session: Session, record: Record, *, record_type: str, by: str, users: list[str], team_ids: list[int]
) -> Shared:
    """Share with users and teams (those already shared with are left as they are); one timeline entry."""
    record_id = record.id or 0
    added_users = share(session, team_id=record.team_id, record_type=record_type, record_id=record_id, user_ids=users)
    added_teams = team_store.share_with_teams(
        session, team_id=record.team_id, record_type=record_type, record_id=record_id, sales_team_ids=team_ids
    )
    names = team_store.team_names(session, team_id=record.team_id, ids=added_teams)
    if added_users or names:
        add_activity(
            session,
            team_id=record.team_id,
            record_type=record_type,
            record_id=record_id,
            kind="share",
            author_id=by,
            subject="Shared",
            body=", ".join(f"team {name}" for name in names),
            data={"people": added_users, "users": added_users, "teams": names},
        )
    return Shared(added_users, names)
