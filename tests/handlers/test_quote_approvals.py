"""Quotes through Slack, part 2: approval with two people (rep U1, manager UM) under the rule
`discount > 10 % needs the manager`: submit, reject with a reason, approve, stale and double clicks."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from store.db import transaction
from store.models import Quote
from tests.conftest import RunningBot
from tests.handlers.opp_helpers import submit
from tests.handlers.quote_helpers import (
    approval_request,
    create_quote,
    ephemeral_text,
    opportunity_with_products,
    quote_card,
    quote_events,
    quotes,
    team_with_manager,
    text_of,
    write_rules,
)
from tests.orm_loads import orm_loads
from tests.slack.driver import blocks_text, button_labels


@pytest.fixture
def bot_settings(tmp_path: Path) -> dict[str, object]:
    return {"process_file": write_rules(tmp_path)}


def submitted_quote(bot: RunningBot, discount: str = "15") -> None:
    team_with_manager(bot)
    opportunity_with_products(bot)
    message = create_quote(bot, **{"Quote discount %": discount})
    assert button_labels(message.blocks) == ["Add product", "Edit lines", "Edit quote", "Submit for approval"]
    assert "Needs approval: discount 15.00 % is above 10 %" in text_of(message)
    bot.user().click("Submit for approval", message)


def test_a_quote_under_the_rule_activates_without_approval(bot: RunningBot) -> None:
    team_with_manager(bot)
    opportunity_with_products(bot)
    message = create_quote(bot, **{"Quote discount %": "10"})
    assert button_labels(message.blocks)[-1] == "Activate"  # 10 % is not above 10 %
    assert "Submit for approval" not in button_labels(message.blocks)


def test_submit_reject_with_reason_edit_and_approve(bot: RunningBot) -> None:
    rep, manager = bot.user(), bot.user("UM")
    submitted_quote(bot)
    assert quotes(bot)[0].status == "in_review"
    assert "sent to <@UM> for approval" in ephemeral_text(bot)
    request = approval_request(bot)
    text = text_of(request)
    assert "Caffè Centrale" in text and "2,208.30 EUR" in text  # 2 × 1,299.00 − 15 %
    assert "389.70 EUR (15.00 %)" in text and "list 2,598.00 EUR → quoted 2,208.30 EUR" in text
    assert button_labels(request.blocks) == ["Approve", "Reject"]
    assert "*<@U1> asks you to approve Quote Q-00001 rev 1 (2,208.30 EUR)*" in text  # the mention stays markup
    bot.user("U2").click("Reject", request)  # a stranger: neither approver nor allowed on the opportunity
    assert "Only the owner, their manager or an admin" in ephemeral_text(bot)
    rep.click("Approve", request)  # the rep cannot approve their own quote
    assert "Only the approver of this quote or an admin" in ephemeral_text(bot)
    assert quotes(bot)[0].status == "in_review"
    manager.click("Reject", request)
    modal = bot.slack.last_view("views.open")
    assert [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"] == ["Reason"]
    assert manager.submit(modal, {"Reason": ""}).json["errors"].keys() == {"reason"}
    assert quotes(bot)[0].status == "in_review"
    assert submit(manager, modal, {"Reason": "Too much <off>"}).body == ""
    assert quotes(bot)[0].status == "rejected"
    told = [m for m in bot.slack.messages() if m.channel == "DU1" and "was rejected by <@UM>" in m.text]
    assert told and "Too much &lt;off&gt;" in told[-1].text
    # the rep edits (back to Draft), submits again, the manager approves
    rep.click("Edit quote", told[-1])
    submit(rep, bot.slack.last_view("views.open"), {"Quote discount %": "12"})
    assert quotes(bot)[0].status == "draft"
    rep.click("Submit for approval", quote_card(bot))
    manager.click("Approve", approval_request(bot))
    assert quotes(bot)[0].status == "approved"
    approved = quote_card(bot)
    assert button_labels(approved.blocks) == ["Add product", "Edit lines", "Edit quote", "Activate"]
    events = quote_events(bot)
    assert [e.split(": ", 1)[1] for e in events] == [
        "created (Draft)",
        "submitted for approval",
        "rejected",
        "edited — back to Draft from Rejected",
        "submitted for approval",
        "approved",
    ]  # who approved is the entry's author; the approver asked is data (drawn as a mention on display)


def test_editing_an_approved_quote_needs_approval_again(bot: RunningBot) -> None:
    rep, manager = bot.user(), bot.user("UM")
    submitted_quote(bot)
    manager.click("Approve", approval_request(bot))
    rep.click("Edit quote", quote_card(bot))
    submit(rep, bot.slack.last_view("views.open"), {"Freight": "10"})
    assert quotes(bot)[0].status == "draft"
    assert "Submit for approval" in button_labels(quote_card(bot).blocks)


def test_stale_and_double_approvals_change_nothing(bot: RunningBot) -> None:
    rep, manager = bot.user(), bot.user("UM")
    submitted_quote(bot)
    first_request = approval_request(bot)
    # the rep edits while it is in review: back to Draft; the old request is stale
    rep.click("Edit quote", quote_card(bot))
    submit(rep, bot.slack.last_view("views.open"), {"Freight": "10"})
    manager.click("Approve", first_request)
    assert "edited since it was submitted" in ephemeral_text(bot) or "nothing to approve" in ephemeral_text(bot)
    assert quotes(bot)[0].status == "draft"
    rep.click("Submit for approval", quote_card(bot))
    request = approval_request(bot)
    manager.click("Approve", request)
    manager.click("Approve", request)
    assert "Approved: there is nothing to approve" in ephemeral_text(bot)
    assert sum(e.endswith(": approved") for e in quote_events(bot)) == 1


def test_two_approve_clicks_racing_have_one_effect(bot: RunningBot) -> None:
    """Two `Approve` requests at the same moment (PostgreSQL: two connections): one approval, one entry."""
    submitted_quote(bot)
    request = approval_request(bot)
    manager = bot.user("UM")
    barrier = threading.Barrier(2)

    def click() -> None:
        barrier.wait()
        manager.click("Approve", request)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.deps.background.wait_idle()
    assert quotes(bot)[0].status == "approved"
    assert sum(e.endswith(": approved") for e in quote_events(bot)) == 1
    refused = [m for m in bot.slack.messages() if "already decided" in m.text or "nothing to approve" in m.text]
    assert len(refused) == 1


def test_no_approver_refuses_submitting(bot: RunningBot) -> None:
    opportunity_with_products(bot)  # U1 has no manager and there is no admin
    bot.user().click("Submit for approval", create_quote(bot, **{"Quote discount %": "20"}))
    assert "Nobody can approve it" in ephemeral_text(bot)
    assert quotes(bot)[0].status == "draft"


def test_pending_approvals_are_on_the_approvers_app_home(bot: RunningBot) -> None:
    submitted_quote(bot)
    manager = bot.user("UM")
    manager.open_home()
    home = bot.slack.last_view("views.publish")
    assert "Quotes waiting for your approval (1)" in blocks_text(home["blocks"])
    manager.click("Open", home)
    assert "Quote Q-00001 rev 1" in blocks_text(bot.slack.last_view("views.open")["blocks"])  # the card, in a modal
    manager.click("Approve", approval_request(bot))
    manager.open_home()
    assert "waiting for your approval" not in blocks_text(bot.slack.last_view("views.publish")["blocks"])


def more_waiting(bot: RunningBot, count: int) -> None:
    """`count` more quotes of the same opportunity waiting for UM, submitted after the first."""
    with transaction(bot.deps.new_session) as session:
        first = session.exec(select(Quote)).one()
        rows = [{**first.model_dump(exclude={"id"}), "number": 100 + n, "name": f"Waiting {n:02d}",
                 "submitted_at": (first.submitted_at or first.created_at) + timedelta(minutes=1 + n)}
                for n in range(count)]  # fmt: skip
        session.execute(sa.insert(Quote), rows)


def test_an_approver_with_many_waiting_reads_the_first_ten(bot: RunningBot) -> None:
    """Home lists the first 10 quotes waiting for the approver, oldest first, and counts them all, building
    10 quotes as objects however many wait."""
    submitted_quote(bot)
    more_waiting(bot, 40)
    with orm_loads(Quote, "number") as loaded:
        bot.user("UM").open_home()
    home = bot.slack.last_view("views.publish")
    text = blocks_text(home["blocks"])
    assert "Quotes waiting for your approval (41)" in text
    assert "Q-00108" in text and "Q-00109" not in text and text.index("Q-00001") < text.index("Q-00100")
    assert len(loaded) <= 10
