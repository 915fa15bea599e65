"""The version row of each workspace's process library (bot/services/processes.py caches by it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.models import Opportunity, ProcessLibraryVersion
from store.prepared import PreparedQuery, Reader


def library_version(session: Session, *, team_id: str) -> ProcessLibraryVersion | None:
    return session.exec(select(ProcessLibraryVersion).where(ProcessLibraryVersion.team_id == team_id)).first()


_LIBRARY = ProcessLibraryVersion.__table__  # type: ignore[attr-defined]
_VERSION = PreparedQuery(
    sa.select(_LIBRARY.c.version).where(_LIBRARY.c.team_id == sa.bindparam("team", type_=sa.String))
)


def library_version_of(team: sa.BindParameter[str]) -> sa.ScalarSelect[Any]:
    """The workspace's library version as a column of another read (App Home's first, store/users.py)."""
    return sa.select(_LIBRARY.c.version).where(_LIBRARY.c.team_id == team).scalar_subquery()


_TOML = PreparedQuery(
    sa.select(_LIBRARY.c.version, _LIBRARY.c.toml).where(_LIBRARY.c.team_id == sa.bindparam("team", type_=sa.String))
)


def read_version(reader: Reader, *, team_id: str) -> int | None:
    """The workspace's library version outside the ORM (a request's check that its cached parse is
    current: the number alone, not the text); None when the workspace never uploaded processes."""
    found = reader.scalar(_VERSION, {"team": team_id})
    return None if found is None else int(found)


def read_library(reader: Reader, *, team_id: str) -> tuple[int, str] | None:
    """The workspace's library version and text outside the ORM; None when it never uploaded any."""
    rows = reader.all(_TOML, {"team": team_id})
    return (int(rows[0][0]), str(rows[0][1] or "")) if rows else None


def save_library(session: Session, *, team_id: str, toml: str, now: datetime) -> ProcessLibraryVersion:
    """Store a workspace's processes and bump the version every worker checks (the row is locked, so
    two uploads at once on PostgreSQL get two versions, never one version with two texts)."""
    query = select(ProcessLibraryVersion).where(ProcessLibraryVersion.team_id == team_id).with_for_update()
    row = session.exec(query).first()
    if row is None:
        row = ProcessLibraryVersion(team_id=team_id, version=1, toml=toml, updated_at=now)
    else:
        row.version, row.toml, row.updated_at = row.version + 1, toml, now
    session.add(row)
    session.flush()
    return row


def stages_in_use(session: Session, *, team_id: str) -> list[tuple[str, str, int]]:
    """(process name, stage, number of opportunities) of every opportunity of the workspace."""
    query = (
        sa.select(col(Opportunity.process_name), col(Opportunity.stage), sa.func.count())
        .where(col(Opportunity.team_id) == team_id)
        .group_by(col(Opportunity.process_name), col(Opportunity.stage))
    )
    return [(str(name), str(stage), int(count)) for name, stage, count in session.execute(query).all()]
