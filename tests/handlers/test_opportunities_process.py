"""A custom sales process from PROCESS_FILE, picked by a rule on the lead's details at Qualify."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from store.db import transaction
from store.models import Lead, Opportunity
from tests.conftest import RunningBot
from tests.handlers.opp_helpers import card, last_reply, new_opportunity, submit, tick
from tests.slack.driver import blocks_text, button_labels
from tests.slack.fake_slack import Message

PROCESSES = """
[[process]]
name = "Enterprise deal"
probability = "add"
when = { lead_source = ["Trade show"], budget_min = 50000 }

[[process.stage]]
name = "Qualify"
completed = 25
chance = 20
steps = [
  { name = "Identify account", type = "account", required = true },
  { name = "Estimated budget", type = "amount" },
]

[[process.stage]]
name = "Discovery"
completed = 40
chance = 30
steps = [
  { name = "Workshop held", type = "checkbox", required = true },
  { name = "Sites", type = "number" },
  { name = "Champion", type = "user" },
  { name = "Tier", type = "choice", options = ["Gold", "Silver"], required = true },
]

[[process.stage]]
name = "Negotiate"
completed = 90
chance = 70
steps = [{ name = "Legal review", required = true }]
"""


@pytest.fixture
def bot_settings(tmp_path: Path) -> dict[str, object]:
    path = tmp_path / "processes.toml"
    path.write_text(PROCESSES, encoding="utf-8")
    return {"process_file": path}


def qualify_lead(bot: RunningBot, **values: str) -> Opportunity:
    user = bot.user()
    user.command("/lead")
    fields = {"Topic": "Espresso for 40 sites", "Last name": "Rossi", "Company": "Caffè Aurora"}
    fields.update(values)
    user.submit(bot.slack.last_view("views.open"), fields)
    post = bot.slack.wait_for("chat.postMessage")[-1]
    lead_card = Message(blocks=post.args["blocks"], text=post.args["text"], channel=post.args["channel"], ts="1.1")
    user.click("Qualify", lead_card)
    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(Lead)).one().status == "qualified"
        return session.exec(select(Opportunity)).one()


def test_a_rule_picks_the_custom_process_at_qualify(bot: RunningBot) -> None:
    opp = qualify_lead(bot, **{"Lead source": "Trade show", "Budget amount": "60,000"})
    assert (opp.process_name, opp.stage) == ("Enterprise deal", "Discovery")
    user = bot.user()
    shown = user.command("/opp", "aurora").message
    text = blocks_text(shown.blocks)
    assert "✓ Qualify › *▶ Discovery* › Negotiate" in text
    assert "35 %" in text  # add mode: (30 + 40) / 2
    assert "21,000.00 EUR" in text  # 60,000 × 35 %
    user.click("Next stage", shown)
    assert "Workshop held" in last_reply(bot) and "Tier" in last_reply(bot)
    tick(user, shown, "Workshop held")
    user.click("Edit stage", card(bot))
    view = bot.slack.last_view("views.open")
    kinds = {b["label"]["text"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert kinds == {"Checklist": "checkboxes", "Sites": "plain_text_input", "Champion": "users_select",
                     "Tier": "static_select"}  # fmt: skip
    bad = submit(user, view, {"Sites": "forty", "Tier": "Gold"})
    assert "step_1" in bad.json["errors"]
    assert not submit(user, view, {"Sites": "40", "Tier": "Gold", "Champion": "U7"}).body.strip()
    user.click("Next stage", card(bot))
    final = card(bot)
    assert "✓ Discovery › *▶ Negotiate*" in blocks_text(final.blocks) and "Finish" in button_labels(final.blocks)


def test_leads_that_match_no_rule_get_the_default_process(bot: RunningBot) -> None:
    opp = qualify_lead(bot, **{"Lead source": "Web", "Budget amount": "60,000"})
    assert (opp.process_name, opp.stage) == ("Lead to opportunity sales process", "Develop")


def test_edit_can_switch_process_without_losing_step_values(bot: RunningBot) -> None:
    new_opportunity(bot)
    user = bot.user()
    user.click("Edit", card(bot))
    view = bot.slack.last_view("views.open")
    assert not submit(user, view, {"Sales process": "Enterprise deal"}).body.strip()
    text = blocks_text(card(bot).blocks)
    assert "*Enterprise deal*" in text and "*▶ Qualify* › Discovery › Negotiate" in text
    user.click("Edit", card(bot))
    submit(user, bot.slack.last_view("views.open"), {"Sales process": "Lead to opportunity sales process"})
    user.click("Next stage", card(bot))  # Identify contact/account were kept by name
    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(Opportunity)).one().stage == "Develop"
