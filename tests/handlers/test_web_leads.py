"""POST /api/leads over HTTP: created and routed (201), duplicates (200), junk (400/401/405/413/415/422),
the rate limit (429), idempotent retries, a plain HTML form with redirect, and workspaces kept apart.
What behaves the same on both databases runs on SQLite only; the end-to-end story runs on both."""

from __future__ import annotations

import json
import threading

import pytest
import time_machine
from sqlmodel import select

from bot.app import create_app
from bot.server import make_http_server, run_until
from bot.services.api_tokens import revoke_token
from store.db import transaction
from store.models import Activity, ApiToken
from tests.conftest import RunningBot
from tests.handlers.routing_helpers import NOW, api_url, deliver, leads, post, post_form, post_lead, token, upload_rules
from tests.slack.driver import blocks_text

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
LEAD = {
    "topic": "Café <fit-out> & co",
    "company": "Bar Roma",
    "email": "anna@roma.example",
    "lead_source": "Web",
    "country": "IT",
    "employees": 12,
    "budget_amount": "25,000.00",
    "team_id": "T2",
    "colour": "ignored",
}


def test_a_web_lead_is_routed_to_its_owner_who_gets_it_in_dm(bot: RunningBot) -> None:
    upload_rules(bot, '[[routing]]\nwhen = { lead_source = "Web", country = ["IT"] }\nassign = { user = "U2" }\n')
    secret = token(bot, name="Website <form>")
    response = post_lead(bot, LEAD, secret, headers={"Idempotency-Key": "order-1"})
    [lead] = leads(bot)
    assert response.status == 201 and response.json == {"ok": True, "lead": {"number": lead.id, "owner": "U2"}}
    assert (lead.owner_id, lead.country, lead.employees, str(lead.budget_amount)) == ("U2", "IT", 12, "25000.00")
    assert leads(bot, team="T2") == []  # unknown keys, team_id among them, are ignored

    assert deliver(bot) == 1
    [dm] = [m for m in bot.slack.messages() if m.channel == "DU2"]
    text = blocks_text(dm.blocks)
    assert "New lead via web form (Website &lt;form&gt;), routed to you by rule 1" in text
    assert f"Lead #{lead.id}" in text and dm.blocks[1]["text"]["text"] == "Café <fit-out> & co"  # plain text
    with transaction(bot.deps.new_session) as session:
        timeline = [(a.subject, a.body) for a in session.exec(select(Activity).where(Activity.record_id == lead.id))]
    assert ("Lead created", "via web form (Website <form>)") in timeline and ("Routed by rule 1", "") in timeline

    # a retry with the same key gets the first answer; the same person again is a duplicate
    assert post_lead(bot, LEAD, secret, headers={"Idempotency-Key": "order-1"}).json == response.json
    again = post_lead(bot, {**LEAD, "topic": "Second form"}, secret)
    assert again.status == 200
    assert again.json == {"ok": True, "duplicate": True, "lead": {"number": lead.id, "owner": "U2"}}
    assert len(leads(bot)) == 1


@SQLITE_ONLY
def test_junk_is_answered_with_4xx_and_changes_nothing(bot: RunningBot) -> None:
    secret, url = token(bot), api_url(bot.url)
    cases = [
        (post(url, "{not json", bearer=secret), 400),
        (post(url, "[1, 2]", bearer=secret), 400),
        (post(url, b"\xff\xfe", bearer=secret), 400),
        (post(url, "topic=x", bearer=secret, content_type="text/plain"), 415),
        (post(url, {"topic": "x"}), 401),
        (post(url, {"topic": "x"}, bearer="sbk_000000000000_guess"), 401),
        (post(url, {"topic": "x"}, bearer=secret + "x"), 401),
        (post(url, {"topic": "x" * 70_000}, bearer=secret), 413),
        (post(url, {"topic": "x"}, bearer=secret, headers={"Idempotency-Key": "k" * 201}), 400),
        (post(url, {"topic": "x", "redirect": "javascript:alert(1)"}, bearer=secret), 422),
    ]
    assert [response.status for response, _ in cases] == [status for _, status in cases]
    assert cases[4][0].headers.get("Www-Authenticate") == "Bearer"
    invalid = post(url, {"email": "not an email", "employees": "many", "industry": ["a"]}, bearer=secret)
    assert invalid.status == 422 and invalid.json["ok"] is False
    assert set(invalid.json["errors"]) == {"topic", "email", "employees", "industry"}
    assert leads(bot) == []

    with transaction(bot.deps.new_session) as session:
        created = session.exec(select(ApiToken)).one()
        revoke_token(session, team_id="T1", token_id=created.id or 0, by="UADMIN", now=NOW)
    assert post(url, {"topic": "After revoking"}, bearer=secret).status == 401
    assert leads(bot) == []


