"""The salesbot command line, run as a user runs it: a subprocess with an environment."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bot.server import RESTART_GRACE
from tests.slack.driver import SlackDriver
from tests.slack.fake_slack import FakeSlack

SECRET = "cli-test-secret"


def salesbot(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=_env(env or {}),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "ADMIN_"))}
    env["PYTHONPATH"] = str(Path(__file__).parents[2])
    env.update(extra)
    return env


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "not-a-token", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DIGEST_HOUR": "25"}, "DIGEST_HOUR"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "REMINDER_MINUTES_BEFORE": "soon"},
            "REMINDER_MINUTES_BEFORE",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "ADMIN_USER_IDS": "U1,not valid"},
            "ADMIN_USER_IDS",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PROCESS_FILE": "/nope.toml"}, "PROCESS_FILE"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_bad_setting_stops_startup_with_one_line_naming_it(env: dict[str, str], name: str, tmp_path: Path) -> None:
    result = salesbot("run", "--port", "0", env=env, cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and "Traceback" not in result.stderr


def test_settings_are_read_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=s\nSTALE_DEAL_DAYS=0\n")
    result = salesbot("run", env={}, cwd=tmp_path, timeout=30)
    assert result.returncode == 2 and "STALE_DEAL_DAYS" in result.stderr


def test_manifest_needs_no_tokens_and_lists_what_is_registered(tmp_path: Path) -> None:
    result = salesbot("manifest", "--url", "https://bot.example.com/slack/events", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = yaml.safe_load(result.stdout)
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/lead", "/opp", "/pipeline", "/sequence", "/salesbot", "/task"}
    assert commands["/lead"]["url"] == "https://bot.example.com/slack/events"
    assert {s["callback_id"] for s in manifest["features"]["shortcuts"]} >= {"new_lead"}
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "users:read"} <= scopes
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_manifest_socket_mode_has_no_urls(tmp_path: Path) -> None:
    result = salesbot("manifest", "--socket-mode", cwd=tmp_path)
    manifest = yaml.safe_load(result.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])


def test_db_upgrade_and_backup(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}"}
    assert salesbot("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    result = salesbot("db", "backup", str(tmp_path / "copy.db"), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("select version_num from alembic_version").fetchone() == (_head(),)
        tables = {row[0] for row in copy.execute("select name from sqlite_master where type = 'table'")}
    assert {"lead", "opportunity", "activity", "outbox", "slack_user", "share"} <= tables


def _head() -> str:
    from alembic.script import ScriptDirectory

    from store.db import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_salesbot_run_serves_lead_over_http(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> None:
    """`salesbot run` (HTTP mode) upgrades the database and answers /lead with a modal and a card."""
    if database_url.startswith("sqlite"):
        database_url = f"sqlite:///{tmp_path / 'fresh.db'}"  # prove run creates the schema itself
    port = _free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-run",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
        "SCHEDULER_TICK_SECONDS": "0.5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--port", str(port), "--host", "127.0.0.1"],
        env=_env(env),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_port(port, process)
        driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, fake_slack, settle=lambda: None)
        user = driver.as_user("U1", "T1")
        assert user.command("/lead").status == 200
        view = fake_slack.wait_for("views.open")[0].args["view"]
        assert view["title"]["text"] == "New lead"
        response = user.submit(view, {"Topic": "Run-mode lead", "Company": "Contoso"})
        assert response.status == 200
        post = fake_slack.wait_for("chat.postMessage")[0]
        assert post.args["channel"] == "DU1" and "Run-mode lead" in post.args["text"]
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "type=slash_command" in output and "xoxb-run" not in output
    fake_slack.assert_valid()


def _wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"salesbot run exited: {process.communicate()[0]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("salesbot run did not start listening")


def test_import_leads_from_the_shell(tmp_path: Path) -> None:
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text("Topic;Company;Email\nA;Acme;a@x.it\nB;Beta;bad\nA2;ACME;A@X.IT\n", encoding="utf-8-sig")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    result = salesbot("import", "leads", str(csv_file), "--team", "T1", "--owner", "U1", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 created · 1 duplicates skipped · 1 rejected (of 3 rows)" in result.stdout
    assert "row 3: Email" in result.stdout
    rejected = (tmp_path / "leads-rejected.csv").read_text(encoding="utf-8").splitlines()
    assert rejected[0] == "Row,Reason,Topic,Company,Email" and rejected[1].startswith("3,Email:")
    assert rejected[1].endswith(",B,Beta,bad") and len(rejected) == 2 and "leads-rejected.csv" in result.stdout
    clean = tmp_path / "clean.csv"
    clean.write_text("Topic,Company\nC,Gamma\n", encoding="utf-8")
    result = salesbot("import", "leads", str(clean), "--team", "T1", "--owner", "U1", env=env, cwd=tmp_path)
    assert "1 created" in result.stdout and sorted(p.name for p in tmp_path.glob("*.csv")) == [
        "clean.csv",
        "leads-rejected.csv",
        "leads.csv",
    ]
    assert not list(tmp_path.glob(".*partial"))
    missing_owner = salesbot("import", "leads", str(csv_file), "--team", "T1", env=env, cwd=tmp_path)
    assert missing_owner.returncode == 2 and "ADMIN_USER_IDS" in missing_owner.stderr
    assert len(missing_owner.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("url", ["sqlite:////nonexistent/dir/x.db", "postgresql+psycopg://postgres@127.0.0.1:1/x"])
def test_unusable_database_is_one_line_naming_database_url(url: str, tmp_path: Path) -> None:
    result = salesbot("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("salesbot: setting DATABASE_URL") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_demo_defaults_to_the_one_workspace_the_database_knows(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    assert salesbot("demo", "--team", "T9", "--owner", "U1", env=env, cwd=tmp_path).returncode == 0
    again = salesbot("demo", "--owner", "U1", env=env, cwd=tmp_path)
    assert again.returncode == 0 and "T9" in again.stdout


def test_manifest_respects_the_manifest_schema_limits(tmp_path: Path) -> None:
    manifest = yaml.safe_load(salesbot("manifest", cwd=tmp_path).stdout)
    assert len(manifest["display_information"]["name"]) <= 35
    assert len(manifest["display_information"]["description"]) <= 140
    shortcuts = manifest["features"]["shortcuts"]
    assert {s["callback_id"] for s in shortcuts} == {"new_lead", "create_lead_from_message", "log_message_to"}
    assert 1 <= len(shortcuts) <= 10
    for shortcut in shortcuts:
        assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 150
        assert shortcut["type"] in ("global", "message")
    for command in manifest["features"]["slash_commands"]:
        assert command["command"].startswith("/") and len(command["command"]) <= 32
        assert len(command["description"]) <= 100 and len(command.get("usage_hint", "")) <= 100
    assert len(manifest["settings"]["event_subscriptions"]["bot_events"]) <= 100


def _children(pid: int) -> set[int]:
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.add(int(status.parent.name))
    return found


def _started(log: Path, role: str) -> list[int]:
    """Pids the supervisor logged as started for `role` ("http" or "scheduler"), in order."""
    text = log.read_text() if log.exists() else ""
    return [int(pid) for pid in re.findall(rf"started {role} process (\d+)", text)]


def _wait(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


def test_run_supervises_workers_and_the_scheduler_and_replaces_the_dead(fake_slack: FakeSlack, tmp_path: Path) -> None:
    """`salesbot run --workers 2`: two HTTP processes and a scheduler process under one supervisor;
    whichever dies is replaced, even one killed while it is still starting."""
    import signal

    port = _free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-run",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
    }
    command = [sys.executable, "-m", "bot", "run", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path / "run.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(command, env=_env(env), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        _wait_for_port(port, process)
        driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, fake_slack, settle=lambda: None)
        for _ in range(4):  # both workers are up and serving
            assert driver.as_user("U1", "T1").command("/lead", "list").status == 200
        assert _wait(lambda: len(_started(log, "http")) == 2 and len(_started(log, "scheduler")) == 1)
        assert _children(process.pid) == {*_started(log, "http"), *_started(log, "scheduler")}

        scheduler, worker = _started(log, "scheduler")[0], _started(log, "http")[0]
        os.kill(scheduler, signal.SIGKILL)
        os.kill(worker, signal.SIGKILL)
        assert _wait(lambda: len(_started(log, "http")) == 3 and len(_started(log, "scheduler")) == 2)
        fresh_worker = _started(log, "http")[-1]
        os.kill(fresh_worker, signal.SIGKILL)  # dies while starting: replaced after a pause, not in a loop
        assert _wait(lambda: len(_started(log, "http")) == 4, seconds=RESTART_GRACE + 30)
        expected = {*_started(log, "http")[1:], *_started(log, "scheduler")[1:]} - {fresh_worker}
        assert _wait(lambda: _children(process.pid) == expected)
        assert driver.as_user("U1", "T1").command("/lead", "list").status == 200
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
    assert "Traceback" not in log.read_text()
    fake_slack.assert_valid()
