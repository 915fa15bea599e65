"""Slack users: roles, manager ↔ reps teams, time zones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.access import Viewer
from store.models import SlackUser
from store.prepared import PreparedQuery, Reader, row_columns, session_reader
from store.process_libraries import library_version_of


def get_user(session: Session, *, team_id: str, user_id: str) -> SlackUser | None:
    return session.exec(select(SlackUser).where(SlackUser.team_id == team_id, SlackUser.user_id == user_id)).first()


def ensure_user(session: Session, *, team_id: str, user_id: str) -> SlackUser:
    """The user's row, created if missing; a concurrent request creating it first is not an error."""
    user = get_user(session, team_id=team_id, user_id=user_id)
    if user is not None:
        return user
    try:
        with session.begin_nested():
            user = SlackUser(team_id=team_id, user_id=user_id)
            session.add(user)
    except IntegrityError:
        user = get_user(session, team_id=team_id, user_id=user_id)
        assert user is not None
    return user


def update_profile(
    session: Session, *, team_id: str, user_id: str, name: str, tz: str, is_slack_admin: bool, at: datetime
) -> SlackUser:
    user = ensure_user(session, team_id=team_id, user_id=user_id)
    user.name, user.tz, user.is_slack_admin, user.profile_fetched_at = name, tz, is_slack_admin, at
    session.add(user)
    return user


def reps_of(session: Session, *, team_id: str, manager_id: str) -> list[str]:
    rows = session.exec(
        select(SlackUser.user_id).where(SlackUser.team_id == team_id, SlackUser.manager_id == manager_id)
    )
    return list(rows)


def viewer_for(session: Session, *, team_id: str, user_id: str, admin_ids: frozenset[str]) -> Viewer:
    """The viewer's role: admins are Slack owners/admins and ADMIN_USER_IDS; managers see their reps.
    One rule, `read_viewer`'s, read on the session's connection after its pending changes are flushed."""
    session.flush()
    return read_viewer(session_reader(session), team_id=team_id, user_id=user_id, admin_ids=admin_ids)


_USER = SlackUser.__table__  # type: ignore[attr-defined]
_TEAM, _ID = sa.bindparam("team", type_=sa.String), sa.bindparam("user", type_=sa.String)
_ROLE_SQL = PreparedQuery(
    sa.select(_USER.c.role, _USER.c.is_slack_admin).where(_USER.c.team_id == _TEAM, _USER.c.user_id == _ID)
)
_ZONE_AND_ROLE = (_USER.c.tz, _USER.c.profile_fetched_at.is_not(None), _USER.c.role, _USER.c.is_slack_admin)
_ZONE_SQL = PreparedQuery(sa.select(*_ZONE_AND_ROLE).where(_USER.c.team_id == _TEAM, _USER.c.user_id == _ID))


def _home_asker_sql() -> sa.Select[Any]:
    """The user's row, outer-joined to a one-row select so that a user without a row still gets the
    workspace's process library version (App Home's first read: one statement for both)."""
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    joined = one.outerjoin(_USER, sa.and_(_USER.c.team_id == _TEAM, _USER.c.user_id == _ID))
    return sa.select(*_ZONE_AND_ROLE, _USER.c.user_id.is_not(None), library_version_of(_TEAM)).select_from(joined)


_HOME_ASKER_SQL = PreparedQuery(_home_asker_sql())
_REPS_SQL = PreparedQuery(sa.select(_USER.c.user_id).where(_USER.c.team_id == _TEAM, _USER.c.manager_id == _ID))


class Asker(NamedTuple):
    """Who sent a request, before their role is read (`read_viewer`)."""

    team_id: str
    user_id: str
    admin_ids: frozenset[str]


class StoredZone(NamedTuple):
    tz: str
    fetched: bool  # the profile was fetched from Slack (else `tz` is the default)


def read_viewer(reader: Reader, *, team_id: str, user_id: str, admin_ids: frozenset[str]) -> Viewer:
    """`viewer_for` outside the ORM (store/prepared.py): every search and permission check of an ack
    starts with it, and the ORM session and statement building cost more than the search's own SQL."""
    values = {"team": team_id, "user": user_id}
    row = None if user_id in admin_ids else next(iter(reader.all(_ROLE_SQL, values)), None)
    return _viewer(reader, team_id, user_id, admin_ids, row)


def role_columns(team: sa.BindParameter[str], user: sa.BindParameter[str]) -> tuple[Any, ...]:
    """The user's role and Slack admin flag as two columns of another read (both NULL: the user has no row),
    for `viewer_of_role`: a search reads who asks with its first statement (store/leads.py)."""
    where = (_USER.c.team_id == team, _USER.c.user_id == user)
    return row_columns(where, asker_role=_USER.c.role, asker_slack_admin=_USER.c.is_slack_admin)