@SQLITE_ONLY
@pytest.mark.parametrize("bot_settings", [{"api_rate_per_minute": 3}])
def test_past_the_rate_a_token_gets_429_with_retry_after(bot: RunningBot) -> None:
    secret, other = token(bot), token(bot, name="Marketing tool")
    # the limits count per clock minute: the clock stands still (a loaded machine once crossed a minute here)
    with time_machine.travel(NOW.replace(second=1), tick=False):
        _past_the_rate(bot, secret, other)


def _past_the_rate(bot: RunningBot, secret: str, other: str) -> None:
    statuses = [post_lead(bot, {"topic": f"Lead {n}", "company": f"C{n}"}, secret).status for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    limited = post_lead(bot, {"topic": "Lead 5"}, secret)
    assert limited.status == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert post_lead(bot, {"topic": "Other token"}, other).status == 201  # the limit is per token
    assert len(leads(bot)) == 4
    # an address gets five times a token's rate, whatever tokens it sends (15 here: 6 so far)
    guesses = [post_lead(bot, {"topic": "x"}, f"sbk_{n:012d}_guess").status for n in range(10)]
    assert guesses == [401] * 9 + [429]
    assert post_lead(bot, {"topic": "Other token again"}, other).status == 429


@SQLITE_ONLY
def test_a_plain_html_form_posts_with_its_token_and_is_redirected(bot: RunningBot) -> None:
    secret = token(bot)
    thanks = "https://www.example.com/thanks?from=form"
    response = post_form(bot, {"token": secret, "topic": "Coffee for 40 desks", "last_name": "Rossi",
                               "redirect": thanks})  # fmt: skip
    assert response.status == 303 and response.headers["Location"] == thanks
    [lead] = leads(bot)
    assert lead.topic == "Coffee for 40 desks" and lead.owner_id == "UADMIN"  # no rules, no channel: the creator
    assert lead.origin == "web form (Website)"
    assert post_form(bot, {"token": "wrong", "topic": "x"}).status == 401


@SQLITE_ONLY
def test_a_token_only_ever_reaches_its_own_workspace(bot: RunningBot) -> None:
    ours, theirs = token(bot, team="T1"), token(bot, team="T2", creator="UOTHER")
    mine = post_lead(bot, LEAD, ours)
    assert mine.status == 201
    # the same person posted to T2 is new there: T1's lead is neither found nor revealed
    other = post_lead(bot, LEAD, theirs)
    assert other.status == 201 and other.json["lead"]["owner"] == "UOTHER"
    assert other.json["lead"]["number"] != mine.json["lead"]["number"]
    assert [lead.team_id for lead in leads(bot, "T2")] == ["T2"] and len(leads(bot, "T1")) == 1


def test_concurrent_retries_with_one_idempotency_key_create_one_lead(bot: RunningBot) -> None:
    secret, url = token(bot), api_url(bot.url)
    answers: list[int] = []

    def send() -> None:
        answers.append(post(url, LEAD, bearer=secret, headers={"Idempotency-Key": "same"}).status)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.deps.background.wait_idle()
    assert sorted(answers) == [201, 201, 201, 201] and len(leads(bot)) == 1
    assert json.loads(post(url, LEAD, bearer=secret).body)["duplicate"] is True


@SQLITE_ONLY
def test_in_socket_mode_the_http_port_serves_only_the_lead_api(bot: RunningBot) -> None:
    app, _ = create_app(bot.deps)
    server = make_http_server(app, "127.0.0.1", 0, threads=2, slack_events=False)
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.effective_port}"
        assert post(f"{base}/api/leads", {"topic": "Socket-mode lead"}, bearer=token(bot)).status == 201
        assert post(f"{base}/slack/events", "command=/lead&team_id=T1&user_id=U1").status == 404
    finally:
        stop.set()
        thread.join(timeout=5)
