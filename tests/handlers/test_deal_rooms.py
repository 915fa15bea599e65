"""`Open deal room`: a channel for the deal, its people invited, the card posted and pinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlmodel import select

from bot.domain.deal_rooms import room_name
from bot.slack_client import make_client
from scheduler.alerts import plan_alerts
from scheduler.dispatcher import tick
from store.db import transaction
from store.models import Activity, DealRoom
from store.records import share
from store.users import set_team
from tests.conftest import RunningBot
from tests.handlers.opp_helpers import card, new_opportunity
from tests.slack.driver import blocks_text, button_labels

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _run_scheduler(bot: RunningBot, now: datetime) -> None:
    """The alert planner then the dispatcher, for a few seconds from `now` (one post per second per channel)."""
    with time_machine.travel(now, tick=False):
        plan_alerts(bot.deps, now)
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    for second in range(3):
        with time_machine.travel(now + timedelta(seconds=second), tick=False):
            tick(bot.deps, client, now + timedelta(seconds=second), plan=False)


def _rooms(bot: RunningBot) -> list[DealRoom]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(DealRoom)))


def test_room_names_follow_slacks_rules() -> None:
    assert room_name("Caffè Centrale", "20 Espresso machines!") == "deal-caffe-centrale-20-espresso-machines"
    assert room_name("Caffè Centrale", "20 Espresso machines!", 2).endswith("-machines-2")
    long = room_name("A" * 60, "b" * 60, 3)
    assert len(long) <= 80 and long.endswith("-3") and long == long.lower() and " " not in long


def test_a_deal_room_is_created_invited_pinned_and_linked_the_second_time(bot: RunningBot) -> None:
    with transaction(bot.deps.new_session) as session:
        set_team(session, team_id="T1", manager_id="UM", rep_ids=["U1"])
    bot.slack.channel_names["CTAKEN"] = "deal-caffe-centrale-20-espresso-machines"
    rep = bot.user("U1")
    new_opportunity(bot, rep, **{"Estimated revenue": "60,000"})
    with transaction(bot.deps.new_session) as session:
        share(session, team_id="T1", record_type="opportunity", record_id=1, user_ids=["U2"])
    assert "Open deal room" in button_labels(card(bot).blocks)
    bot.user("U9").click("Open deal room", card(bot))
    assert "Only the owner, their manager or an admin" in bot.slack.last_message().text and not _rooms(bot)

    rep.click("Open deal room", card(bot))
    taken, created = bot.slack.calls_to("conversations.create")
    assert taken.args["name"] == "deal-caffe-centrale-20-espresso-machines"
    assert created.args["name"] == "deal-caffe-centrale-20-espresso-machines-2"  # the name was taken
    assert str(created.args["is_private"]).lower() in ("true", "1")  # DEAL_ROOM_PRIVATE defaults to true
    [room] = _rooms(bot)
    assert room.channel_id.startswith("G") and room.name.endswith("-2")
    [invited] = bot.slack.calls_to("conversations.invite")
    assert invited.args["users"].split(",") == ["U1", "U2", "UM"]
    assert "20 espresso machines" in bot.slack.calls_to("conversations.setTopic")[-1].args["topic"]
    posted = [m for m in bot.slack.messages() if m.channel == room.channel_id]
    assert posted and "Next stage" in button_labels(posted[0].blocks)
    pinned = bot.slack.calls_to("pins.add")[-1].args
    assert (pinned["channel"], pinned["timestamp"]) == (room.channel_id, posted[0].ts)
    assert f"<#{room.channel_id}>" in bot.slack.last_message().text
    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(Activity).where(Activity.subject == "Deal room opened")).one()

    rep.click("Open deal room", card(bot))
    assert "already has a room" in bot.slack.last_message().text and len(_rooms(bot)) == 1

    # the room's card is kept current like every posted copy
    rep.click("Next stage", card(bot))
    assert any(c.args.get("channel") == room.channel_id for c in bot.slack.calls_to("chat.update"))


def test_a_workspace_forbidding_channel_creation_is_explained_and_nothing_is_left(bot: RunningBot) -> None:
    rep = bot.user("U1")
    new_opportunity(bot, rep)
    bot.slack.fail_next("conversations.create", error="restricted_action")
    rep.click("Open deal room", card(bot))
    reply = bot.slack.last_message()
    assert reply.ephemeral and "does not let apps create channels" in reply.text and not _rooms(bot)
    bot.slack.fail_next("conversations.create", error="missing_scope")
    rep.click("Open deal room", card(bot))
    assert "`groups:write`" in bot.slack.last_message().text and "reinstall" in bot.slack.last_message().text


def test_a_deactivated_invitee_does_not_keep_the_others_out(bot: RunningBot) -> None:
    with transaction(bot.deps.new_session) as session:
        set_team(session, team_id="T1", manager_id="UGONE", rep_ids=["U1"])
    bot.slack.inactive_users.add("UGONE")
    rep = bot.user("U1")
    new_opportunity(bot, rep)
    rep.click("Open deal room", card(bot))
    invites = [c.args["users"] for c in bot.slack.calls_to("conversations.invite")]
    assert invites == ["U1,UGONE", "U1", "UGONE"] and len(_rooms(bot)) == 1  # U1 got in despite UGONE


def test_a_won_deal_posts_its_outcome_in_the_room_and_archives_it_on_the_right_day(bot: RunningBot) -> None:
    rep = bot.user("U1")
    with time_machine.travel(T0, tick=False):
        new_opportunity(bot, rep, **{"Estimated revenue": "60,000"})
        rep.click("Open deal room", card(bot))
        rep.click("Next stage", card(bot))
        rep.click("Close as won", card(bot))
        rep.submit(bot.slack.last_view("views.open"), {"Actual revenue": "58,000", "Close date": "2026-11-23"})
    [room] = _rooms(bot)
    _run_scheduler(bot, T0 + timedelta(minutes=1))
    outcome = [m for m in bot.slack.messages() if m.channel == room.channel_id][-1]
    assert "is won — 58,000.00 EUR" in outcome.text and "Qualify 23 Nov › Develop 23 Nov › Won 23 Nov" in blocks_text(
        outcome.blocks
    )
    assert "archived in 7 days" in blocks_text(outcome.blocks)
    _run_scheduler(bot, T0 + timedelta(days=6, hours=23))
    assert not bot.slack.calls_to("conversations.archive")
    _run_scheduler(bot, T0 + timedelta(days=7, minutes=1))
    _run_scheduler(bot, T0 + timedelta(days=8))
    [archived] = bot.slack.calls_to("conversations.archive")
    assert archived.args["channel"] == room.channel_id and _rooms(bot)[0].status == "archived"


def test_a_reopened_deal_keeps_its_room(bot: RunningBot) -> None:
    rep = bot.user("U1")
    with time_machine.travel(T0, tick=False):
        new_opportunity(bot, rep)
        rep.click("Open deal room", card(bot))
        rep.click("Close as lost", card(bot))
        rep.submit(bot.slack.last_view("views.open"), {"Reason": "Out-sold", "Competitor": "Fabrikam <Espresso>"})
    _run_scheduler(bot, T0 + timedelta(minutes=1))
    [room] = _rooms(bot)
    lost = [m for m in bot.slack.messages() if m.channel == room.channel_id][-1]
    assert "is lost — Out-sold to Fabrikam &lt;Espresso&gt;" in blocks_text(lost.blocks)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        rep.click("Reopen", card(bot))
    _run_scheduler(bot, T0 + timedelta(days=8))
    assert not bot.slack.calls_to("conversations.archive") and _rooms(bot)[0].status == "open"


def _say(bot: RunningBot, user: str, channel: str, text: str, **extra: object) -> str:
    ts = f"{datetime.now(UTC).timestamp() + len(bot.slack.messages()) / 1e6:.6f}"
    event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
             "channel_type": "group", **extra}  # fmt: skip
    assert bot.user(user).event(event).status == 200
    return ts


def test_messages_in_the_room_top_level_and_threads_land_on_the_timeline_escaped_once(bot: RunningBot) -> None:
    rep = bot.user("U1")
    new_opportunity(bot, rep)
    rep.click("Open deal room", card(bot))
    [room] = _rooms(bot)
    said = _say(bot, "U2", room.channel_id, "Budget &lt;5k &amp; <@U1> agrees: <https://x.io/p?a=1|their plan>")
    _say(bot, "U1", room.channel_id, "Ok &gt; let's go", thread_ts=said)
    _say(bot, "U3", "C_ELSEWHERE", "Not about the deal")
    _say(bot, "U2", room.channel_id, "a bot's echo", bot_id="B1")
    with transaction(bot.deps.new_session) as session:
        rows = session.exec(select(Activity).where(Activity.kind == "reply").order_by(Activity.id)).all()
    assert [(row.subject, row.body) for row in rows] == [
        ("Message in deal room", "Budget <5k & @U1 agrees: their plan (https://x.io/p?a=1)"),
        ("Reply in deal room", "Ok > let's go"),
    ]
    rep.click("Timeline", card(bot))
    shown = blocks_text(bot.slack.last_message().blocks)
    assert "Budget &lt;5k &amp; <@U1> agrees" in shown and "Ok &gt; let's go" in shown and "&amp;lt;" not in shown


def test_the_outcome_summary_lists_the_quotes_and_competitors(bot: RunningBot) -> None:
    from tests.handlers.quote_helpers import create_quote, opportunity_with_products

    rep = bot.user("U1")
    with time_machine.travel(T0, tick=False):
        opportunity_with_products(bot)
        rep.click("Open deal room", card(bot))
        rep.click("Activate", create_quote(bot))
        rep.click("Add competitor", card(bot))
        rep.submit(bot.slack.last_view("views.open"), {"Name": "Fabrikam <Espresso>"})
        rep.click("Close as lost", card(bot))
        answer = rep.submit(bot.slack.last_view("views.open"), {"Reason": "Canceled"})
        assert answer.body == "", answer.body
    _run_scheduler(bot, T0 + timedelta(minutes=1))
    [room] = _rooms(bot)
    posted = [m for m in bot.slack.messages() if m.channel == room.channel_id and "is lost" in m.text]
    shown = blocks_text(posted[-1].blocks)
    assert "Quote Q-00001 rev 1 · Active · 2,598.00 EUR" in shown and "Competitors: Fabrikam &lt;Espresso&gt;" in shown


def test_reopening_a_deal_whose_room_was_archived_opens_a_new_room_linking_the_old(bot: RunningBot) -> None:
    rep = bot.user("U1")
    with time_machine.travel(T0, tick=False):
        new_opportunity(bot, rep)
        rep.click("Open deal room", card(bot))
        rep.click("Close as lost", card(bot))
        rep.submit(bot.slack.last_view("views.open"), {"Reason": "Canceled"})
    _run_scheduler(bot, T0 + timedelta(minutes=1))
    _run_scheduler(bot, T0 + timedelta(days=8))
    [old] = _rooms(bot)
    assert old.status == "archived"
    with time_machine.travel(T0 + timedelta(days=9), tick=False):
        rep.click("Reopen", card(bot))
    old_room, new_room = _rooms(bot)
    assert new_room.status == "open" and new_room.name == old_room.name + "-2"
    said = [m.text for m in bot.slack.messages() if m.channel == new_room.channel_id]
    assert f"its earlier room, archived, is <#{old_room.channel_id}>" in "\n".join(said)
    assert f"<#{new_room.channel_id}>" in bot.slack.last_message().text
    rep.click("Close as lost", card(bot))  # a second reopen later does not open a third room while one is open
    rep.submit(bot.slack.last_view("views.open"), {"Reason": "Canceled"})
    rep.click("Reopen", card(bot))
    assert len(_rooms(bot)) == 2
