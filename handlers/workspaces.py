"""OAuth mode: a workspace uninstalling salesbot (`app_uninstalled`) or revoking its bot token
(`tokens_revoked`). Bolt runs these without a token (there is none any more)."""

from __future__ import annotations

import logging
from typing import Any

from bot.deps import Deps
from bot.services.workspaces import record_uninstalled
from bot.surface import Surface
from store.db import transaction

log = logging.getLogger("salesbot.workspaces")


def register(surface: Surface, deps: Deps) -> None:
    if not surface.oauth:
        return  # single-token mode: the one workspace is configured, not installed
    surface.event("app_uninstalled")(bound(app_uninstalled, deps))
    surface.event("tokens_revoked")(bound(tokens_revoked, deps))


def bound(listener: Any, deps: Deps) -> Any:
    """Bolt passes arguments by name: a named function taking `body` with `deps` bound."""

    def listen(body: dict[str, Any]) -> None:
        listener(deps, body)

    listen.__name__ = listener.__name__
    return listen


def app_uninstalled(deps: Deps, body: dict[str, Any]) -> None:
    forget_workspace(deps, body)


def tokens_revoked(deps: Deps, body: dict[str, Any]) -> None:
    """A revoked bot token leaves salesbot unable to act: the same as an uninstall. Revoked user tokens
    (salesbot asks for none) only drop those users' installation rows, as Bolt does."""
    tokens = (body.get("event") or {}).get("tokens") or {}
    if tokens.get("bot"):
        forget_workspace(deps, body)
        return
    installations = deps.installations
    if installations is None:
        return
    for user in tokens.get("oauth") or []:
        installations.store.delete_installation(
            enterprise_id=body.get("enterprise_id"), team_id=body.get("team_id"), user_id=str(user)
        )


def forget_workspace(deps: Deps, body: dict[str, Any]) -> None:
    team, enterprise = str(body.get("team_id") or ""), body.get("enterprise_id")
    if not team or deps.installations is None:
        return
    deps.installations.forget(team_id=team, enterprise_id=enterprise)
    with transaction(deps.new_session) as session:
        record_uninstalled(session, team_id=team, now=deps.clock())
