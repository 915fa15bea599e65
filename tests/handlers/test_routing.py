"""Routing through the protocol: round robin over three reps across two bot instances (2/2/2), the cap
and the fallback, the leads channel's `Claim` race (two clicks 50 ms apart), `Reassign by rules`, the
managers' digest mentioning a lead nobody claimed for a day, and API tokens in `/salesbot admin`."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from bot.slack_client import make_client
from scheduler.dispatcher import tick
from store.db import transaction
from store.models import AdminAudit, ApiToken, LeadClaim
from tests import factories as make
from tests.conftest import RunningBot
from tests.handlers.admin_helpers import as_admin, click_in_view, open_part
from tests.handlers.routing_helpers import (
    api_url,
    deliver,
    leads,
    make_team,
    post,
    post_lead,
    second_instance,
    token,
    upload_rules,
)
from tests.slack.driver import Response, blocks_text, button_labels
from tests.slack.fake_slack import Message

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ROUND_ROBIN = '[[routing]]\nwhen = { lead_source = "Web" }\nassign = { team = "EMEA", method = "round_robin"%s }\n'


def _lead(n: int) -> dict[str, str]:
    return {"topic": f"Espresso bar {n}", "company": f"Bar {n}", "email": f"bar{n}@example.com", "lead_source": "Web"}


def test_round_robin_is_fair_across_two_instances(bot: RunningBot, database_url: str) -> None:
    make_team(bot, "EMEA", ["UA", "UB", "UC"])
    upload_rules(bot, ROUND_ROBIN % "")
    secret = token(bot)
    answers: list[str] = []
    with second_instance(bot, database_url) as other_url:
        urls = [api_url(bot.url), api_url(other_url)] * 3

        def send(n: int) -> None:
            answers.append(post(urls[n], _lead(n), bearer=secret).json["lead"]["owner"])

        threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert Counter(answers) == {"UA": 2, "UB": 2, "UC": 2}  # concurrent posts to both instances
    assert Counter(lead.owner_id for lead in leads(bot)) == {"UA": 2, "UB": 2, "UC": 2}
    # the turn lives in the database: the next lead continues the rotation
    assert post_lead(bot, _lead(7), secret).json["lead"]["owner"] == "UA"


def _claim_post(bot: RunningBot, channel: str) -> Message:
    deliver(bot)
    [posted] = [m for m in bot.slack.messages() if m.channel == channel and not m.ephemeral]
    return posted


def test_at_the_cap_the_fallback_channel_gets_the_lead_and_the_first_claim_wins(bot: RunningBot) -> None:
    make_team(bot, "EMEA", ["UA", "UB"])
    upload_rules(bot, ROUND_ROBIN % ", max_open = 1" + '[routing_fallback]\nchannel = "C0LEADS"\n')
    secret = token(bot)
    owners = [post_lead(bot, _lead(n), secret).json["lead"]["owner"] for n in range(3)]
    assert owners == ["UA", "UB", None]  # both at their cap: the lead waits, unassigned
    waiting = leads(bot)[-1]
    assert waiting.owner_id == ""

    posted = _claim_post(bot, "C0LEADS")
    assert button_labels(posted.blocks) == ["Claim"]
    assert "waiting for an owner" in blocks_text(posted.blocks) and "Unassigned" in blocks_text(posted.blocks)

    first, second = bot.user("UX"), bot.user("UY")
    clicks = [threading.Thread(target=first.click, args=("Claim", posted))]
    clicks.append(threading.Thread(target=second.click, args=("Claim", posted)))
    clicks[0].start()
    time.sleep(0.05)
    clicks[1].start()
    for thread in clicks:
        thread.join()
    bot.deps.background.wait_idle()

    [winner] = [lead.owner_id for lead in leads(bot) if lead.id == waiting.id]
    loser = "UY" if winner == "UX" else "UX"
    assert winner in ("UX", "UY")
    told = [m for m in bot.slack.messages() if m.ephemeral and "already took" in m.text]
    assert [m.text for m in told] == [f"<@{winner}> already took *Espresso bar 2*."]
    updates = [c.args for c in bot.slack.calls_to("chat.update") if c.args.get("ts") == posted.ts]
    assert len(updates) == 1 and f"Claimed by <@{winner}>" in blocks_text(updates[0]["blocks"])
    assert "Claim" not in button_labels(updates[0]["blocks"])
    assert any(m.channel == f"D{winner}" and "You claimed this lead" in blocks_text(m.blocks)
               for m in bot.slack.messages())  # fmt: skip
    assert not any(m.channel == f"D{loser}" for m in bot.slack.messages())
    with transaction(bot.deps.new_session) as session:
        claim = session.exec(select(LeadClaim)).one()
    assert (claim.claimed_by, claim.ts) == (winner, posted.ts)


@SQLITE_ONLY
def test_no_rule_goes_to_the_admins_leads_channel_and_reassign_by_rules_is_for_admins(bot: RunningBot) -> None:
    bot.deps.admin_ids = frozenset({"UADMIN"})
    admin = bot.user("UADMIN")
    admin.command("/salesbot", "admin")
    assert admin.submit(bot.slack.last_view("views.open"), {"Leads channel": "CLEADS"}).body == ""
    secret = token(bot)
    answer = post_lead(bot, {"topic": "Grinders", "company": "Roma", "lead_source": "Trade show"}, secret)
    assert answer.status == 201 and answer.json["lead"]["owner"] is None
    assert button_labels(_claim_post(bot, "CLEADS").blocks) == ["Claim"]

    # a rep's own lead, routed again by an admin once a rule covers it
    rep = bot.user("U1")
    rep.command("/lead")
    rep.submit(bot.slack.last_view("views.open"), {"Topic": "Cups", "Company": "Bar Uno", "Lead source": "Partner"})
    card = bot.slack.last_message()
    rep.choose("Reassign by rules", card)
    assert "Only salesbot admins can reassign" in bot.slack.last_message().text
    make_team(bot, "Partners", ["UP1", "UP2"])
    upload_rules(bot, '[[routing]]\nwhen = { lead_source = "Partner" }\nassign = { team = "Partners" }\n')
    admin.choose("Reassign by rules", card)
    [cups] = [lead for lead in leads(bot) if lead.topic == "Cups"]
    assert cups.owner_id == "UP1"
    assert "Reassigned by rule 1: <@UP1> owns it now." in bot.slack.last_message().text
    assert any(m.channel == "DUP1" and "Assigned to you" in m.text for m in bot.slack.messages())
    admin.choose("Reassign by rules", card)  # the turn moves on: the next member gets it
    assert [lead.owner_id for lead in leads(bot) if lead.topic == "Cups"] == ["UP2"]


@SQLITE_ONLY
def test_api_tokens_in_admin_are_shown_once_work_and_can_be_revoked(bot: RunningBot) -> None:
    bot.deps.admin_ids = frozenset({"UADMIN"})
    admin = bot.user("UADMIN")
    admin.command("/salesbot", "admin")
    admin.click("API tokens", bot.slack.last_view("views.open"))
    tokens = bot.slack.last_view("views.push")
    assert tokens["title"]["text"] == "API tokens" and tokens["submit"]["text"] == "Create token"
    assert "name" in admin.submit(tokens, {"Name": "  "}).json["errors"]
    shown = admin.submit(tokens, {"Name": "Website form"}).json
    assert shown["response_action"] == "update"
    text = blocks_text(shown["view"]["blocks"])
    secret = text.split("```")[1]
    assert secret.startswith("sbk_") and "it is not shown again" in text
    assert post_lead(bot, {"topic": "From the website"}, secret).status == 201
    with transaction(bot.deps.new_session) as session:
        stored = session.exec(select(ApiToken)).one()
        audit = [row.action for row in session.exec(select(AdminAudit).order_by(AdminAudit.id))]  # type: ignore[arg-type]
    assert secret not in (stored.secret_hash, stored.public_id) and secret.split("_", 2)[2] not in stored.secret_hash

    listed = {**shown["view"], "id": "VTOKENS"}
    bot.user("U1").click("Revoke", listed)
    assert post_lead(bot, {"topic": "Still works"}, secret).status == 201  # a non-admin's click changed nothing
    admin.click("Revoke", listed)
    assert "No tokens yet." in blocks_text(bot.slack.last_view("views.update")["blocks"])
    assert post_lead(bot, {"topic": "After revoking"}, secret).status == 401
    assert audit == ["API token created"]
    with transaction(bot.deps.new_session) as session:
        assert [row.action for row in session.exec(select(AdminAudit))][-1] == "API token revoked"


MORNING = datetime(2026, 3, 31, 6, 0, tzinfo=UTC)  # Tuesday 31 March 2026, 08:00 in Rome


@SQLITE_ONLY
def test_a_lead_unclaimed_for_a_day_is_mentioned_once_in_the_managers_digest(bot: RunningBot) -> None:
    with transaction(bot.deps.new_session) as session:
        session.add_all([make.user("UM", role="manager", profile_fetched_at=MORNING),
                         make.user("U2", manager_id="UM", profile_fetched_at=MORNING)])  # fmt: skip
        waiting = make.lead("", "Left <waiting>", company="Bar Due", created_at=MORNING - timedelta(days=1, hours=3))
        claimed = make.lead("U2", "Claimed in time", created_at=MORNING - timedelta(days=1, hours=3))
        session.add_all([waiting, claimed])
        session.flush()
        for lead, by in ((waiting, ""), (claimed, "U2")):
            session.add(LeadClaim(team_id="T1", lead_id=lead.id or 0, channel="CLEADS", claimed_by=by,
                                  created_at=MORNING - timedelta(days=1, hours=3)))  # fmt: skip
    client = make_client("xoxb-test-token", bot.slack.api_url, inline_retries=False)
    texts = []
    for day in range(3):
        now = MORNING + timedelta(days=day)
        before = len(bot.slack.calls_to("chat.postMessage"))
        with time_machine.travel(now, tick=False):
            tick(bot.deps, client, now)
        sent = [c.args for c in bot.slack.calls_to("chat.postMessage")[before:] if c.args.get("channel") == "UM"]
        texts.append("".join(blocks_text(args["blocks"]) for args in sent))
    # posted Monday 05:00 Rome: still unclaimed a day later, so Wednesday's digest mentions it, once
    assert [("Unclaimed in the leads channel" in text, "Left &lt;waiting&gt;" in text) for text in texts] == [
        (False, False),
        (True, True),
        (False, False),
    ]
    assert "Claimed in time" not in "".join(texts)


@SQLITE_ONLY
def test_routing_rules_uploaded_in_admin_are_checked_and_then_route_web_leads(bot: RunningBot) -> None:
    admin = as_admin(bot)
    processes = open_part(bot, admin, "Processes")
    upload = click_in_view(bot, admin, "Upload process file", processes)

    def send(content: str, file_id: str) -> Response:
        bot.slack.files[file_id] = content.encode()
        return admin.submit(upload, {"Process file": [bot.slack.file_object(file_id, "routing.toml")]})

    bad = send('[[routing]]\nassign = { team = "EMEA", method = "random" }\n', "F1")
    assert bad.json["errors"]["file"].startswith("routing.toml: routing[0].assign.method: must be one of")
    unknown = send(ROUND_ROBIN % "", "F2")
    assert "routing.toml: routing[0].assign.team: no team named 'EMEA'" in unknown.json["errors"]["file"]
    make_team(bot, "EMEA", ["UA", "UB"])
    assert send(ROUND_ROBIN % "", "F3").body == ""
    secret = token(bot)
    assert [post_lead(bot, _lead(n), secret).json["lead"]["owner"] for n in range(3)] == ["UA", "UB", "UA"]
