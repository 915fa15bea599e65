"""The app factory: builds the Bolt app, registers every listener, logs one line per request."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse
from slack_bolt.logger import get_bolt_app_logger
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.deps import Deps
from bot.fast_ack import FastAck
from bot.installations import WorkspaceAuthorize
from bot.listener_index import IndexedApp
from bot.logs import log_request
from bot.services.workspaces import Installed, record_installed
from bot.slack_client import SHARED_POOL, keep_alive_copy, make_client, request_client
from bot.surface import Surface
from bot.web_api import LEADS_PATH, web_api
from store.db import budget, transaction

if TYPE_CHECKING:
    from slack_sdk.oauth.installation_store import Installation

# Seconds a modal submission may wait on the database before its ack answers "busy, nothing saved":
# Slack shows the user an error after 3 s, and they submit again. The other 1.5 s are headroom: on a
# loaded 2-core machine the rest of a refused submission once took 0.86 s (it takes 15 ms when idle).
ACK_DB_BUDGET = 1.5
# Bolt names its listeners' loggers after the app. Given no name, it takes the caller's file name from
# inspect.stack(), which reads the source of every frame and resolves the path of every loaded module
# (~900 at that point): about half of a worker's time to build its app (docs/performance.md).
# Not "salesbot": Bolt gives a listener without a __name__ (a functools.partial) the logger named after
# the app, at the root's level of that moment; named "salesbot", an app built while the root was at
# WARNING silenced every salesbot.* INFO record after (tests/bot/test_logs.py).
APP_NAME = "salesbot-bolt"


class SalesApp(IndexedApp):
    """Bolt's App with its listeners indexed (bot.listener_index), timing each request from arrival to
    response (HTTP and Socket Mode alike), its listeners' Slack clients keep-alive.
    `http_routes`: other paths its HTTP server serves (POST /api/leads), not signed by Slack."""

    http_routes: dict[str, Any]
    after_ack: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listener_client = keep_alive_copy(self._client, SHARED_POOL)

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        bounded = ACK_DB_BUDGET if (req.body or {}).get("type") == "view_submission" else None
        with budget(bounded):  # the listener acks in this thread (process_before_response)
            response = super().dispatch(req)
        log_request(req, response.status, (time.perf_counter() - started) * 1000)
        return response

    def _init_context(self, req: BoltRequest) -> None:
        """Bolt's own, but the listeners' client is keep-alive (Bolt's is a new urllib WebClient per
        request, which opens a connection per Web API call: views.publish, users.info…), and their
        `ack` encodes its answer with orjson (bot.fast_ack)."""
        req.context["logger"] = get_bolt_app_logger(app_name=self.name, base_logger=self._base_logger)
        req.context["token"] = self._token
        req.context["client"] = request_client(self.listener_client, self._token, req.context.team_id)
        req.context["ack"] = FastAck()  # Bolt makes its own Ack on first use
        req.context["listener_runner"] = self.listener_runner


def create_app(deps: Deps, client: WebClient | None = None) -> tuple[SalesApp, Surface]:
    """`process_before_response=True`: listeners ack at once and hand slow work to `deps.background`,
    which spares Bolt's 10 ms ack polling (measured in shared/notes) and keeps acks fast."""
    settings = deps.settings
    client = client or make_client(settings.slack_bot_token, settings.slack_api_url)
    app = SalesApp(
        name=APP_NAME,
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # HTTP: bot.gate verifies every POST to /slack/events on the raw bytes before Bolt sees it
        # (bot.server.wsgi_app); Bolt verifying again cost a twentieth of a `/lead list` ack.
        request_verification_enabled=False,
        process_before_response=True,
        **_oauth_options(deps, client),
    )
    app.http_routes = {LEADS_PATH: web_api(deps)}
    app.after_ack = deps.background
    surface = Surface(app, oauth=deps.installations is not None)
    import handlers  # the composition root is the one place bot/ reaches into handlers/

    handlers.register(surface, deps)
    if deps.installations is not None:  # the "Add to Slack" link asks for the scopes the listeners need
        deps.installations.scopes[:] = sorted(surface.scopes)
    return app, surface


def _oauth_options(deps: Deps, client: WebClient) -> dict[str, Any]:
    """OAuth mode: Bolt's OAuthFlow (install pages, oauth.v2.access at SLACK_API_URL through `client`)
    and salesbot's authorize (each workspace's token, refreshed once). Single-token mode: nothing."""
    if deps.installations is None:
        return {}
    flow = deps.installations.flow(client, functools.partial(on_installed, deps))
    return {"oauth_flow": flow, "authorize": WorkspaceAuthorize(deps.installations.tokens)}


def on_installed(deps: Deps, installation: Installation) -> None:
    install = Installed(
        team_id=installation.team_id or "", enterprise_id=installation.enterprise_id,
        name=installation.team_name or "", installer=installation.user_id or "",
    )  # fmt: skip
    with transaction(deps.new_session) as session:
        record_installed(session, install, now=deps.clock())


def preload() -> None:
    """Import every listener module (and what they import) in the process that forks the workers, then
    move what is loaded out of the garbage collector's reach (gc.freeze): the workers share those
    pages copy-on-write instead of each importing its own copy (memory measured in
    docs/performance.md). No collection first: `salesbot run` imports with collection off, and a
    full pass over the ~120,000 objects it tracks by then found 433 to free, for 65-190 ms (up to a tenth of
    its start-up)."""
    import gc

    from sqlalchemy.orm import configure_mappers

    import handlers  # noqa: F401

    configure_mappers()  # once, shared, rather than at each worker's first ORM use (~50 ms CPU, ~2 MB each)
    gc.freeze()


def describe_surface(deps: Deps, *, oauth: bool = False) -> Surface:
    """Register everything on an offline app (no token check) to read what salesbot offers Slack."""
    app = App(
        name=APP_NAME, token="xoxb-offline", signing_secret="offline", token_verification_enabled=False,
        process_before_response=True,
    )  # fmt: skip
    surface = Surface(app, oauth=oauth)
    import handlers

    handlers.register(surface, deps)
    return surface
