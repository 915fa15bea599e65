"""Channel alerts delivered through the outbox: the right alerts, with the right content, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlmodel import select

from bot.slack_client import make_client
from scheduler.alerts import plan_alerts
from scheduler.dispatcher import Dispatcher, tick
from store.db import transaction
from store.models import Activity, AlertSubscription, Outbox
from tests.conftest import RunningBot
from tests.handlers.opp_helpers import card, new_opportunity, opportunity
from tests.handlers.test_alerts import add_alert, make_manager
from tests.handlers.test_lead_story import reply_in_thread
from tests.scheduler.together import run_together
from tests.slack.driver import blocks_text, button_labels
from tests.slack.fake_slack import Message

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _client(bot: RunningBot):  # type: ignore[no-untyped-def]
    return make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)


def _deliver(bot: RunningBot, now: datetime) -> int:
    """One planning pass of the alerts, then the dispatcher's sending (no nudges or digests) for the
    next few seconds: Slack takes about one message per second per channel."""
    with time_machine.travel(now, tick=False):
        plan_alerts(bot.deps, now)
    sent = 0
    for second in range(5):
        with time_machine.travel(now + timedelta(seconds=second), tick=False):
            sent += tick(bot.deps, _client(bot), now + timedelta(seconds=second), plan=False)
    return sent


def _in_channel(bot: RunningBot, channel: str = "C1") -> list[Message]:
    return [m for m in bot.slack.messages() if m.channel == channel and not m.ephemeral]


def _alert_rows(bot: RunningBot) -> list[Outbox]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(Outbox).where(Outbox.kind == "alert").order_by(Outbox.id)))


def _walk_a_big_and_a_small_deal(bot: RunningBot) -> None:
    rep = bot.user("U1")
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        new_opportunity(bot, rep, **{"Topic": "Espresso <bar> & co", "Estimated revenue": "60,000"})
        rep.click("Next stage", card(bot))
        new_opportunity(bot, rep, **{"Topic": "One grinder", "Estimated revenue": "1,000"})


def test_big_deal_creation_and_stage_moves_reach_the_channel_once(bot: RunningBot) -> None:
    manager = make_manager(bot)
    with time_machine.travel(T0, tick=False):
        add_alert(bot, manager, {"Event": "Opportunity created", "Minimum estimated revenue": "50,000"})
        add_alert(bot, manager, {"Event": "Stage changed"})
    _walk_a_big_and_a_small_deal(bot)
    _deliver(bot, T0 + timedelta(minutes=2))

    created, moved = _in_channel(bot)
    assert "New opportunity: *Espresso &lt;bar&gt; &amp; co*" in blocks_text(created.blocks)  # user text escaped
    assert "60,000.00 EUR" in blocks_text(created.blocks) and "by <@U1>" in blocks_text(created.blocks)
    assert "Qualify → *Develop*" in blocks_text(moved.blocks) and "One grinder" not in blocks_text(moved.blocks)
    assert button_labels(created.blocks) == ["Open"] and button_labels(moved.blocks) == ["Open"]

    # exactly once: planning and sending again, in this process or another, adds nothing
    assert _deliver(bot, T0 + timedelta(minutes=3)) == 0
    other = Dispatcher(bot.deps, _client(bot), worker="other-host:1", threads=1, plan=False)
    with time_machine.travel(T0 + timedelta(minutes=4), tick=False):
        plan_alerts(bot.deps, T0 + timedelta(minutes=4))
        assert other.tick(T0 + timedelta(minutes=4)) == 0
    other.close()
    assert len(_in_channel(bot)) == 2 and [row.status for row in _alert_rows(bot)] == ["sent", "sent"]


def test_open_shows_the_card_with_the_clickers_own_permissions(bot: RunningBot) -> None:
    manager = make_manager(bot)
    with time_machine.travel(T0, tick=False):
        add_alert(bot, manager, {"Event": "Opportunity created"})
    _walk_a_big_and_a_small_deal(bot)
    _deliver(bot, T0 + timedelta(minutes=2))
    alert = _in_channel(bot)[0]

    bot.user("U7").click("Open", alert)  # a channel member who may not see the deal
    refused = bot.slack.last_message()
    assert refused.ephemeral and "Only the owner, their manager or an admin" in refused.text
    manager.click("Open", alert)
    shown = bot.slack.last_message()
    assert shown.ephemeral and "Next stage" in button_labels(shown.blocks)


def test_a_reply_in_an_alerts_thread_lands_on_the_timeline(bot: RunningBot) -> None:
    manager = make_manager(bot)
    with time_machine.travel(T0, tick=False):
        add_alert(bot, manager, {"Event": "Opportunity created"})
    _walk_a_big_and_a_small_deal(bot)
    _deliver(bot, T0 + timedelta(minutes=2))
    alert = _in_channel(bot)[0]
    reply_in_thread(bot.user("U2"), "C1", alert.ts, "I know their buyer &lt;3")  # Slack escapes what it sends
    with transaction(bot.deps.new_session) as session:
        [reply] = session.exec(select(Activity).where(Activity.kind == "reply")).all()
    assert (reply.record_type, reply.record_id, reply.body) == (
        "opportunity",
        opportunity(bot, 1).id,
        "I know their buyer <3",  # stored plain: unescaped once
    )
    manager.click("Open", alert)
    manager.click("Timeline", bot.slack.last_message())
    shown = blocks_text(bot.slack.last_message().blocks)
    assert "I know their buyer &lt;3" in shown and "&amp;lt;" not in shown  # escaped once, on display


def test_filters_and_the_creators_visibility_decide_what_is_announced(bot: RunningBot) -> None:
    manager = make_manager(bot, "UM", ("U1",))
    other = make_manager(bot, "UM2", ("U2",))
    with time_machine.travel(T0, tick=False):
        add_alert(bot, manager, {"Event": "Opportunity created", "Owner": "U1"}, channel="C1")
        add_alert(bot, other, {"Event": "Opportunity created"}, channel="C2")  # UM2 may not see U1's deals
    _walk_a_big_and_a_small_deal(bot)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        new_opportunity(bot, bot.user("U2"), **{"Topic": "Team two deal"})
    _deliver(bot, T0 + timedelta(minutes=2))
    assert [m.text for m in _in_channel(bot, "C1")] == [
        ":seedling: New opportunity: Espresso &lt;bar&gt; &amp; co",
        ":seedling: New opportunity: One grinder",
    ]
    assert [m.text for m in _in_channel(bot, "C2")] == [":seedling: New opportunity: Team two deal"]


def test_a_removed_bot_pauses_the_subscription_and_tells_its_creator_once(bot: RunningBot) -> None:
    manager = make_manager(bot)
    with time_machine.travel(T0, tick=False):
        add_alert(bot, manager, {"Event": "Opportunity created"})
    _walk_a_big_and_a_small_deal(bot)
    bot.slack.fail_next("chat.postMessage", error="not_in_channel")
    _deliver(bot, T0 + timedelta(minutes=2))
    _deliver(bot, T0 + timedelta(minutes=3))
    with transaction(bot.deps.new_session) as session:
        [subscription] = session.exec(select(AlertSubscription)).all()
    assert (subscription.status, subscription.paused_reason) == ("paused", "not_in_channel")
    notices = [m for m in bot.slack.messages() if m.channel == "DUM"]
    assert len(notices) == 1 and "are paused" in notices[0].text and "/invite @salesbot" in notices[0].text
    assert not [m for m in bot.slack.messages() if "could not deliver" in m.text]  # the deal's owner is not bothered
    assert sorted(row.status for row in _alert_rows(bot)) == ["cancelled", "failed"]


def _set_wins_channel(bot: RunningBot, channel: str) -> None:
    bot.deps.admin_ids = frozenset({"UA"})
    admin = bot.user("UA")
    admin.command("/salesbot", "admin")
    modal = bot.slack.last_view("views.open")
    assert [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"][-2:] == [
        "Wins channel",
        "Leads channel",
    ]
    assert admin.submit(modal, {"Wins channel": channel}).body == ""


def _win(bot: RunningBot, at: datetime) -> None:
    rep = bot.user("U1")
    with time_machine.travel(at, tick=False):
        new_opportunity(bot, rep, **{"Topic": "Espresso <bar> & co", "Estimated revenue": "60,000"})
    with time_machine.travel(at + timedelta(days=12), tick=False):
        rep.click("Close as won", card(bot))
        rep.submit(bot.slack.last_view("views.open"), {"Actual revenue": "58,000", "Close date": "2026-12-05"})


def test_every_win_reaches_the_wins_channel_once_with_a_tada(bot: RunningBot) -> None:
    manager = make_manager(bot)
    bot.slack.channels["CW"] = {"is_private": False, "is_member": False}
    with time_machine.travel(T0, tick=False):
        _set_wins_channel(bot, "CW")
        assert bot.slack.calls_to("conversations.join")[-1].args["channel"] == "CW"
        add_alert(bot, manager, {"Event": "Won"}, channel="CW")  # the wins channel also subscribes: still once
    _win(bot, T0 + timedelta(minutes=1))
    _deliver(bot, T0 + timedelta(days=12, minutes=2))
    [celebration] = _in_channel(bot, "CW")
    assert celebration.text == ":tada: <@U1> won Espresso &lt;bar&gt; &amp; co"
    shown = blocks_text(celebration.blocks)
    assert "Caffè Centrale" in shown and "58,000.00 EUR" in shown and "in 12 days" in shown
    assert button_labels(celebration.blocks) == ["Open"]


def test_a_private_wins_channel_must_invite_the_bot(bot: RunningBot) -> None:
    bot.deps.admin_ids = frozenset({"UA"})
    bot.slack.channels["GW"] = {"is_private": True, "is_member": False}
    admin = bot.user("UA")
    admin.command("/salesbot", "admin")
    response = admin.submit(bot.slack.last_view("views.open"), {"Wins channel": "GW"})
    assert "/invite @salesbot" in response.json["errors"]["wins_channel"]


def test_a_daily_summary_arrives_once_at_its_hour_in_the_creators_zone(bot: RunningBot) -> None:
    manager = make_manager(bot)  # Europe/Rome in the fake Slack: 08:00 there is 07:00 UTC in November
    with time_machine.travel(T0, tick=False):
        add_alert(bot, manager, {"Event": "Opportunity created", "Delivery": "Daily summary", "Hour": "08:00"})
    _walk_a_big_and_a_small_deal(bot)
    _deliver(bot, T0 + timedelta(minutes=2))
    next_morning = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    _deliver(bot, next_morning - timedelta(minutes=1))
    assert not _in_channel(bot)
    _deliver(bot, next_morning)
    [summary] = _in_channel(bot)
    shown = blocks_text(summary.blocks)
    assert "*Opportunity created* — 2 today" in shown and "Espresso &lt;bar&gt; &amp; co" in shown
    assert "One grinder" in shown and button_labels(summary.blocks) == ["Open", "Open"]
    _deliver(bot, next_morning + timedelta(hours=1))
    assert len(_in_channel(bot)) == 1


def test_an_import_burst_is_one_alert_not_two_hundred(bot: RunningBot) -> None:
    manager = make_manager(bot)
    with time_machine.travel(T0, tick=False):
        add_alert(bot, manager, {"Event": "Lead created"})
    rows = "".join(f"Lead {n};Company {n};{60000 if n < 12 else 1000}\n" for n in range(200))
    bot.slack.files["FBURST"] = f"Topic;Company;Budget amount\n{rows}".encode()
    rep = bot.user("U1")
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        rep.command("/lead", "import")
        rep.submit(bot.slack.last_view("views.open"), {"CSV file": [bot.slack.file_object("FBURST", "fair.csv")]})
        rep.command("/lead")
        rep.submit(bot.slack.last_view("views.open"), {"Topic": "Walk-in <customer>", "Company": "Bar Roma"})
    _deliver(bot, T0 + timedelta(minutes=2))
    burst, single = _in_channel(bot)
    assert burst.text == "200 leads imported by <@U1>" and "12 over 50k" in blocks_text(burst.blocks)
    assert "New lead: *Walk-in &lt;customer&gt;*" in blocks_text(single.blocks)


def test_a_lead_assigned_alert_names_who_assigned_it_and_the_new_owner(bot: RunningBot) -> None:
    manager = make_manager(bot, "UM", ("U1", "U2"))  # the new owner is in the alert creator's team too
    with time_machine.travel(T0, tick=False):
        add_alert(bot, manager, {"Event": "Lead assigned"})
    rep = bot.user("U1")
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        rep.command("/lead")
        rep.submit(bot.slack.last_view("views.open"), {"Topic": "Walk-in <customer>", "Company": "Bar Roma"})
        rep.click("Assign", bot.slack.last_message())
        rep.submit(bot.slack.last_view("views.open"), {"New owner": "U2"})
    _deliver(bot, T0 + timedelta(minutes=2))
    [assigned] = _in_channel(bot)
    shown = blocks_text(assigned.blocks)
    assert "Lead assigned: *Walk-in &lt;customer&gt;*" in shown and "by <@U1> · owner <@U2>" in shown


def _share_first_deal_with_team(bot: RunningBot, name: str, members: list[str]) -> None:
    from bot.services.teams import save_team
    from store.teams import share_with_teams, team_named

    with transaction(bot.deps.new_session) as session:
        save_team(session, team_id="T1", name=name, manager_id=None, members=members, actor="UA", now=T0)
        found = team_named(session, team_id="T1", name_key=name.casefold())
        assert found is not None
        deal = opportunity(bot, 1)
        share_with_teams(session, team_id="T1", record_type="opportunity", record_id=deal.id or 0,
                         sales_team_ids=[found.id or 0])  # fmt: skip


def test_team_shares_decide_what_an_alert_reports_and_who_may_open_it(bot: RunningBot) -> None:
    make_manager(bot, "UM", ("U1",))
    other = make_manager(bot, "UM2", ("U2",))  # UM2 may see U1's deals only through a team share
    with time_machine.travel(T0, tick=False):
        add_alert(bot, other, {"Event": "Stage changed"}, channel="C2")
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        new_opportunity(bot, bot.user("U1"), **{"Topic": "Shared deal"})
        new_opportunity(bot, bot.user("U1"), **{"Topic": "Private deal"})
    _share_first_deal_with_team(bot, "Support", ["UM2", "U5"])
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        for message in [
            m for m in bot.slack.messages() if m.channel == "DU1" and "Next stage" in button_labels(m.blocks)
        ]:
            bot.user("U1").click("Next stage", message)
    _deliver(bot, T0 + timedelta(minutes=3))
    [moved] = _in_channel(bot, "C2")
    assert "Shared deal" in moved.text  # the private one is not announced to UM2's channel

    bot.user("U5").click("Open", moved)  # in the team the deal is shared with: the card
    assert "Next stage" in button_labels(bot.slack.last_message().blocks)
    bot.user("U7").click("Open", moved)  # a channel member it is not shared with: a clear no
    refused = bot.slack.last_message()
    assert refused.ephemeral and "ask its owner to *Share* it with you or your team" in refused.text
    assert not refused.blocks or "Next stage" not in button_labels(refused.blocks)


def test_two_instances_racing_plan_and_send_each_alert_once(bot: RunningBot) -> None:
    """Two schedulers (PostgreSQL: two connections) planning and dispatching at the same moment."""

    import pytest

    if bot.deps.engine.dialect.name != "postgresql":
        pytest.skip("a race between instances is the PostgreSQL deployment")
    manager = make_manager(bot)
    with time_machine.travel(T0, tick=False):
        add_alert(bot, manager, {"Event": "Opportunity created"})
        add_alert(bot, manager, {"Event": "Stage changed"}, channel="C2")
    _walk_a_big_and_a_small_deal(bot)
    now = T0 + timedelta(minutes=2)
    dispatchers = [Dispatcher(bot.deps, _client(bot), worker=f"host-{n}:1", threads=2, plan=False) for n in range(2)]

    def instance(dispatcher: Dispatcher) -> None:
        plan_alerts(bot.deps, now)
        for second in range(3):
            dispatcher.tick(now + timedelta(seconds=second))

    run_together(dispatchers, now, instance)
    assert len(_in_channel(bot, "C1")) == 2 and len(_in_channel(bot, "C2")) == 1
    assert sorted(row.status for row in _alert_rows(bot)) == ["sent", "sent", "sent"]
