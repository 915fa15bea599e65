"""App Home: published when the user opens the Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.surface import Surface
from bot.views.home import home_view
from store import leads as lead_store
from store.db import transaction


def register(surface: Surface, deps: Deps) -> None:
    @surface.event("app_home_opened")
    def home_opened(ack: Ack, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        ack()
        if event.get("tab", "home") == "home":
            deps.background.submit(publish_home, deps, client, body.get("team_id", ""), event["user"])


def publish_home(deps: Deps, client: WebClient, team: str, user: str) -> None:
    with transaction(deps.new_session) as session:
        leads = lead_store.open_leads(session, team_id=team, owner_id=user, limit=40)
        total = lead_store.count_open_leads(session, team_id=team, owner_id=user)
    client.views_publish(user_id=user, view=home_view(leads, total))
