"""`salesbot playground`: salesbot and a Slack stand-in in one command, played in the browser.

The bot runs as in production (HTTP mode, `create_app`, waitress, the scheduler) against the stand-in's
Web API (SLACK_API_URL), which sends it signed requests as Slack does. Settings come from nowhere but
here: SLACK_* and DATABASE_URL of the environment or `.env` are ignored, so it can never reach a real
workspace. The clock runs `clock_offset` ahead (the page's `Skip ahead`), read by every part."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import OffsetClock
from bot.config import Settings, load_settings
from bot.deps import Deps, build_deps, utc_now
from store.clock import set_offset_seconds
from store.db import make_engine, transaction, upgrade

TEAM_ID = "T0PLAYGRND"
REP, COLLEAGUE, MANAGER, ADMIN = "U0REP00001", "U0COLLEAG1", "U0MANAGER1", "U0ADMIN001"
PERSONAS = (  # id, name, role, time zone
    (REP, "Rita Rossi", "rep", "Europe/Rome"),
    (COLLEAGUE, "Carlos Ortega", "colleague", "Europe/Madrid"),
    (MANAGER, "Maya Chen", "manager", "America/New_York"),
    (ADMIN, "Ada Lovelace", "admin", "Europe/London"),
)
CHANNELS = (("C0GENERAL1", "general"), ("C0SALES001", "sales"), ("C0WINS0001", "wins"))
SKIPS = ("15 minutes", "1 hour", "Tomorrow 08:00")


@dataclass
class Playground:
    """Everything `start` started; `stop()` ends it all."""

    url: str
    deps: Deps
    workspace: Any  # slackstandin.workspace.Workspace
    stop: Any


def playground_settings(db: Path, api_url: str) -> Settings:
    return load_settings(
        _env_file=None, slack_bot_token="xoxb-playground", slack_signing_secret=secrets.token_hex(16),
        slack_app_token=None, slack_api_url=api_url, database_url=f"sqlite:///{db.resolve()}",
        admin_user_ids=ADMIN,
    )  # fmt: skip


def prepare_database(db: Path, *, fresh: bool) -> None:
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db.resolve()}")
    upgrade(engine)
    engine.dispose()


def load_personas(deps: Deps) -> None:
    """The demo data owned by the rep, the rep's manager, a colleague and an admin (once per database)."""
    from bot.services.demo import load_demo
    from store.users import ensure_user, set_role, set_team

    with transaction(deps.new_session) as session:
        load_demo(session, team=TEAM_ID, owner=REP, now=deps.clock())
        for user_id, name, _role, tz in PERSONAS:
            user = ensure_user(session, team_id=TEAM_ID, user_id=user_id)
            user.name, user.tz = name, tz
            session.add(user)
        set_team(session, team_id=TEAM_ID, manager_id=MANAGER, rep_ids=[REP])
        set_role(session, team_id=TEAM_ID, user_ids=[ADMIN], role="admin")


def skip_target(choice: str, now: datetime, tz: str) -> datetime:
    """Where `Skip ahead` moves the clock: 15 minutes, an hour, or tomorrow 08:00 on the person's clock."""
    if choice == "15 minutes":
        return now + timedelta(minutes=15)
    if choice == "1 hour":
        return now + timedelta(hours=1)
    if choice == "Tomorrow 08:00":
        local = now.astimezone(ZoneInfo(tz)) + timedelta(days=1)
        return local.replace(hour=8, minute=0, second=0, microsecond=0)
    raise ValueError(f"unknown skip {choice!r}; one of {', '.join(SKIPS)}")


def skip_ahead(deps: Deps, clock: OffsetClock, user_id: str, choice: str) -> None:
    tz = next((p[3] for p in PERSONAS if p[0] == user_id), "UTC")
    target = skip_target(choice, deps.clock(), tz)
    with transaction(deps.new_session) as session:
        set_offset_seconds(session, (target - utc_now()).total_seconds())
    clock.forget()


def start(*, db: Path, host: str = "127.0.0.1", port: int = 3001, fresh: bool = False) -> Playground:
    """Start the stand-in, the bot and its scheduler; returns once the page is usable."""
    from bot.app import create_app
    from bot.server import EVENTS_PATH, make_http_server, run_until
    from scheduler.setup import start_scheduler
    from slackstandin.requests import SignedSender
    from slackstandin.web import Page
    from slackstandin.web_api import FakeSlack

    prepare_database(db, fresh=fresh)
    api = FakeSlack(TEAM_ID, host=host, port=port, reject_invalid=True, realistic_ts=True).start()
    settings = playground_settings(db, api.api_url)
    deps = build_deps(settings)
    clock = OffsetClock(deps.new_session)
    deps.clock = clock
    load_personas(deps)
    app, surface = create_app(deps)
    workspace = _workspace(api, surface)
    server = make_http_server(app, "127.0.0.1", 0, threads=8)
    stopping = threading.Event()
    serving = threading.Thread(target=run_until, args=(server, stopping), daemon=True, name="salesbot-http")
    serving.start()
    workspace.sender = SignedSender(f"http://127.0.0.1:{server.effective_port}{EVENTS_PATH}",
                                    settings.slack_signing_secret or "")  # fmt: skip
    scheduler = start_scheduler(deps)
    page = Page(workspace, skip=lambda user, choice: skip_ahead(deps, clock, user, choice),
                now=lambda: deps.clock().timestamp())  # fmt: skip

    def stop() -> None:
        page.close()
        scheduler.shutdown(wait=False)
        stopping.set()
        serving.join(timeout=5)
        api.stop()
        deps.background.shutdown()
        deps.engine.dispose()

    url = f"http://{_display_host(host)}:{api._server.server_address[1]}"
    return Playground(url=url, deps=deps, workspace=workspace, stop=stop)


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


def _workspace(api: Any, surface: Any) -> Any:
    """The stand-in's workspace: the personas, the channels, and the commands and shortcuts salesbot registered."""
    from slackstandin.workspace import Channel, Command, Person, Workspace

    people = [Person(i, name, role, tz, is_admin=role == "admin") for i, name, role, tz in PERSONAS]
    return Workspace(
        api,
        people=people,
        channels=[Channel(cid, name) for cid, name in CHANNELS],
        commands=[Command(c.name, c.description, c.usage_hint) for c in surface.commands],
        shortcuts=[{"callback_id": s.callback_id, "name": s.name, "type": s.type} for s in surface.shortcuts],
    )
