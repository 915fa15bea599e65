"""The unfiltered lists say exactly how many open records the rep has (store/owner_counts.py), past the
1,000 a capped count stopped at, through Slack's protocol: `/lead list` and `/opp list` after bulk inserts,
a lead created in the modal, then qualified on its card (it leaves the open leads, its deal joins the
open deals)."""

from __future__ import annotations

import sqlalchemy as sa

from store.models import Lead, Opportunity
from tests.conftest import RunningBot

LEADS, DEALS = 10_000, 1_204


def test_the_lists_show_the_exact_count_of_open_records(bot: RunningBot) -> None:
    leads = [{"team_id": "T1", "owner_id": "U1", "topic": f"L{n}"} for n in range(LEADS)]
    with bot.deps.engine.begin() as connection:
        connection.execute(sa.insert(Lead), leads)
        connection.execute(sa.insert(Lead), [{"team_id": "T2", "owner_id": "U1", "topic": "Elsewhere"}] * 3)
        connection.execute(sa.insert(Lead), [{"team_id": "T1", "owner_id": "U2", "topic": "Theirs"}] * 2)
        connection.execute(sa.insert(Opportunity), [{"team_id": "T1", "owner_id": "U1", "topic": "D"}] * DEALS)
    rep = bot.user("U1")
    listed = rep.command("/lead", "list")
    assert listed.json["text"] == "Your open leads (10,000)"
    assert "Showing 20 of 10,000." in listed.text and "1,000+" not in listed.text
    assert "Showing 40 of 1,204." in rep.command("/opp", "list").text
    rep.command("/lead")
    rep.submit(bot.slack.last_view("views.open"), {"Topic": "Kiosk espresso", "Company": "Stazione"})
    card = bot.slack.last_message()
    assert "Showing 20 of 10,001." in rep.command("/lead", "list").text
    rep.click("Qualify", card)
    assert rep.command("/lead", "list").json["text"] == "Your open leads (10,000)"
    assert "Showing 40 of 1,205." in rep.command("/opp", "list").text
