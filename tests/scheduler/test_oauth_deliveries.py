"""OAuth mode and the scheduler: each workspace's reminders go out with its own token, a rotating token is
refreshed once (whoever finds it expiring first), an uninstalled workspace gets nothing more and its data
goes after UNINSTALL_RETENTION_DAYS. Time is time-machine's; the fake Slack checks expiry on the same clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine
from sqlmodel import select

from bot.deps import build_deps
from bot.services.workspaces import NOT_INSTALLED_REASON, UNINSTALLED_REASON, purge_uninstalled
from bot.slack_client import make_client
from scheduler.dispatcher import tick
from scheduler.setup import housekeep
from store import appointments as appointment_store
from store.db import transaction
from store.installations import SLACK_BOTS, Workspace
from store.models import Appointment, Lead, Opportunity, Outbox, OwnerCount, PipelineMonth, SlackUser
from store.outbox import enqueue
from tests.conftest import RunningBot, make_oauth_settings
from tests.handlers.test_lead_flow import create_lead


def _tick(bot: RunningBot, now: datetime) -> int:
    with time_machine.travel(now, tick=False):
        return tick(bot.deps, make_client(None, bot.slack.api_url, inline_retries=False), now)


def _reminder(bot: RunningBot, team: str, owner: str, start: datetime, now: datetime) -> None:
    """A lead with an appointment whose reminder (15 minutes before) is in the outbox."""
    with transaction(bot.deps.new_session) as session:
        lead = Lead(team_id=team, owner_id=owner, topic=f"Tasting in {team}", company="Caffè Aurora")
        session.add(lead)
        session.flush()
        appointment_store.create_appointment(
            session, team_id=team, record_type="lead", record_id=lead.id or 0, owner_id=owner,
            subject=f"Tasting in {team}", start_at=start, duration_minutes=30, attendees=[], location="",
            default_minutes_before=15, now=now,
        )  # fmt: skip


def _rows(bot: RunningBot, **where: object) -> list[Outbox]:
    with transaction(bot.deps.new_session) as session:
        rows = list(session.exec(select(Outbox).order_by(Outbox.id)))  # type: ignore[arg-type]
    return [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]


def _bot_token(bot: RunningBot, team: str) -> str:
    with bot.deps.engine.connect() as connection:
        return str(connection.execute(sa.select(SLACK_BOTS.c.bot_token).where(SLACK_BOTS.c.team_id == team)).scalar())


def _refreshes(bot: RunningBot) -> int:
    return len([c for c in bot.slack.calls_to("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"])


def test_each_workspaces_reminders_go_out_with_its_own_token(oauth_bot: RunningBot) -> None:
    now = datetime.now(UTC)
    _reminder(oauth_bot, "T1", "U1", now + timedelta(hours=1), now)
    _reminder(oauth_bot, "T2", "U9", now + timedelta(hours=1), now)
    assert _tick(oauth_bot, now + timedelta(minutes=46)) == 2
    posts = {(c.args["channel"], c.token) for c in oauth_bot.slack.calls_to("chat.postMessage")}
    assert posts == {("U1", _bot_token(oauth_bot, "T1")), ("U9", _bot_token(oauth_bot, "T2"))}
    assert {row.status for row in _rows(oauth_bot)} == {"sent"}  # the welcome DMs and the reminders


def test_a_token_expiring_during_a_run_is_refreshed_once_and_sending_goes_on(oauth_bot: RunningBot) -> None:
    """A token living three hours is refreshed in its last two: at the third tick (+67 min), once."""
    bot = oauth_bot
    bot.slack.token_lifetime = 3 * 3600
    start = datetime.now(UTC)
    bot.driver.install("T3", "UA")
    first = _bot_token(bot, "T3")
    ticks = [timedelta(minutes=minutes) for minutes in (30, 50, 65, 100, 120)]
    for at in ticks:
        _reminder(bot, "T3", "UA", start + at + timedelta(minutes=15), start)
    for at in [*ticks, ticks[-1] + timedelta(minutes=1)]:  # the planner arms each reminder for the next tick
        assert _tick(bot, start + at + timedelta(minutes=2)) >= 1
    tokens = [c.token for c in bot.slack.calls_to("chat.postMessage") if c.args["channel"] == "UA"]
    assert not [c for c in bot.slack.calls if c.args.get("_failed")]
    assert len(tokens) == 6 and tokens[:2] == [first] * 2  # the welcome DM and the first reminder
    assert len(set(tokens[2:])) == 1 and first not in tokens[2:]  # then the refreshed token, for the rest
    assert _refreshes(bot) == 1 and {row.status for row in _rows(bot, team_id="T3")} == {"sent"}


def test_workers_finding_an_expired_token_at_once_refresh_it_once(oauth_bot: RunningBot) -> None:
    """Two processes' worth of deps (own engines and pools), four threads each, all at the same moment."""
    bot = oauth_bot
    bot.slack.token_lifetime = 3 * 3600
    bot.driver.install("T3", "UA")
    old = _bot_token(bot, "T3")
    bot.slack.latency["oauth.v2.access"] = 0.3  # a slow refresh: everyone else arrives meanwhile
    workers = [build_deps(bot.deps.settings) for _ in range(2)]
    found: list[str | None] = []
    barrier = threading.Barrier(8)

    def ask(deps) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        assert deps.installations is not None
        found.append(deps.installations.tokens.tokens({"T3"})["T3"])

    with time_machine.travel(datetime.now(UTC) + timedelta(hours=3, minutes=1)):  # expired: all must wait for it
        threads = [threading.Thread(target=ask, args=(workers[i % 2],)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
    for deps in workers:
        deps.engine.dispose()
    assert _refreshes(bot) == 1
    assert len(found) == 8 and set(found) == {_bot_token(bot, "T3")} and old not in found


def test_uninstall_cancels_pending_deliveries_and_the_data_goes_after_the_retention(oauth_bot: RunningBot) -> None:
    bot = oauth_bot
    now = datetime.now(UTC)
    create_lead(bot, "U9", "T2", Company="Leaving Beans")
    with bot.deps.engine.begin() as connection:  # counted by triggers (owner_count, pipeline_month)
        deal = {"team_id": "T2", "owner_id": "U9", "topic": "Beans", "estimated_close_date": now.date()}
        connection.execute(sa.insert(Opportunity).values(deal))
    _reminder(bot, "T2", "U9", now + timedelta(days=2), now)
    _reminder(bot, "T1", "U1", now + timedelta(days=2), now)
    assert bot.user("U9", "T2").uninstall_app().status == 200
    t2 = _rows(bot, team_id="T2")
    assert {(r.kind, r.status, r.last_error) for r in t2} == {
        ("welcome", "sent", ""), ("appointment_reminder", "cancelled", UNINSTALLED_REASON),
    }  # fmt: skip
    assert {r.status for r in _rows(bot, team_id="T1", kind="appointment_reminder")} == {"pending"}
    with time_machine.travel(now + timedelta(days=29), tick=False):
        housekeep(bot.deps)
    assert _count(bot, Lead, "T2") == 2  # kept: a reinstall within the retention finds everything
    with time_machine.travel(now + timedelta(days=31), tick=False):
        housekeep(bot.deps)
    for model in (Lead, Opportunity, Appointment, Outbox, SlackUser, OwnerCount, PipelineMonth):
        assert _count(bot, model, "T2") == 0, model
    assert _count(bot, Lead, "T1") == 1 and _count(bot, Outbox, "T1") == 2
    with transaction(bot.deps.new_session) as session:
        workspace = session.get(Workspace, "T2")
    assert workspace is not None and workspace.data_deleted_at is not None


def test_a_retention_of_zero_keeps_the_data(oauth_bot: RunningBot) -> None:
    oauth_bot.user("U9", "T2").uninstall_app()
    later = datetime.now(UTC) + timedelta(days=3650)
    assert purge_uninstalled(oauth_bot.deps.new_session, retention_days=0, now=later) == {}
    deleted = purge_uninstalled(oauth_bot.deps.new_session, retention_days=30, now=later)
    assert deleted == {"T2": {"outbox": 1, "admin_audit": 1, "slack_user": 1, "slack_event": 1}}  # the welcome, the
    # installer made admin (and its audit line), the uninstall event's delivery record


def test_rows_of_a_workspace_without_installation_are_cancelled_not_retried(oauth_bot: RunningBot) -> None:
    now = datetime.now(UTC)
    with transaction(oauth_bot.deps.new_session) as session:
        for key, due in (("a", now), ("b", now + timedelta(days=1))):
            enqueue(session, team_id="T7", kind="dm", recipient="U7", due_at=due, dedupe_key=key,
                    payload={"text": "hello"})  # fmt: skip
    _tick(oauth_bot, now + timedelta(seconds=1))
    assert {(r.status, r.last_error) for r in _rows(oauth_bot, team_id="T7")} == {("cancelled", NOT_INSTALLED_REASON)}
    assert not [c for c in oauth_bot.slack.calls_to("chat.postMessage") if c.args["channel"] == "U7"]


def _count(bot: RunningBot, model: type, team: str) -> int:
    with transaction(bot.deps.new_session) as session:
        return len(session.exec(select(model).where(model.team_id == team)).all())  # type: ignore[attr-defined]


def test_oauth_settings_build_the_installations() -> None:
    """Single-token settings build none of it (the default, unchanged)."""
    from tests.slack.fake_slack import FakeSlack

    fake = FakeSlack()
    oauth = build_deps(make_oauth_settings("sqlite://", fake))
    single = build_deps(make_oauth_settings("sqlite://", fake, slack_client_id=None, slack_client_secret=None,
                                            slack_state_secret=None, slack_bot_token="xoxb-1"))  # fmt: skip
    assert oauth.installations is not None and single.installations is None


def test_a_token_slack_refuses_to_refresh_stops_the_workspace_not_the_others(oauth_bot: RunningBot) -> None:
    bot = oauth_bot
    bot.slack.token_lifetime = 3 * 3600
    now = datetime.now(UTC)
    bot.driver.install("T3", "UA")
    bot.slack.refresh_tokens.clear()  # Slack no longer knows the refresh token
    _reminder(bot, "T3", "UA", now + timedelta(hours=2, minutes=15), now)
    _reminder(bot, "T1", "U1", now + timedelta(hours=2, minutes=15), now)
    _tick(bot, now + timedelta(hours=2, minutes=2))
    assert {(r.kind, r.status, r.last_error) for r in _rows(bot, team_id="T3")} >= {
        ("appointment_reminder", "cancelled", NOT_INSTALLED_REASON)}  # fmt: skip
    assert {r.status for r in _rows(bot, team_id="T1")} == {"sent"}


def test_nothing_more_is_planned_for_an_uninstalled_workspace(oauth_bot: RunningBot) -> None:
    from scheduler.planner import plan_all

    with transaction(oauth_bot.deps.new_session) as session:
        for team in ("T1", "T2"):
            session.add(SlackUser(team_id=team, user_id="UDIGEST", daily_summary=True, tz="UTC"))
    oauth_bot.user("U9", "T2").uninstall_app()
    morning = datetime.now(UTC).replace(hour=8, minute=5) + timedelta(days=1)
    plan_all(oauth_bot.deps, morning)
    assert [(r.team_id, r.recipient) for r in _rows(oauth_bot, kind="digest")] == [("T1", "UDIGEST")]
