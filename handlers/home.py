"""App Home: published when the user opens the Home tab and after they act.

Feature modules add sections with `@surface.home_section(order)`: pipeline summary (10),
work queue (20), open leads (30).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.services.leads import my_open_leads
from bot.surface import Surface
from bot.views.home import home_view
from bot.views.leads import count_text, lead_list
from handlers.listeners import later

HOME_LEADS = 25


def register(surface: Surface, deps: Deps) -> None:
    @surface.event("app_home_opened")
    def home_opened(ack: Ack, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        ack()
        if event.get("tab", "home") == "home":
            later(deps, client, body, publish_home, surface, deps, client, body.get("team_id", ""), event["user"])

    @surface.home_section(30)
    def open_leads_section(deps: Deps, client: WebClient, team: str, user: str) -> list[dict[str, Any]]:
        leads, total = my_open_leads(deps.engine, team_id=team, owner_id=user, limit=HOME_LEADS)
        return lead_list(leads, title=f"My open leads ({count_text(total)})", total=total) if leads else []


def publish_home(surface: Surface, deps: Deps, client: WebClient, team: str, user: str) -> None:
    sections = [fn(deps, client, team, user) for _, fn in surface.home_sections]
    client.views_publish(user_id=user, view=home_view([s for s in sections if s]))
