"""Fixtures: a migrated database (SQLite and PostgreSQL), the fake Slack, and the bot serving HTTP."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.app import create_app
from bot.config import load_settings
from bot.deps import Deps, build_deps
from bot.server import EVENTS_PATH, make_http_server, run_until
from store.db import make_engine, upgrade
from tests.slack.driver import Actor, SlackDriver
from tests.slack.fake_slack import FakeSlack

# No per-example time limit: on a shared 2-core machine one example of pure domain code once took 320 ms
# against Hypothesis' default 200 ms deadline (speed is measured by bench/, never by tests).
hypothesis.settings.register_profile("salesbot", deadline=None)
hypothesis.settings.load_profile("salesbot")

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "salesbot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """A schema of its own per test session, so parallel runs on one server never see each other."""
    if not _postgres_available():
        if os.environ.get("CI") or os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}; CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL is not running")
    schema = f"salesbot_test_{os.getpid()}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    migrated = make_engine(url)
    upgrade(migrated)
    migrated.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "salesbot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgres_migrated")
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@dataclass
class RunningBot:
    deps: Deps
    url: str
    slack: FakeSlack
    driver: SlackDriver

    def user(self, user_id: str = "U1", team_id: str = "T1") -> Actor:
        return self.driver.as_user(user_id, team_id)


def make_settings(database_url: str, fake: FakeSlack, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = dict(
        _env_file=None, slack_bot_token="xoxb-test-token", slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url, database_url=database_url,
    )  # fmt: skip
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def bot_settings() -> dict[str, object]:
    """Override to change settings for the bot of one test module."""
    return {}


@pytest.fixture
def bot(database_url: str, fake_slack: FakeSlack, bot_settings: dict[str, object]) -> Iterator[RunningBot]:
    yield from serve(build_deps(make_settings(database_url, fake_slack, **bot_settings)), fake_slack)


STATE_SECRET = "state-secret-for-tests-0123456789"


def make_oauth_settings(database_url: str, fake: FakeSlack, **overrides: object):  # type: ignore[no-untyped-def]
    """OAuth mode: no bot token; the app's credentials as the fake Slack knows them."""
    values: dict[str, object] = dict(
        slack_bot_token=None, slack_client_id=fake.client_id, slack_client_secret=fake.client_secret,
        slack_state_secret=STATE_SECRET,
    )  # fmt: skip
    values.update(overrides)
    return make_settings(database_url, fake, **values)


@pytest.fixture
def oauth_bot(database_url: str, fake_slack: FakeSlack, bot_settings: dict[str, object]) -> Iterator[RunningBot]:
    """The bot in OAuth mode with workspaces T1 and T2 installed through /slack/install (by UINSTALLER), their
    welcome DMs delivered, and the fake Slack's record of all that cleared: tests start from installed."""
    from bot.slack_client import make_client
    from scheduler.dispatcher import dispatch_due

    for running in serve(build_deps(make_oauth_settings(database_url, fake_slack, **bot_settings)), fake_slack):
        for team in ("T1", "T2"):
            assert running.driver.install(team).status == 200
        assert dispatch_due(running.deps, make_client(None, fake_slack.api_url, inline_retries=False)) == 2
        fake_slack.calls.clear()
        yield running


def serve(deps: Deps, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    app, _ = create_app(deps)
    server = make_http_server(app, "127.0.0.1", 0, threads=8)
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}{EVENTS_PATH}"
    driver = SlackDriver(url, SIGNING_SECRET, fake_slack, settle=deps.background.wait_idle)
    yield RunningBot(deps, url, fake_slack, driver)
    deps.background.wait_idle()
    stop.set()
    thread.join(timeout=5)
    deps.background.shutdown()
    deps.engine.dispose()
    fake_slack.assert_valid()
