"""Helpers of the routing tests: API tokens, posts to /api/leads, uploaded rules, teams, a second
bot instance on the same database, the dispatcher's sending."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import time_machine
from sqlmodel import select

from bot.app import create_app
from bot.deps import build_deps
from bot.services.api_tokens import create_token
from bot.slack_client import make_client
from scheduler.dispatcher import tick
from store.db import transaction
from store.models import Lead, SalesTeam, SalesTeamMember
from tests.conftest import RunningBot, make_settings
from tests.slack.driver import Response

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def api_url(bot_url: str) -> str:
    return bot_url.replace("/slack/events", "/api/leads")


def token(bot: RunningBot, *, team: str = "T1", creator: str = "UADMIN", name: str = "Website") -> str:
    with transaction(bot.deps.new_session) as session:
        return create_token(session, team_id=team, name=name, by=creator, now=NOW)[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(
    url: str,
    body: bytes | str | dict[str, Any],
    *,
    bearer: str | None = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Response:
    data = json.dumps(body).encode() if isinstance(body, dict) else body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", content_type)
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with _OPENER.open(request, timeout=10) as answer:
            return Response(answer.status, answer.read().decode(), dict(answer.headers))
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode(), dict(error.headers))


def post_lead(bot: RunningBot, fields: dict[str, Any], secret: str, **kwargs: Any) -> Response:
    response = post(api_url(bot.url), fields, bearer=secret, **kwargs)
    bot.deps.background.wait_idle()
    return response


def post_form(bot: RunningBot, fields: dict[str, str]) -> Response:
    return post(api_url(bot.url), urlencode(fields), content_type="application/x-www-form-urlencoded")


def upload_rules(bot: RunningBot, toml: str, team: str = "T1") -> None:
    with transaction(bot.deps.new_session) as session:
        bot.deps.processes.upload(session, team, toml, now=NOW)


def make_team(bot: RunningBot, name: str, members: list[str], team: str = "T1") -> None:
    with transaction(bot.deps.new_session) as session:
        group = SalesTeam(team_id=team, name=name, name_key=name.lower())
        session.add(group)
        session.flush()
        for member in members:
            session.add(SalesTeamMember(team_id=team, sales_team_id=group.id or 0, user_id=member))


def leads(bot: RunningBot, team: str = "T1") -> list[Lead]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(Lead).where(Lead.team_id == team).order_by(Lead.id)))  # type: ignore[arg-type]


def deliver(bot: RunningBot, now: datetime | None = None, seconds: int = 3) -> int:
    """The dispatcher's sending for a few seconds from `now` (default: now; no planning)."""
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    now = now or datetime.now(UTC)
    sent = 0
    for second in range(seconds):
        with time_machine.travel(now + timedelta(seconds=second), tick=False):
            sent += tick(bot.deps, client, now + timedelta(seconds=second), plan=False)
    return sent


@contextmanager
def second_instance(bot: RunningBot, database_url: str) -> Iterator[str]:
    """Another salesbot on the same database (its own engine, process cache and HTTP server): the
    /slack/events URL it serves."""
    from bot.server import EVENTS_PATH, make_http_server, run_until

    deps = build_deps(make_settings(database_url, bot.slack))
    app, _ = create_app(deps)
    server = make_http_server(app, "127.0.0.1", 0, threads=4)
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}{EVENTS_PATH}"
    finally:
        deps.background.wait_idle()
        stop.set()
        thread.join(timeout=5)
        deps.background.shutdown()
        deps.engine.dispose()
