"""`[deal_rooms]` in PROCESS_FILE: big deals (or deals of a process) get their room without a click."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from bot.domain.deal_rooms import RoomRule, RoomRuleError, parse_room_rule
from store.db import transaction
from store.models import DealRoom
from tests.conftest import RunningBot
from tests.handlers.opp_helpers import card, new_opportunity, submit


@pytest.fixture
def bot_settings(tmp_path: Path) -> dict[str, object]:
    path = tmp_path / "processes.toml"
    path.write_text("[deal_rooms]\nmin_revenue = 50000\n", encoding="utf-8")
    return {"process_file": path}


def _rooms(bot: RunningBot) -> list[DealRoom]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(DealRoom).order_by(DealRoom.id)))


def test_a_big_deal_gets_its_room_and_a_small_one_when_it_grows(bot: RunningBot) -> None:
    rep = bot.user("U1")
    new_opportunity(bot, rep, **{"Topic": "Big deal", "Estimated revenue": "60,000"})
    [room] = _rooms(bot)
    told = [m.text for m in bot.slack.messages() if m.channel == "DU1" and "opened automatically" in m.text]
    assert told == [f":door: Deal room <#{room.channel_id}> was opened automatically: its estimated revenue is at "
                    "least 50,000.00."]  # fmt: skip
    new_opportunity(bot, rep, **{"Topic": "Small deal", "Estimated revenue": "1,000"})
    assert len(_rooms(bot)) == 1
    rep.click("Edit", card(bot))
    assert submit(rep, bot.slack.last_view("views.open"), {"Estimated revenue": "70,000"}).body == ""
    assert len(_rooms(bot)) == 2
    rep.click("Edit", card(bot))  # edited again: still one room for it
    submit(rep, bot.slack.last_view("views.open"), {"Estimated revenue": "80,000"})
    assert len(_rooms(bot)) == 2


def test_a_refused_automatic_room_is_told_to_the_owner(bot: RunningBot) -> None:
    bot.slack.fail_next("conversations.create", error="restricted_action")
    new_opportunity(bot, bot.user("U1"), **{"Estimated revenue": "60,000"})
    assert not _rooms(bot)
    assert any("does not let apps create channels" in m.text for m in bot.slack.messages() if m.channel == "DU1")


def test_the_rule_reads_amounts_and_processes_and_names_bad_keys() -> None:
    rule = parse_room_rule({"deal_rooms": {"min_revenue": 100000, "processes": ["Enterprise"]}})
    assert rule == RoomRule(Decimal("100000"), ("Enterprise",))
    assert rule.wants(Decimal("100000"), "") and rule.wants(None, "enterprise") and not rule.wants(Decimal(1), "X")
    assert parse_room_rule({}) is None
    for bad, key in (({"size": 1}, "deal_rooms.size"), ({"min_revenue": -1}, "deal_rooms.min_revenue"),
                     ({"processes": "Enterprise"}, "deal_rooms.processes"), ({}, "deal_rooms")):  # fmt: skip
        with pytest.raises(RoomRuleError, match=key):
            parse_room_rule({"deal_rooms": bad})
