"""The /lead flow over Socket Mode: Bolt's SocketModeHandler against a local Socket Mode server.

Same bot, same listeners as the HTTP tests, but requests arrive as envelopes on a WebSocket and
answers go back as acks carrying `envelope_id` (and a `payload` when the listener acks with a body).
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from sqlmodel import select

from bot.app import create_app
from bot.deps import Deps, build_deps
from store.db import transaction
from store.models import Lead
from tests.conftest import make_settings
from tests.slack.driver import blocks_text, build_state, button_labels
from tests.slack.fake_slack import FakeSlack
from tests.slack.socket_server import SocketModeServer
from tests.slack.validate import validate_message_blocks

APP_TOKEN = "xapp-1-test"
_counter = itertools.count(1)


@dataclass
class SocketBot:
    deps: Deps
    slack: FakeSlack
    server: SocketModeServer
    handler: SocketModeHandler

    def send(self, type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Deliver one envelope, take its ack (matched by envelope_id) and let the after-ack work finish."""
        ack = self.server.send_envelope(type, payload, accepts_response_payload=type != "events_api")
        assert set(ack) <= {"envelope_id", "payload"}, ack
        assert self.deps.background.wait_idle(), "background work did not finish"
        answer = ack.get("payload")
        if isinstance(answer, dict) and answer.get("blocks"):
            self.slack.violations += [f"{type} ack: {p}" for p in validate_message_blocks(answer["blocks"])]
        return ack


@pytest.fixture
def socket_bot(database_url: str, fake_slack: FakeSlack) -> Iterator[SocketBot]:
    server = SocketModeServer().start()
    fake_slack.socket_url = server.url
    deps = build_deps(make_settings(database_url, fake_slack, slack_app_token=APP_TOKEN))
    assert deps.settings.socket_mode
    app, _ = create_app(deps)
    handler = SocketModeHandler(app, APP_TOKEN)
    try:
        handler.connect()  # apps.connections.open on the fake, then the WebSocket handshake; returns at once
        server.wait_connected()
        [opened] = fake_slack.calls_to("apps.connections.open")
        assert opened.token == APP_TOKEN
        yield SocketBot(deps, fake_slack, server, handler)
        deps.background.wait_idle()
    finally:
        handler.close()  # before the server stops, or the client would reconnect
        server.stop()
        deps.background.shutdown()
        deps.engine.dispose()
    assert server.unmatched == [], f"client messages that acked no envelope: {server.unmatched}"
    assert server.hellos == 1, "the client reconnected during the test"
    fake_slack.assert_valid()


def command_payload(slack: FakeSlack, command: str, text: str = "", user: str = "U1") -> dict[str, str]:
    """A slash command in Socket Mode: the HTTP form fields as a JSON object (all strings)."""
    return {
        "token": "legacy-verification-token", "team_id": "T1", "team_domain": "example", "channel_id": "C1",
        "channel_name": "sales", "user_id": user, "user_name": user.lower(), "command": command, "text": text,
        "api_app_id": "A1", "is_enterprise_install": "false", "response_url": slack.response_url(),
        "trigger_id": f"{next(_counter)}.1.trigger",
    }  # fmt: skip


def view_submission_payload(view: dict[str, Any], values: dict[str, Any], user: str = "U1") -> dict[str, Any]:
    """Like `Actor.submit`: inputs filled by label."""
    state = build_state(view.get("blocks", []), values)
    return {
        "type": "view_submission", "team": {"id": "T1", "domain": "example"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T1"},
        "api_app_id": "A1", "token": "legacy", "trigger_id": f"{next(_counter)}.1.trigger",
        "response_urls": [], "is_enterprise_install": False, "enterprise": None,
        "view": {**view, "id": view.get("id", "V1"), "team_id": "T1", "state": {"values": state},
                 "hash": "1.h", "app_id": "A1", "bot_id": "B1", "root_view_id": view.get("id", "V1"),
                 "previous_view_id": None, "clear_on_close": False, "notify_on_close": False},
    }  # fmt: skip


def open_new_lead_modal(bot: SocketBot) -> dict[str, Any]:
    ack = bot.send("slash_commands", command_payload(bot.slack, "/lead"))
    assert "payload" not in ack or not ack["payload"], ack  # an empty ack: the modal opens via views.open
    return bot.slack.last_view("views.open")


def leads(bot: SocketBot) -> list[Lead]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(Lead).order_by(Lead.id)))


