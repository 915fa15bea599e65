"""`salesbot run --no-scheduler` on PostgreSQL: the web process folds the owner counts' per-transaction slots
itself (bot/count_fold.py), so with web instances alone the slots do not pile up under the lists' counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.bot.test_cli import SECRET, _env, _free_port, _wait, _wait_for_port
from tests.slack.driver import SlackDriver
from tests.slack.fake_slack import FakeSlack


def _slots(url: str) -> list[tuple[str, str, int]]:
    """owner_count's rows: (record type, status, slot 0 or not)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            query = "SELECT record_type, status, slot <> 0, records FROM owner_count WHERE records <> 0 ORDER BY 1, 3"
            return [tuple(row) for row in connection.exec_driver_sql(query)]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_web_instances_alone_fold_the_count_slots(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite counts in slot 0 only: nothing to fold")
    port = _free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-run", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url, "COUNT_FOLD_SECONDS": "0.3",
    }  # fmt: skip
    command = [sys.executable, "-m", "bot", "run", "--no-scheduler", "--workers", "1", "--port", str(port)]
    process = subprocess.Popen([*command, "--host", "127.0.0.1"], env=_env(env), cwd=tmp_path, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        _wait_for_port(port, process)
        rep = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, fake_slack, settle=lambda: None).as_user()
        for topic in ("Espresso bar", "Roastery", "Kiosk"):  # each lead written in transactions of its own
            assert rep.command("/lead").status == 200
            view = fake_slack.wait_for("views.open")[-1].args["view"]
            fake_slack.calls.clear()
            assert rep.submit(view, {"Topic": topic, "Company": "Stazione"}).status == 200
            fake_slack.wait_for("chat.postMessage")
        assert _wait(lambda: _slots(database_url) == [("lead", "open", False, 3)], seconds=20), _slots(database_url)
        assert rep.command("/lead", "list").json["text"] == "Your open leads (3)"
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "Traceback" not in output
    fake_slack.assert_valid()
