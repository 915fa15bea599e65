"""OAuth mode end to end: /slack/install → Slack's approval → /slack/oauth_redirect → oauth.v2.access at
SLACK_API_URL; each workspace then works with its own token and sees only its own data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlmodel import select

from bot.deps import build_deps
from bot.services.workspaces import WELCOME
from bot.slack_client import make_client
from scheduler.dispatcher import dispatch_due
from store.db import transaction
from store.installations import SLACK_BOTS, SLACK_INSTALLATIONS, Workspace
from store.models import Lead, Outbox, SlackEvent, SlackUser
from tests.conftest import RunningBot, make_oauth_settings, serve
from tests.handlers.test_lead_flow import create_lead
from tests.slack.driver import blocks_text
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
def bare_oauth_bot(database_url: str, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    """OAuth mode with nothing installed yet."""
    yield from serve(build_deps(make_oauth_settings(database_url, fake_slack)), fake_slack)


def _rows(bot: RunningBot, table: sa.Table) -> list[dict]:
    with bot.deps.engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.select(table)).mappings()]


def _workspaces(bot: RunningBot) -> dict[str, Workspace]:
    with transaction(bot.deps.new_session) as session:
        return {w.team_id: w for w in session.exec(select(Workspace))}


def test_the_install_page_says_what_salesbot_is_and_why_it_asks_each_scope(bare_oauth_bot: RunningBot) -> None:
    page, state, cookie = bare_oauth_bot.driver.start_install()
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Add salesbot to your Slack workspace" in page.body and "Add to Slack" in page.body
    assert "<code>chat:write</code>: posting cards, reminders" in page.body
    assert "<code>commands</code>" in page.body and "<code>users:read</code>" in page.body
    assert f"client_id={bare_oauth_bot.slack.client_id}" in page.body
    assert cookie == f"slack-app-oauth-state={state}"


def test_two_workspaces_install_and_each_sees_only_its_own_leads(bare_oauth_bot: RunningBot) -> None:
    bot = bare_oauth_bot
    for team, installer in (("T1", "UA"), ("T2", "UB")):
        page = bot.driver.install(team, installer, team_name=f"Roasters {team}")
        assert page.status == 200
        assert f"salesbot is installed in Roasters {team}" in page.body
        assert "<code>/lead</code>" in page.body and "<code>/salesbot admin</code>" in page.body
    exchanges = bot.slack.calls_to("oauth.v2.access")
    assert [c.args["code"] for c in exchanges] == ["code-T1-1", "code-T2-3"]  # at SLACK_API_URL, once each
    bots = {row["team_id"]: row for row in _rows(bot, SLACK_BOTS)}
    assert set(bots) == {"T1", "T2"} and bots["T1"]["bot_token"] != bots["T2"]["bot_token"]
    assert {w.team_id: (w.name, w.installed_by) for w in _workspaces(bot).values()} == {
        "T1": ("Roasters T1", "UA"), "T2": ("Roasters T2", "UB"),
    }  # fmt: skip

    create_lead(bot, "U1", "T1", Company="Secret Roasters")
    create_lead(bot, "U9", "T2", Company="Other Beans")
    assert "No lead matches" in bot.user("U9", "T2").command("/lead", "secret").text
    assert "No lead matches" in bot.user("U1", "T1").command("/lead", "other").text
    with transaction(bot.deps.new_session) as session:
        assert sorted((lead.team_id, lead.company) for lead in session.exec(select(Lead))) == [
            ("T1", "Secret Roasters"), ("T2", "Other Beans"),
        ]  # fmt: skip
    tokens_used = {call.token for call in bot.slack.calls if call.method == "views.open"}
    assert tokens_used == {bots["T1"]["bot_token"], bots["T2"]["bot_token"]}  # each workspace, its own token


def test_the_installer_is_the_first_admin_and_gets_a_welcome_dm(bare_oauth_bot: RunningBot) -> None:
    bot = bare_oauth_bot
    bot.driver.install("T1", "UA")
    with transaction(bot.deps.new_session) as session:
        installer = session.exec(select(SlackUser).where(SlackUser.team_id == "T1", SlackUser.user_id == "UA")).one()
        welcome = session.exec(select(Outbox).where(Outbox.kind == WELCOME)).one()
    assert installer.role == "admin"
    assert (welcome.team_id, welcome.recipient, welcome.status) == ("T1", "UA", "pending")
    assert dispatch_due(bot.deps, make_client(None, bot.slack.api_url, inline_retries=False)) == 1
    dm = bot.slack.last_message()
    assert dm.channel == "DUA" and "You are a salesbot admin of this workspace" in dm.text
    assert "Welcome to salesbot" in blocks_text(dm.blocks)
    bot.user("UA", "T1").command("/salesbot", "admin")
    assert bot.slack.last_view("views.open")["title"]["text"] == "salesbot admin"


def test_a_replayed_state_shows_an_error_page_and_installs_nothing(bare_oauth_bot: RunningBot) -> None:
    driver = bare_oauth_bot.driver
    _, state, cookie = driver.start_install()
    assert driver.finish_install(bare_oauth_bot.slack.grant("T1", "UA"), state, cookie).status == 200
    replay = driver.finish_install(bare_oauth_bot.slack.grant("T2", "UB"), state, cookie)
    assert replay.status == 401 and "salesbot was not installed" in replay.body
    assert "expired or was already used" in replay.body
    forged = driver.finish_install(bare_oauth_bot.slack.grant("T3", "UC"), state[:-1] + "0", f"{cookie[:-1]}0")
    assert forged.status == 401
    no_cookie = driver.finish_install(bare_oauth_bot.slack.grant("T4", "UD"), *driver.start_install()[1:2], "")
    assert no_cookie.status == 400 and "another browser" in no_cookie.body
    assert {row["team_id"] for row in _rows(bare_oauth_bot, SLACK_BOTS)} == {"T1"}
    assert set(_workspaces(bare_oauth_bot)) == {"T1"}
    assert len(bare_oauth_bot.slack.calls_to("oauth.v2.access")) == 1  # no code of a refused redirect was exchanged


def test_a_state_older_than_ten_minutes_is_refused(bare_oauth_bot: RunningBot) -> None:
    driver = bare_oauth_bot.driver
    _, state, cookie = driver.start_install()
    with time_machine.travel(timedelta(minutes=11)):
        late = driver.finish_install(bare_oauth_bot.slack.grant("T1", "UA"), state, cookie)
    assert late.status == 401 and "expired" in late.body
    assert _rows(bare_oauth_bot, SLACK_BOTS) == []


def test_an_org_wide_install_is_refused_with_a_clear_page(bare_oauth_bot: RunningBot) -> None:
    bot = bare_oauth_bot
    page = bot.driver.install("T1", "UA", enterprise_id="E1", org_wide=True)
    assert page.status == 400 and "can't be installed org-wide yet" in page.body
    assert _rows(bot, SLACK_BOTS) == [] and _rows(bot, SLACK_INSTALLATIONS) == [] and _workspaces(bot) == {}
    revoked = bot.slack.calls_to("auth.revoke")
    assert len(revoked) == 1 and bot.slack.tokens[revoked[0].token or ""].revoked


def test_the_enterprise_id_is_kept_with_the_installation_and_the_workspace(bare_oauth_bot: RunningBot) -> None:
    bare_oauth_bot.driver.install("T1", "UA", enterprise_id="E1")
    assert [row["enterprise_id"] for row in _rows(bare_oauth_bot, SLACK_BOTS)] == ["E1"]
    assert _workspaces(bare_oauth_bot)["T1"].enterprise_id == "E1"


def test_a_workspace_without_installation_gets_bolts_answer_and_stores_nothing(oauth_bot: RunningBot) -> None:
    stranger = oauth_bot.user("U5", "T3")
    response = stranger.command("/lead", "list")
    assert response.status == 200 and response.body == ""
    answer = oauth_bot.slack.calls_to("response_url")[-1].args["text"]
    assert "your installation with this app is no longer available" in answer  # Bolt's standard answer
    assert stranger.open_home().status == 200
    with transaction(oauth_bot.deps.new_session) as session:
        assert session.exec(select(SlackEvent).where(SlackEvent.team_id == "T3")).all() == []
        assert session.exec(select(SlackUser).where(SlackUser.team_id == "T3")).all() == []
    assert not [c for c in oauth_bot.slack.calls if c.method in ("views.publish", "users.info") and c.token is None]


def test_uninstall_forgets_the_tokens_and_the_workspace_is_refused_after(oauth_bot: RunningBot) -> None:
    create_lead(oauth_bot, "U1", "T2")
    assert oauth_bot.user("U1", "T2").uninstall_app().status == 200
    assert {row["team_id"] for row in _rows(oauth_bot, SLACK_BOTS)} == {"T1"}
    assert {row["team_id"] for row in _rows(oauth_bot, SLACK_INSTALLATIONS)} == {"T1"}
    assert _workspaces(oauth_bot)["T2"].uninstalled_at is not None
    assert oauth_bot.user("U1", "T2").command("/lead", "list").body == ""  # Bolt's answer, via response_url
    assert "no open leads" in oauth_bot.user("U1", "T1").command("/lead", "list").text  # T1 works on
    with transaction(oauth_bot.deps.new_session) as session:
        assert len(session.exec(select(Lead).where(Lead.team_id == "T2")).all()) == 1  # kept for the retention


def test_a_revoked_bot_token_is_an_uninstall_and_revoked_user_tokens_are_not(oauth_bot: RunningBot) -> None:
    user = oauth_bot.user("U1", "T2")
    assert user.event({"type": "tokens_revoked", "tokens": {"oauth": ["U7"], "bot": []}}).status == 200
    assert {row["team_id"] for row in _rows(oauth_bot, SLACK_BOTS)} == {"T1", "T2"}
    assert _workspaces(oauth_bot)["T2"].uninstalled_at is None
    assert user.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}).status == 200
    assert {row["team_id"] for row in _rows(oauth_bot, SLACK_BOTS)} == {"T1"}
    assert _workspaces(oauth_bot)["T2"].uninstalled_at is not None


def test_tokens_never_reach_the_logs(bare_oauth_bot: RunningBot, capfd: pytest.CaptureFixture[str]) -> None:
    """Everything at DEBUG, configured as `salesbot run` does: no secret, token or refresh token is written."""
    import logging

    from bot.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    bot = bare_oauth_bot
    bot.slack.token_lifetime = 3 * 3600  # refreshed in its last two hours
    try:
        configure_logging(logging.DEBUG)
        bot.driver.install("T1", "UA")
        create_lead(bot, "U1", "T1")
        with time_machine.travel(timedelta(minutes=61)):  # inside the refresh window: the token rotates
            bot.user("U1", "T1").command("/lead", "list")
        bot.user("U1", "T1").uninstall_app()
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    written = capfd.readouterr().err
    assert "request" in written and "bot token refreshed team=T1" in written  # the logs did run, at DEBUG
    secrets = [
        bot.slack.client_secret,
        bot.deps.settings.slack_state_secret,
        *bot.slack.tokens,
        *bot.slack.refresh_tokens,
    ]
    assert len(bot.slack.tokens) == 2  # installed, then refreshed once
    assert [secret for secret in secrets if secret and secret in written] == []


def test_single_token_mode_is_unchanged_and_serves_no_install_pages(bot: RunningBot) -> None:
    assert bot.deps.installations is None
    assert bot.driver.get("/slack/install").status == 404
    assert bot.driver.get("/slack/oauth_redirect?code=x&state=y").status == 404
    assert "no open leads" in bot.user("U1", "T2").command("/lead", "list").text  # any workspace, the one token
    assert {c.token for c in bot.slack.calls} == {"xoxb-test-token"}


def test_a_state_redeemed_twice_at_the_same_moment_passes_once(bare_oauth_bot: RunningBot) -> None:
    import threading

    installations = bare_oauth_bot.deps.installations
    assert installations is not None
    for _ in range(3):
        state = installations.states.issue()
        barrier, results = threading.Barrier(4), []

        def redeem(state: str = state, barrier: threading.Barrier = barrier, results: list = results) -> None:
            barrier.wait()
            results.append(installations.states.consume(state))

        threads = [threading.Thread(target=redeem) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert sorted(results) == [False, False, False, True]
    assert installations.states.consume("not-a-state") is False
