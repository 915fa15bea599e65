"""App Home: published when the user opens the Home tab and after they act.

Feature modules add sections with `@surface.home_section(order)`: pipeline summary (10), quotes (15),
work queue (20), open leads (30). Each is called with a `HomeRequest`: every section reads through
prepared statements on the publish's one kept connection (`home.reads.reader`; a session only when a
section asks for `home.reads.session`), and shares the viewer and time zone read once at the start.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.background import send_last
from bot.deps import Deps
from bot.services.home import HomeReads, home_asker, home_reads
from bot.services.leads import open_leads_in
from bot.surface import Surface
from bot.views.home import home_view
from bot.views.leads import count_text, lead_list
from handlers.listeners import later

HOME_LEADS = 25


@dataclass(frozen=True)
class HomeRequest:
    """What a Home section reads with: the publish's connection (and session, at need), who asks, their zone."""

    deps: Deps
    client: WebClient
    team: str
    user: str
    reads: HomeReads


def register(surface: Surface, deps: Deps) -> None:
    @surface.event("app_home_opened")
    def home_opened(ack: Ack, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        ack()
        if event.get("tab", "home") == "home":
            asked = {**body, "user_id": event["user"]}  # whom a failure is told (the envelope names no user)
            later(deps, client, asked, publish_home, surface, deps, client, body.get("team_id", ""), event["user"])

    @surface.home_section(30)
    def open_leads_section(home: HomeRequest) -> list[dict[str, Any]]:
        leads, total = open_leads_in(home.reads.reader, team_id=home.team, owner_id=home.user, limit=HOME_LEADS)
        return lead_list(leads, title=f"My open leads ({count_text(total)})", total=total) if leads else []


def publish_home(surface: Surface, deps: Deps, client: WebClient, team: str, user: str) -> None:
    """Every section on one kept connection (no session or pool checkout unless a section needs the ORM:
    they were a tenth of a Home's CPU); who asks and their zone (users.info while the profile was never
    fetched, a Slack call) are settled before it, so no connection waits on Slack."""
    ask_zone = functools.partial(slack_zone, client, user)
    ask = home_asker(deps.engine, team_id=team, user_id=user, admin_ids=deps.admin_ids, ask_zone=ask_zone)
    with home_reads(deps.engine, ask=ask, now=deps.clock(), new_session=deps.new_session) as reads:
        home = HomeRequest(deps, client, team, user, reads)
        sections = [fn(home) for _, fn in surface.home_sections]
    send_last(client.views_publish, user_id=user, view=home_view([s for s in sections if s]))  # on a sender thread


def slack_zone(client: WebClient, user: str) -> str | None:
    """The user's zone from users.info (not stored here: the profile middleware is refreshing the same
    row in the background); None when Slack does not say."""
    try:
        return str(client.users_info(user=user)["user"].get("tz") or "UTC")
    except (SlackApiError, OSError, KeyError):
        return None
