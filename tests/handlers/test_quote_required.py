"""`quote_required = true` on a stage: `Next stage` and `Finish` are refused, naming the missing
quote, until the opportunity has an Active (or Won) quote."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningBot
from tests.handlers.opp_helpers import card, opportunity
from tests.handlers.quote_helpers import create_quote, ephemeral_text, opportunity_with_products, write_rules

QUOTED_PROCESS = """
[[approval]]
max_discount_percent = 10

[[process]]
name = "Quoted sale"
default = true
[[process.stage]]
name = "Propose"
completed = 50
chance = 50
quote_required = true
[[process.stage]]
name = "Close"
completed = 100
chance = 80
quote_required = true
"""


@pytest.fixture
def bot_settings(tmp_path: Path) -> dict[str, object]:
    return {"process_file": write_rules(tmp_path, QUOTED_PROCESS)}


def test_next_stage_and_finish_wait_for_an_active_quote(bot: RunningBot) -> None:
    user = bot.user()
    opportunity_with_products(bot)
    assert (opportunity(bot).process_name, opportunity(bot).stage) == ("Quoted sale", "Propose")
    user.click("Next stage", card(bot))
    assert "*Propose* requires a quote: the missing quote must be Active" in ephemeral_text(bot)
    assert opportunity(bot).stage == "Propose"
    draft = create_quote(bot)
    user.click("Next stage", card(bot))
    assert "requires a quote" in ephemeral_text(bot) and opportunity(bot).stage == "Propose"  # a Draft is not enough
    user.click("Activate", draft)
    user.click("Next stage", card(bot))
    assert opportunity(bot).stage == "Close"
    user.click("Finish", card(bot))
    assert "requires a quote" not in ephemeral_text(bot)
