"""Who may see which records: a viewer and the SQL condition for the records visible to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from store.models import Share
from store.teams import team_shared_ids


@dataclass(frozen=True)
class Viewer:
    team_id: str
    user_id: str
    role: str = "rep"  # admin | manager | rep
    reps: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def owners_in_scope(self) -> frozenset[str]:
        return self.reps | {self.user_id}


def visible(model: Any, record_type: str, viewer: Viewer) -> sa.ColumnElement[bool]:
    """Rows of `model` in the viewer's workspace that they own, manage, had shared or (admins) any."""
    return sa.and_(model.team_id == viewer.team_id, visible_in_team(model, record_type, viewer))


def visible_in_team(model: Any, record_type: str, viewer: Viewer) -> sa.ColumnElement[bool]:
    """`visible` without the workspace condition, for a query that states it its own way."""
    if viewer.is_admin:
        return sa.true()
    shared_ids = select(Share.record_id).where(
        Share.team_id == viewer.team_id, Share.record_type == record_type, Share.user_id == viewer.user_id
    )
    team_shared = team_shared_ids(viewer.team_id, record_type, viewer.user_id)
    return sa.or_(model.owner_id.in_(viewer.owners_in_scope), model.id.in_(shared_ids), model.id.in_(team_shared))


def visible_to_user(table: Any, record_type: str, team: Any, user: Any) -> sa.ColumnElement[bool]:
    """`visible_in_team` for a rep on a Core table, with the workspace and user as SQL expressions
    (bind parameters of a statement compiled once): their own, shared and team-shared records."""
    return sa.or_(table.c.owner_id == user, shared_with_user(table, record_type, team, user))


def shared_with_user(table: Any, record_type: str, team: Any, user: Any) -> sa.ColumnElement[bool]:
    """Records of a Core table shared with the user, alone or through a sales team they belong to."""
    return sa.or_(
        table.c.id.in_(_shared_ids(record_type, team, user)), table.c.id.in_(team_shared_ids(team, record_type, user))
    )


def shared_ids(record_type: str, team: Any, user: Any) -> Any:
    """SQL: ids of the records shared with the user, alone or through a sales team (one list: a query
    reading few records by id, e.g. a rep's shared leads, is driven by it, not by a scan of the workspace)."""
    return sa.union(_shared_ids(record_type, team, user), team_shared_ids(team, record_type, user))


def _shared_ids(record_type: str, team: Any, user: Any) -> Any:
    return select(Share.record_id).where(Share.team_id == team, Share.record_type == record_type, Share.user_id == user)
