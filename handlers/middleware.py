"""Global middleware: Events API dedupe and user profile refresh."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from slack_bolt import BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.services import users
from bot.surface import Surface
from handlers.context import team_id, user_id
from store.db import transaction

log = logging.getLogger("salesbot.middleware")
PROFILE_MAX_AGE = timedelta(hours=12)


def register(surface: Surface, deps: Deps) -> None:
    # Middleware classes rather than functions: Bolt inspects a function middleware's signature to
    # inject its arguments on every request (a tenth of a `/lead list` ack's CPU, profiled).
    surface.app.use(SkipRedeliveredEvents(deps))
    surface.app.use(RefreshProfiles(deps))


class SkipRedeliveredEvents(Middleware):
    """Slack redelivers an event (X-Slack-Retry-Num) when our ack was late: process each event_id once."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            team = body.get("team_id", "")
            first = users.is_first_delivery(self.deps.new_session, self.deps.engine, team_id=team, event_id=event_id)
            if not first:
                log.info("duplicate event skipped event_id=%s", event_id)
                return BoltResponse(status=200, body="")
        return next()


class RefreshProfiles(Middleware):
    """Refresh a user's cached profile in the background at most every PROFILE_MAX_AGE per process."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.recently_refreshed: dict[tuple[str, str], float] = {}
        self.lock = threading.Lock()

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        team, user = team_id(req.body), user_id(req.body)
        if team and user and self._due(team, user):
            self.deps.background.submit(refresh_user_profile, self.deps, req.context.client, team, user)
        return next()

    def _due(self, team: str, user: str) -> bool:
        now = self.deps.clock().timestamp()
        with self.lock:
            due = now - self.recently_refreshed.get((team, user), 0) > PROFILE_MAX_AGE.total_seconds()
            if due:
                self.recently_refreshed[(team, user)] = now
        return due


def refresh_user_profile(deps: Deps, client: WebClient, team: str, user: str) -> None:
    """Cache the user's name, time zone and Slack admin flag (users.info) at most twice a day."""
    with transaction(deps.new_session) as session:
        if users.profile_is_fresh(session, team_id=team, user_id=user, now=deps.clock(), max_age=PROFILE_MAX_AGE):
            return
    try:
        info = client.users_info(user=user)["user"]
    except SlackApiError as error:
        log.warning("users.info failed user=%s error=%s", user, error.response.get("error"))
        return
    with transaction(deps.new_session) as session:
        users.save_profile(
            session, team_id=team, user_id=user, name=info.get("real_name") or info.get("name", ""),
            tz=info.get("tz") or "UTC", is_slack_admin=bool(info.get("is_admin") or info.get("is_owner")),
            at=deps.clock(),
        )  # fmt: skip
