"""OAuth mode from the shell: its settings, `salesbot run` serving the install flow, `manifest --oauth`, and
`salesbot workspace list|export|delete`."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.bot.test_cli import SECRET, _env, _free_port, _wait_for_port, salesbot
from tests.slack.driver import SlackDriver
from tests.slack.fake_slack import FakeSlack

OAUTH = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "s3cr3t", "SLACK_STATE_SECRET": "st4te"}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_CLIENT_ID": "1111.2222"}, ["SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET"]),
        ({**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"}, ["SLACK_BOT_TOKEN", "SLACK_CLIENT_ID"]),
        ({**OAUTH, "SLACK_APP_TOKEN": "xapp-1"}, ["SLACK_APP_TOKEN", "HTTP mode"]),
    ],
)
def test_oauth_settings_are_all_or_none_and_never_beside_a_token(
    env: dict[str, str], named: list[str], tmp_path: Path
) -> None:
    result = salesbot("run", "--port", "0", env={"SLACK_SIGNING_SECRET": "s", **env}, cwd=tmp_path, timeout=30)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert all(name in lines[0] for name in named) and "s3cr3t" not in result.stderr


def test_run_in_oauth_mode_serves_the_install_flow(fake_slack: FakeSlack, tmp_path: Path) -> None:
    """No bot token: `salesbot run` serves /slack/install, completes an install at SLACK_API_URL, and then
    answers that workspace with its own token."""
    port = _free_port()
    env = {"SLACK_CLIENT_ID": fake_slack.client_id, "SLACK_CLIENT_SECRET": fake_slack.client_secret,
           "SLACK_STATE_SECRET": "state", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake_slack.api_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'oauth.db'}", "LOG_LEVEL": "DEBUG"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--port", str(port), "--host", "127.0.0.1", "--workers", "1"],
        env=_env(env), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        _wait_for_port(port, process, timeout=120)  # a fresh database migrates first; the machine may be busy
        driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, fake_slack, settle=lambda: None)
        assert "is installed in Roasters" in driver.install("T1", "UA", team_name="Roasters").body
        assert driver.as_user("U1", "T1").command("/lead").status == 200
        opened = fake_slack.wait_for("views.open")[0]
        assert opened.token in fake_slack.bot_tokens("T1")
    finally:
        process.terminate()
        try:
            output = process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate()[0]
    assert "type=slash_command" in output
    assert not [secret for secret in (fake_slack.client_secret, *fake_slack.tokens) if secret in output]
    listing = salesbot("workspace", "list", env={"DATABASE_URL": env["DATABASE_URL"]}, cwd=tmp_path)
    assert listing.returncode == 0 and "T1" in listing.stdout and "Roasters" in listing.stdout
    assert "installed" in listing.stdout


def test_manifest_oauth_adds_the_redirect_url_and_token_rotation_with_the_same_scopes(tmp_path: Path) -> None:
    single = yaml.safe_load(salesbot("manifest", "--url", "https://host/slack/events", cwd=tmp_path).stdout)
    result = salesbot("manifest", "--oauth", "--url", "https://host", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    oauth = yaml.safe_load(result.stdout)
    assert oauth["oauth_config"]["redirect_urls"] == ["https://host/slack/oauth_redirect"]
    assert oauth["oauth_config"]["scopes"] == single["oauth_config"]["scopes"]
    assert oauth["settings"]["token_rotation_enabled"] is True and single["settings"]["token_rotation_enabled"] is False
    assert oauth["settings"]["event_subscriptions"]["request_url"] == "https://host/slack/events"
    events = set(oauth["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_uninstalled", "tokens_revoked"} <= events
    assert not {"app_uninstalled", "tokens_revoked"} & set(single["settings"]["event_subscriptions"]["bot_events"])
    assert "redirect_urls" not in single["oauth_config"]
    assert salesbot("manifest", "--oauth", "--socket-mode", cwd=tmp_path).returncode == 2


def test_workspace_list_export_and_delete(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    for team in ("T1", "T2"):
        assert salesbot("demo", "--team", team, "--owner", "U1", env=env, cwd=tmp_path).returncode == 0
    listing = salesbot("workspace", "list", env=env, cwd=tmp_path).stdout
    rows = {line.split()[0]: line for line in listing.splitlines()[1:]}
    assert set(rows) == {"T1", "T2"} and "single-token" in rows["T1"]

    target = tmp_path / "t1.zip"
    exported = salesbot("workspace", "export", "T1", str(target), env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        leads = list(csv.DictReader(io.StringIO(archive.read("leads.csv").decode())))
        lines = list(csv.DictReader(io.StringIO(archive.read("opportunity_lines.csv").decode())))
    assert {"leads.csv", "opportunities.csv", "quotes.csv", "activities.csv", "users_and_roles.csv"} <= names
    assert leads and {lead["team_id"] for lead in leads} == {"T1"} and lines
    assert f"leads.csv: {len(leads)}" in exported.stdout

    refused = subprocess.run([sys.executable, "-m", "bot", "workspace", "delete", "T1"], input="T2\n",
                             env=_env(env), cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert refused.returncode == 1 and "nothing was deleted" in refused.stderr
    confirmed = subprocess.run([sys.executable, "-m", "bot", "workspace", "delete", "T1"], input="T1\n",
                               env=_env(env), cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert confirmed.returncode == 0, confirmed.stderr
    assert f"lead: {len(leads)}" in confirmed.stdout and "opportunity:" in confirmed.stdout
    after = {
        line.split()[0]: line.split()
        for line in salesbot("workspace", "list", env=env, cwd=tmp_path).stdout.splitlines()[1:]
    }
    assert "T1" not in after and int(after["T2"][3]) == len(leads)  # T2 untouched
    assert salesbot("workspace", "delete", "T1", "--yes", env=env, cwd=tmp_path).returncode == 1  # nothing left
    assert salesbot("workspace", "export", "nonsense", str(target), env=env, cwd=tmp_path).returncode == 2
