"""`/salesbot alerts`: managers and admins list, add, pause, resume and remove a channel's alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import select

from bot.services.teams import save_team
from store.db import transaction
from store.models import AlertSubscription
from store.users import set_role
from tests.conftest import RunningBot
from tests.slack.driver import Actor, blocks_text, button_labels


def make_manager(bot: RunningBot, manager: str = "UM", reps: tuple[str, ...] = ("U1",)) -> Actor:
    """A manager leading the team `Team <manager>` of `reps` (as /salesbot admin names teams)."""
    with transaction(bot.deps.new_session) as session:
        save_team(session, team_id="T1", name=f"Team {manager}", manager_id=manager, members=list(reps), actor="UA",
                  now=datetime.now(UTC))  # fmt: skip
    return bot.user(manager)


def subscriptions(bot: RunningBot) -> list[AlertSubscription]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(AlertSubscription).order_by(AlertSubscription.id)))


def add_alert(bot: RunningBot, user: Actor, values: dict[str, Any], channel: str = "C1") -> dict[str, Any]:
    """`/salesbot alerts` in `channel`, `Add alert`, submit; returns the list the modal shows after."""
    assert user.command("/salesbot", "alerts", channel=channel).status == 200
    listing = bot.slack.last_view("views.open")
    user.click("Add alert", listing)
    form = bot.slack.last_view("views.update")
    response = user.submit(form, values)
    assert response.status == 200 and response.json.get("response_action") == "update", response.body
    return dict(response.json["view"])


def test_reps_are_told_alerts_are_for_managers_and_nothing_opens(bot: RunningBot) -> None:
    response = bot.user("U1").command("/salesbot", "alerts")
    assert "Only managers and admins" in response.text
    assert not bot.slack.calls_to("views.open")


def test_a_manager_adds_pauses_resumes_and_removes_an_alert(bot: RunningBot) -> None:
    manager = make_manager(bot)
    manager.command("/salesbot", "alerts", channel="C1")
    listing = bot.slack.last_view("views.open")
    assert "No alerts yet" in blocks_text(listing["blocks"]) and "<#C1>" in blocks_text(listing["blocks"])
    manager.click("Add alert", listing)
    form = bot.slack.last_view("views.update")
    labels = [b["label"]["text"] for b in form["blocks"] if b["type"] == "input"]
    assert labels == ["Event", "Minimum estimated revenue", "Owner", "Team", "Process", "Lead source", "Delivery",
                      "Hour"]  # fmt: skip
    event = next(b for b in form["blocks"] if b.get("block_id") == "event")["element"]
    assert [o["text"]["text"] for o in event["options"]] == ["Lead created", "Lead assigned", "Opportunity created",
                                                             "Stage changed", "Quote approved", "Quote rejected",
                                                             "Won", "Lost"]  # fmt: skip
    delivery = next(b for b in form["blocks"] if b.get("block_id") == "delivery")["element"]
    assert [o["text"]["text"] for o in delivery["options"]] == ["As it happens", "Daily summary"]

    bad = manager.submit(form, {"Event": "Stage changed", "Minimum estimated revenue": "lots"})
    assert "min_revenue" in bad.json["errors"] and not subscriptions(bot)

    after = manager.submit(form, {"Event": "Stage changed", "Minimum estimated revenue": "50,000",
                                  "Team": "Team UM"})  # fmt: skip
    assert after.json["response_action"] == "update"
    [subscription] = subscriptions(bot)
    assert (subscription.channel_id, subscription.event, subscription.min_revenue, subscription.team_name,
            subscription.delivery, subscription.created_by) == ("C1", "stage_changed", Decimal("50000.00"), "Team UM",
                                                                "now", "UM")  # fmt: skip
    assert bot.slack.calls_to("conversations.join")[-1].args["channel"] == "C1"  # the bot joined the public channel
    listed = after.json["view"]
    assert "*Stage changed*" in blocks_text(listed["blocks"]) and "over 50,000.00" in blocks_text(listed["blocks"])
    assert button_labels(listed["blocks"]) == ["Add alert", "Pause", "Remove"]

    listed["id"] = form["id"]
    manager.click("Pause", listed)
    paused = bot.slack.last_view("views.update")
    assert subscriptions(bot)[0].status == "paused" and "Resume" in button_labels(paused["blocks"])
    manager.click("Resume", paused)
    resumed = bot.slack.last_view("views.update")
    assert subscriptions(bot)[0].status == "active" and "Pause" in button_labels(resumed["blocks"])
    manager.click("Remove", resumed)
    assert not subscriptions(bot) and "No alerts yet" in blocks_text(bot.slack.last_view("views.update")["blocks"])


def test_a_private_channel_must_invite_the_bot_first(bot: RunningBot) -> None:
    manager = make_manager(bot)
    bot.slack.channels["G1"] = {"is_private": True, "is_member": False}
    manager.command("/salesbot", "alerts", channel="G1")
    manager.click("Add alert", bot.slack.last_view("views.open"))
    response = manager.submit(bot.slack.last_view("views.update"), {"Event": "Won"})
    assert "/invite @salesbot" in response.json["errors"]["event"]
    assert not subscriptions(bot) and not bot.slack.calls_to("conversations.join")


def test_in_a_dm_the_list_spans_channels_and_the_form_asks_for_one(bot: RunningBot) -> None:
    manager = make_manager(bot)
    add_alert(bot, manager, {"Event": "Won"}, channel="C1")
    other = make_manager(bot, "UM2", ("U2",))
    add_alert(bot, other, {"Event": "Lost"}, channel="C2")
    manager.command("/salesbot", "alerts", channel="DUM")
    mine = blocks_text(bot.slack.last_view("views.open")["blocks"])
    assert "<#C1> · *Won*" in mine and "Lost" not in mine  # a manager manages their own alerts
    manager.click("Add alert", bot.slack.last_view("views.open"))
    form = bot.slack.last_view("views.update")
    assert form["blocks"][0]["label"]["text"] == "Channel"
    listed = manager.submit(form, {"Channel": "C3", "Event": "Opportunity created", "Delivery": "Daily summary",
                                   "Hour": "08:00"})  # fmt: skip
    assert "<#C3> · *Opportunity created*" in blocks_text(listed.json["view"]["blocks"])
    assert (subscriptions(bot)[-1].delivery, subscriptions(bot)[-1].hour) == ("daily", 8)

    with transaction(bot.deps.new_session) as session:
        set_role(session, team_id="T1", user_ids=["UA"], role="admin")
    bot.user("UA").command("/salesbot", "alerts", channel="DUA")
    everything = bot.slack.last_view("views.open")
    assert "Won" in blocks_text(everything["blocks"]) and "Lost" in blocks_text(everything["blocks"])
    assert button_labels(everything["blocks"]).count("Remove") == 3  # admins manage every alert


def test_someone_elses_alert_cannot_be_changed_by_a_manager(bot: RunningBot) -> None:
    owner = make_manager(bot)
    add_alert(bot, owner, {"Event": "Won"})
    other = make_manager(bot, "UM2", ("U2",))
    other.command("/salesbot", "alerts", channel="C1")
    listing = bot.slack.last_view("views.open")
    assert "Won" in blocks_text(listing["blocks"]) and button_labels(listing["blocks"]) == ["Add alert"]