def zone_columns(team: sa.BindParameter[str], user: sa.BindParameter[str]) -> tuple[Any, ...]:
    """The user's stored time zone and whether their profile was fetched (NULL: the user has no row) as two
    columns of another read, for `zone_of` (`/task list` reads them with its page)."""
    where = (_USER.c.team_id == team, _USER.c.user_id == user)
    return row_columns(where, zone_tz=_USER.c.tz, zone_fetched=_USER.c.profile_fetched_at.is_not(None))


def zone_of(columns: Sequence[Any]) -> StoredZone | None:
    """The stored zone from a user row's `tz` and whether the profile was fetched (`zone_columns` or
    `read_zone`'s read; a NULL `fetched`: no row): UTC when none is stored."""
    tz, fetched = columns
    return None if fetched is None else StoredZone(str(tz or "UTC"), bool(fetched))


def viewer_of_role(reader: Reader, asker: Asker, columns: Sequence[Any]) -> Viewer:
    """`read_viewer`'s viewer for `asker` from the two `role_columns` as another read returned them (a
    manager's reps are read)."""
    role, is_slack_admin = columns
    found = None if role is None else (role, is_slack_admin)
    return _viewer(reader, asker.team_id, asker.user_id, asker.admin_ids, found)


def read_zone(reader: Reader, *, team_id: str, user_id: str) -> StoredZone | None:
    """The user's stored time zone (None: no row)."""
    row = next(iter(reader.all(_ZONE_SQL, {"team": team_id, "user": user_id})), None)
    return None if row is None else zone_of(row[:2])


class HomeAsker(NamedTuple):
    """Who opens App Home: their stored zone (None: no row), their viewer, and the workspace's process
    library version (None: never uploaded; bot/services/processes.py checks its parsed cache by it)."""

    zone: StoredZone | None
    viewer: Viewer
    library_version: int | None


def read_home_asker(reader: Reader, *, team_id: str, user_id: str, admin_ids: frozenset[str]) -> HomeAsker:
    """The user's stored time zone, `read_viewer`'s viewer and the library version, from one statement
    (a manager's reps are a second)."""
    row = reader.all(_HOME_ASKER_SQL, {"team": team_id, "user": user_id})[0]
    tz, fetched, role, is_slack_admin, has_row, version = row
    zone = zone_of((tz, fetched)) if has_row else None
    viewer = _viewer(reader, team_id, user_id, admin_ids, (role, is_slack_admin) if has_row else None)
    return HomeAsker(zone, viewer, None if version is None else int(version))


def _viewer(
    reader: Reader, team_id: str, user_id: str, admin_ids: frozenset[str], row: tuple[Any, ...] | None
) -> Viewer:
    """The viewer of the user's (role, is_slack_admin), None when the user has no row."""
    values = {"team": team_id, "user": user_id}
    if user_id in admin_ids or (row is not None and (row[0] == "admin" or bool(row[1]))):
        return Viewer(team_id=team_id, user_id=user_id, role="admin")
    if row is not None and row[0] == "manager":
        reps = frozenset(rep for (rep,) in reader.all(_REPS_SQL, values))
        return Viewer(team_id=team_id, user_id=user_id, role="manager", reps=reps)
    return Viewer(team_id=team_id, user_id=user_id, role="rep")


def set_role(session: Session, *, team_id: str, user_ids: list[str], role: str) -> None:
    for user_id in user_ids:
        user = ensure_user(session, team_id=team_id, user_id=user_id)
        user.role = role
        session.add(user)


def set_team(session: Session, *, team_id: str, manager_id: str, rep_ids: list[str]) -> None:
    """Make `manager_id` a manager whose reps are exactly `rep_ids` (previous reps are released)."""
    manager = ensure_user(session, team_id=team_id, user_id=manager_id)
    if manager.role == "rep":
        manager.role = "manager"
    session.add(manager)
    for former in session.exec(
        select(SlackUser).where(SlackUser.team_id == team_id, SlackUser.manager_id == manager_id)
    ):
        if former.user_id not in rep_ids:
            former.manager_id = None
            session.add(former)
    for rep_id in rep_ids:
        rep = ensure_user(session, team_id=team_id, user_id=rep_id)
        rep.manager_id = manager_id
        session.add(rep)


def teams(session: Session, *, team_id: str) -> dict[str, list[str]]:
    """Manager -> reps, for every manager of the workspace."""
    rows = session.exec(select(SlackUser).where(SlackUser.team_id == team_id))
    result: dict[str, list[str]] = {}
    for user in rows:
        if user.role == "manager":
            result.setdefault(user.user_id, [])
        if user.manager_id:
            result.setdefault(user.manager_id, []).append(user.user_id)
    return result


def users_with_role(session: Session, *, team_id: str, role: str) -> list[str]:
    query = select(SlackUser.user_id).where(SlackUser.team_id == team_id, SlackUser.role == role)
    return list(session.exec(query))
