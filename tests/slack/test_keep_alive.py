"""The dispatcher's Slack client keeps its connections open between calls (slack-sdk's urllib path opens
one per call), answers exactly as slack-sdk does, and never reuses a connection Slack has closed."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import base_client

from bot.keep_alive import ConnectionPool
from bot.slack_client import make_client
from tests.slack.fake_slack import FakeSlack


def test_calls_reuse_one_connection_and_answer_as_slack_sdk_does(fake_slack: FakeSlack) -> None:
    pool = ConnectionPool()
    client = make_client("xoxb-test-token", fake_slack.api_url, inline_retries=False, pool=pool)
    answers = [client.chat_postMessage(channel=f"U{n}", text=f"Reminder {n}") for n in range(5)]
    assert [answer["ok"] for answer in answers] == [True] * 5
    assert [answer["channel"] for answer in answers] == [f"DU{n}" for n in range(5)]
    assert [call.token for call in fake_slack.calls_to("chat.postMessage")] == ["xoxb-test-token"] * 5
    assert fake_slack.connections == 1 and pool.opened == 1 and pool.idle_count() == 1
    plain = make_client("xoxb-test-token", fake_slack.api_url, inline_retries=False)
    plain.chat_postMessage(channel="U9", text="Reminder 9")
    assert fake_slack.connections == 2  # urllib: a connection per call


def test_a_429_reaches_the_caller_with_its_retry_after_and_keeps_the_connection(fake_slack: FakeSlack) -> None:
    pool = ConnectionPool()
    client = make_client("xoxb-test-token", fake_slack.api_url, inline_retries=False, pool=pool)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="U1", text="Reminder")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7" and raised.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="U1", text="Reminder")["ok"] is True
    assert fake_slack.connections == 1


def test_a_connection_slack_closed_while_idle_is_not_reused(fake_slack: FakeSlack) -> None:
    fake_slack.idle_timeout = 0.2  # as a load balancer does with idle keep-alive connections
    pool = ConnectionPool()
    client = make_client("xoxb-test-token", fake_slack.api_url, inline_retries=False, pool=pool)
    client.chat_postMessage(channel="U1", text="first")
    time.sleep(1.0)  # well past the idle timeout: Slack has closed its end of the pooled connection
    assert client.chat_postMessage(channel="U1", text="second")["ok"] is True  # no error from the stale one
    assert fake_slack.connections == 2 and pool.opened == 2
    assert [call.args["text"] for call in fake_slack.calls_to("chat.postMessage")] == ["first", "second"]


def test_connections_idle_too_long_are_closed_rather_than_reused(fake_slack: FakeSlack) -> None:
    pool = ConnectionPool(max_idle_seconds=0.0)
    client = make_client("xoxb-test-token", fake_slack.api_url, inline_retries=False, pool=pool)
    client.chat_postMessage(channel="U1", text="first")
    client.chat_postMessage(channel="U1", text="second")
    assert fake_slack.connections == 2 and pool.opened == 2


def _closing_server() -> tuple[socket.socket, list[int]]:
    """A server that reads each request and closes the connection without answering; counts them."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[int] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            accepted.append(1)
            connection.recv(65536)
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, accepted


def test_a_listeners_client_retries_a_cut_answer_as_over_urllib_and_the_dispatchers_does_not() -> None:
    """slack-sdk's ConnectionErrorRetryHandler retries RemoteDisconnected (urllib raises it as is)."""
    server, accepted = _closing_server()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/api/"
    try:
        with pytest.raises(RemoteDisconnected):
            make_client("xoxb-test-token", url, pool=ConnectionPool()).chat_postMessage(channel="U1", text="hi")
        assert len(accepted) == 3  # once, then the handler's two retries
        with pytest.raises(OSError):
            make_client("xoxb-t", url, inline_retries=False, pool=ConnectionPool()).chat_postMessage(
                channel="U1", text="x"
            )
        assert len(accepted) == 4  # the pool itself never sends a request twice
    finally:
        server.close()


def test_a_request_that_could_not_be_sent_is_a_urlerror_as_over_urllib() -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}/api/"
    closed.close()  # connection refused
    client = make_client("xoxb-test-token", url, inline_retries=False, pool=ConnectionPool())
    with pytest.raises(URLError) as raised:
        client.chat_postMessage(channel="U1", text="hi")
    assert isinstance(raised.value.reason, ConnectionRefusedError)  # retried by ConnectionErrorRetryHandler


def test_a_json_body_reaches_slack_as_slack_sdks_own_and_again_on_a_retry(fake_slack: FakeSlack) -> None:
    """The keep-alive client encodes views.publish's view with orjson: Slack receives the same JSON value."""
    view = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Müller 株式会社 \ud83d"}}],
    }
    make_client("xoxb-test-token", fake_slack.api_url).views_publish(user_id="U1", view=view)
    fake_slack.fail_next("views.publish", status=500)
    pooled = make_client("xoxb-test-token", fake_slack.api_url, pool=ConnectionPool())  # retries inline
    assert pooled.views_publish(user_id="U1", view=view)["ok"] is True
    plain, failed, retried = fake_slack.calls_to("views.publish")
    sent = [
        (call.args["user_id"], call.args["view"]["type"], call.args["view"]["blocks"])
        for call in (plain, failed, retried)
    ]
    assert sent == [("U1", "home", view["blocks"])] * 3  # the fake adds an id to what it stores


def test_a_json_answer_is_decoded_once_and_by_orjson(fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    """slack-sdk decodes an answer's text with json.loads (in its retry handlers' path, which encodes the text
    to bytes again first): the keep-alive client hands it the answer decoded by orjson instead, the same
    value (views.publish echoes the whole view: ~10-20 KB on App Home)."""
    decoded: list[str] = []
    loads = base_client.json.loads

    def counted(*args: Any, **kwargs: Any) -> Any:  # json is one module: count slack-sdk's calls, not the fake's
        caller = sys._getframe(1).f_globals["__name__"]
        if caller.startswith("slack_sdk"):
            decoded.append(caller)
        return loads(*args, **kwargs)

    monkeypatch.setattr(base_client.json, "loads", counted)
    view = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Müller 株式会社"}}]}
    plain = make_client("xoxb-test-token", fake_slack.api_url).views_publish(user_id="U1", view=view)
    assert decoded == ["slack_sdk.web.base_client"]
    pooled = make_client("xoxb-test-token", fake_slack.api_url, pool=ConnectionPool()).views_publish(
        user_id="U1", view=view
    )
    assert len(decoded) == 1 and pooled["ok"] is True  # none more
    assert pooled["view"]["blocks"] == plain["view"]["blocks"] == view["blocks"]


def test_an_answer_that_is_not_json_fails_as_over_slack_sdks_urllib() -> None:
    """slack-sdk's retry path decodes a 200's text unguarded: both clients raise its JSONDecodeError."""
    server = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        for _ in range(2):
            connection, _ = server.accept()
            connection.recv(65536)
            body = b"{not json"
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            connection.sendall(head.encode() + body)
            connection.close()

    threading.Thread(target=answer, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/api/"
    try:
        for pool in (None, ConnectionPool()):
            with pytest.raises(json.JSONDecodeError):
                make_client("xoxb-test-token", url, pool=pool).chat_postMessage(channel="U1", text="hi")
    finally:
        server.close()
