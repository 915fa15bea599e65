"""Small readers of Slack payloads shared by listeners."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.deps import Deps
from bot.services.users import Asker, current_viewer, viewer_of
from store.access import Viewer


def team_id(body: dict[str, Any]) -> str:
    return body.get("team_id") or (body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", "")


def user_id(body: dict[str, Any]) -> str:
    return body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user", "")


def asker(deps: Deps, body: dict[str, Any]) -> Asker:
    """Who sent the request, for a service that reads their Viewer on a connection it uses anyway."""
    return Asker(team_id=team_id(body), user_id=user_id(body), admin_ids=deps.admin_ids)


def viewer(deps: Deps, body: dict[str, Any]) -> Viewer:
    return current_viewer(deps.engine, team_id=team_id(body), user_id=user_id(body), admin_ids=deps.admin_ids)


def viewer_in(session: Session, deps: Deps, body: dict[str, Any]) -> Viewer:
    """The requesting user as permission checks see them, read in the caller's transaction."""
    return viewer_of(session, team_id=team_id(body), user_id=user_id(body), admin_ids=deps.admin_ids)
