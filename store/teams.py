"""Teams: named groups (name, manager, members) and the records shared with them.

Every function takes the workspace (`team_id`) and filters on it; the caller owns the transaction.
A team share gives access through membership, read at every check: a member who leaves the team
loses the access it gave them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from store.models import SalesTeam, SalesTeamMember, SlackUser, TeamShare


@dataclass(frozen=True)
class TeamSummary:
    id: int
    name: str
    manager_id: str | None
    members: tuple[str, ...]


def list_teams(session: Session, *, team_id: str) -> list[TeamSummary]:
    teams = list(session.exec(select(SalesTeam).where(SalesTeam.team_id == team_id).order_by(col(SalesTeam.name))))
    members: dict[int, list[str]] = {}
    rows = session.exec(
        select(SalesTeamMember).where(SalesTeamMember.team_id == team_id).order_by(col(SalesTeamMember.id))
    )
    for row in rows:
        members.setdefault(row.sales_team_id, []).append(row.user_id)
    return [TeamSummary(t.id or 0, t.name, t.manager_id, tuple(members.get(t.id or 0, []))) for t in teams]


def get_team(session: Session, *, team_id: str, sales_team_id: int) -> SalesTeam | None:
    query = select(SalesTeam).where(SalesTeam.team_id == team_id, SalesTeam.id == sales_team_id)
    return session.exec(query).first()


def team_named(session: Session, *, team_id: str, name_key: str) -> SalesTeam | None:
    query = select(SalesTeam).where(SalesTeam.team_id == team_id, SalesTeam.name_key == name_key)
    return session.exec(query).first()


def save_team(
    session: Session, *, team_id: str, name: str, name_key: str, manager_id: str | None, members: list[str]
) -> SalesTeam:
    """Create the team, or replace the manager and members of the team with that name."""
    team = team_named(session, team_id=team_id, name_key=name_key)
    if team is None:
        team = SalesTeam(team_id=team_id, name=name, name_key=name_key)
    team.name, team.manager_id = name, manager_id
    session.add(team)
    session.flush()
    current = {
        row.user_id: row
        for row in session.exec(
            select(SalesTeamMember).where(SalesTeamMember.team_id == team_id, SalesTeamMember.sales_team_id == team.id)
        )
    }
    for user_id, row in current.items():
        if user_id not in members:
            session.delete(row)
    for user_id in dict.fromkeys(members):
        if user_id not in current:
            session.add(SalesTeamMember(team_id=team_id, sales_team_id=team.id or 0, user_id=user_id))
    session.flush()
    return team


def delete_team(session: Session, team: SalesTeam) -> None:
    """The team, its members and its shares (records shared with it are no longer shared with them)."""
    for model in (SalesTeamMember, TeamShare):
        rows = session.exec(
            select(model).where(model.team_id == team.team_id, model.sales_team_id == team.id)  # type: ignore[attr-defined]
        )
        for row in rows:
            session.delete(row)
    session.delete(team)
    session.flush()


def managed_members(session: Session, *, team_id: str, manager_id: str) -> set[str]:
    """Everyone in any team the manager leads."""
    query = (
        select(SalesTeamMember.user_id)
        .join(SalesTeam, col(SalesTeam.id) == col(SalesTeamMember.sales_team_id))
        .where(SalesTeamMember.team_id == team_id, SalesTeam.team_id == team_id, SalesTeam.manager_id == manager_id)
    )
    return set(session.exec(query))


def release_reps(session: Session, *, team_id: str, manager_id: str, keep: set[str]) -> None:
    """Users reporting to the manager who are in none of their teams any more report to nobody."""
    rows = session.exec(select(SlackUser).where(SlackUser.team_id == team_id, SlackUser.manager_id == manager_id))
    for user in rows:
        if user.user_id not in keep:
            user.manager_id = None
            session.add(user)


def share_with_teams(
    session: Session, *, team_id: str, record_type: str, record_id: int, sales_team_ids: Iterable[int]
) -> list[int]:
    """Share with the workspace's teams not yet shared with; returns the ids newly added."""
    wanted = set(sales_team_ids)
    known = set(session.exec(select(SalesTeam.id).where(SalesTeam.team_id == team_id, col(SalesTeam.id).in_(wanted))))
    existing = set(
        session.exec(
            select(TeamShare.sales_team_id).where(
                TeamShare.team_id == team_id, TeamShare.record_type == record_type, TeamShare.record_id == record_id
            )
        )
    )
    added = sorted(i for i in known if i is not None and i not in existing)
    for sales_team_id in added:
        session.add(
            TeamShare(team_id=team_id, record_type=record_type, record_id=record_id, sales_team_id=sales_team_id)
        )
    session.flush()
    return added


def team_names(session: Session, *, team_id: str, ids: Iterable[int]) -> list[str]:
    query = select(SalesTeam.name).where(SalesTeam.team_id == team_id, col(SalesTeam.id).in_(list(ids)))
    return sorted(session.exec(query))


def members_sharing(session: Session, *, team_id: str, record_type: str, record_id: int) -> set[str]:
    """The members of every team the record is shared with."""
    query = (
        select(SalesTeamMember.user_id)
        .join(TeamShare, col(TeamShare.sales_team_id) == col(SalesTeamMember.sales_team_id))
        .where(
            SalesTeamMember.team_id == team_id,
            TeamShare.team_id == team_id,
            TeamShare.record_type == record_type,
            TeamShare.record_id == record_id,
        )
    )
    return set(session.exec(query))


def members_sharing_many(
    session: Session, *, team_id: str, record_type: str, record_ids: Iterable[int]
) -> dict[int, set[str]]:
    """Record id -> the members of every team it is shared with, for many records in one read."""
    query = (
        select(TeamShare.record_id, SalesTeamMember.user_id)
        .join(SalesTeamMember, col(SalesTeamMember.sales_team_id) == col(TeamShare.sales_team_id))
        .where(
            TeamShare.team_id == team_id,
            TeamShare.record_type == record_type,
            col(TeamShare.record_id).in_(list(record_ids)),
            SalesTeamMember.team_id == team_id,
        )
    )
    found: dict[int, set[str]] = {}
    for record_id, user_id in session.exec(query):
        found.setdefault(record_id, set()).add(user_id)
    return found


def team_shared_ids(team_id: str, record_type: str, user_id: str) -> Any:
    """SQL: ids of the records of `record_type` shared with a team `user_id` belongs to."""
    return (
        select(TeamShare.record_id)
        .join(SalesTeamMember, col(SalesTeamMember.sales_team_id) == col(TeamShare.sales_team_id))
        .where(
            TeamShare.team_id == team_id,
            TeamShare.record_type == record_type,
            SalesTeamMember.team_id == team_id,
            SalesTeamMember.user_id == user_id,
        )
    )
