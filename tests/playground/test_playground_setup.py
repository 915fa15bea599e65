"""`salesbot playground` can never reach a real workspace, and its clock is one for every process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import cli
from bot.clock import OffsetClock
from bot.playground import playground_settings, prepare_database, skip_target
from store.clock import set_offset_seconds
from store.db import make_engine, session_factory, transaction


def test_settings_ignore_slack_and_database_from_env_and_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = {"SLACK_BOT_TOKEN": "xoxb-real-workspace", "SLACK_APP_TOKEN": "xapp-real", "SLACK_SIGNING_SECRET": "real",
            "SLACK_API_URL": "https://slack.com/api/", "DATABASE_URL": "postgresql+psycopg://prod/db"}  # fmt: skip
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in real.items()))
    monkeypatch.chdir(tmp_path)
    for key, value in real.items():
        monkeypatch.setenv(key, value)
    settings = playground_settings(tmp_path / "playground.db", "http://127.0.0.1:3001/api/")
    assert settings.slack_bot_token == "xoxb-playground" and not settings.socket_mode
    assert settings.slack_api_url == "http://127.0.0.1:3001/api/"
    assert settings.database_url == f"sqlite:///{tmp_path / 'playground.db'}"
    assert settings.slack_signing_secret != "real"


def test_skip_ahead_targets() -> None:
    now = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)  # 23:30 in Rome, 17:30 in New York
    assert skip_target("15 minutes", now, "Europe/Rome") == now + timedelta(minutes=15)
    assert skip_target("1 hour", now, "Europe/Rome") == now + timedelta(hours=1)
    assert skip_target("Tomorrow 08:00", now, "Europe/Rome") == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert skip_target("Tomorrow 08:00", now, "America/New_York") == datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        skip_target("next week", now, "UTC")


def test_every_process_reads_the_offset_one_of_them_moved(tmp_path: Path) -> None:
    db = tmp_path / "playground.db"
    prepare_database(db, fresh=True)
    web, scheduler = (make_engine(f"sqlite:///{db}") for _ in range(2))  # two processes' own pools
    real = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    web_clock = OffsetClock(session_factory(web), ttl=0, real=lambda: real)
    scheduler_clock = OffsetClock(session_factory(scheduler), ttl=0, real=lambda: real)
    assert web_clock() == scheduler_clock() == real
    with transaction(session_factory(web)) as session:
        set_offset_seconds(session, 3600)
    assert web_clock() == scheduler_clock() == real + timedelta(hours=1)
    web.dispose()
    scheduler.dispose()


def test_help_names_the_options() -> None:
    result = CliRunner().invoke(cli, ["playground", "--help"])
    assert result.exit_code == 0
    assert all(option in result.output for option in ("--port", "--host", "--db", "--fresh"))