def app_home_opened_body(user: str = "U1") -> dict[str, Any]:
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home",
             "event_ts": f"{time.time():.6f}"}  # fmt: skip
    return {
        "token": "legacy", "team_id": "T1", "api_app_id": "A1", "event": event, "type": "event_callback",
        "event_id": f"Ev{next(_counter):08d}", "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": "T1", "user_id": "UBOT", "is_bot": True,
                            "is_enterprise_install": False}],
    }  # fmt: skip


def test_lead_flow_over_socket_mode(socket_bot: SocketBot) -> None:
    """/lead → modal → submit → card in DM, then /lead list and App Home: all three envelope types."""
    payload = command_payload(socket_bot.slack, "/lead")
    envelope_id = str(uuid.uuid4())
    ack = socket_bot.server.send_envelope("slash_commands", payload, True, envelope_id=envelope_id)
    assert ack == {"envelope_id": envelope_id}  # an empty ack: the modal opens via views.open
    assert socket_bot.deps.background.wait_idle()
    [opened] = socket_bot.slack.calls_to("views.open")
    assert opened.args["trigger_id"] == payload["trigger_id"]
    view = opened.args["view"]
    assert (view["callback_id"], view["title"]["text"]) == ("lead_new", "New lead")

    submission = view_submission_payload(view, {"Topic": "Socket espresso", "Company": "Caffè Socket"})
    ack = socket_bot.send("interactive", submission)
    assert not ack.get("payload"), ack  # an empty ack closes the modal
    [lead] = leads(socket_bot)
    assert (lead.team_id, lead.owner_id) == ("T1", "U1")
    assert (lead.topic, lead.company) == ("Socket espresso", "Caffè Socket")
    [post] = socket_bot.slack.calls_to("chat.postMessage")
    assert post.args["channel"] == "DU1"
    assert "Qualify" in button_labels(post.args["blocks"])
    assert "Caffè Socket" in blocks_text(post.args["blocks"])

    # a listener acking with a body: the body comes back as the ack's payload
    answer = socket_bot.send("slash_commands", command_payload(socket_bot.slack, "/lead", "list"))["payload"]
    assert answer["response_type"] == "ephemeral"
    assert "Socket espresso" in blocks_text(answer["blocks"]) and button_labels(answer["blocks"]) == ["Open"]

    event = app_home_opened_body()
    ack = socket_bot.send("events_api", event)
    assert not ack.get("payload"), ack
    home = socket_bot.slack.last_view("views.publish")
    assert home["type"] == "home" and "Socket espresso" in blocks_text(home["blocks"])
    # Slack redelivers an unacked event with retry_attempt > 0: acked again, processed once
    socket_bot.server.send_envelope("events_api", event, False, retry_attempt=1, retry_reason="timeout")
    assert socket_bot.deps.background.wait_idle()
    assert len(socket_bot.slack.calls_to("views.publish")) == 1


def test_invalid_email_comes_back_as_a_field_error_in_the_ack_payload(socket_bot: SocketBot) -> None:
    view = open_new_lead_modal(socket_bot)
    submission = view_submission_payload(view, {"Topic": "Grinders", "Company": "Caffè Socket",
                                                "Email": "giulia.example.com"})  # fmt: skip
    answer = socket_bot.send("interactive", submission)["payload"]
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"email"}
    assert leads(socket_bot) == []
    assert socket_bot.slack.calls_to("chat.postMessage") == []
