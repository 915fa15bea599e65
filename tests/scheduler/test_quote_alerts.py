"""`Quote approved` and `Quote rejected` alerts: the approver's answer reaches the subscribed channel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from tests.conftest import RunningBot
from tests.handlers.opp_helpers import submit
from tests.handlers.quote_helpers import (
    approval_request,
    create_quote,
    opportunity_with_products,
    quote_card,
    write_rules,
)
from tests.handlers.test_alerts import add_alert, make_manager
from tests.scheduler.test_alerts import T0, _deliver, _in_channel
from tests.slack.driver import blocks_text, button_labels


@pytest.fixture
def bot_settings(tmp_path: Path) -> dict[str, object]:
    return {"process_file": write_rules(tmp_path)}


def test_a_rejected_then_approved_quote_is_announced_with_its_reason(bot: RunningBot) -> None:
    manager, rep = make_manager(bot), bot.user("U1")
    with time_machine.travel(T0, tick=False):
        add_alert(bot, manager, {"Event": "Quote approved"}, channel="C1")
        add_alert(bot, manager, {"Event": "Quote rejected"}, channel="C2")
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        opportunity_with_products(bot)
        rep.click("Submit for approval", create_quote(bot, **{"Quote discount %": "15"}))
        manager.click("Reject", approval_request(bot))
        assert submit(manager, bot.slack.last_view("views.open"), {"Reason": "Too much <off> & more"}).body == ""
    _deliver(bot, T0 + timedelta(minutes=2))
    assert not _in_channel(bot, "C1")
    [rejected] = _in_channel(bot, "C2")
    shown = blocks_text(rejected.blocks)
    assert rejected.text == ":x: Quote rejected: 20 espresso machines"
    assert "Quote Q-00001 rev 1 · 2,208.30 EUR" in shown and "Reason: Too much &lt;off&gt; &amp; more" in shown
    assert "by <@UM> · owner <@U1>" in shown and button_labels(rejected.blocks) == ["Open"]

    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        rep.click("Edit quote", quote_card(bot))
        submit(rep, bot.slack.last_view("views.open"), {"Quote discount %": "12"})
        rep.click("Submit for approval", quote_card(bot))
        manager.click("Approve", approval_request(bot))
    _deliver(bot, T0 + timedelta(minutes=4))
    [approved] = _in_channel(bot, "C1")
    assert approved.text == ":white_check_mark: Quote approved: 20 espresso machines"
    assert "Quote Q-00001 rev 1 · 2,286.24 EUR" in blocks_text(approved.blocks) and "Reason" not in approved.text
    assert len(_in_channel(bot, "C2")) == 1  # the approval is not a rejection
    manager.click("Open", approved)
    assert "Next stage" in button_labels(bot.slack.last_message().blocks)
