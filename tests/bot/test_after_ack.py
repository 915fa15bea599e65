"""Work handed over after the ack (bot.background) over HTTP: it runs on the server thread that acked the
request, once the ack is sent and the connection is free again; some threads always stay free to ack;
nothing handed over is lost, a failure is logged, and waiting for idle waits for it. Driven by signed
slash commands over loopback HTTP into bot.server's waitress server."""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.background import ACK_RESERVE, BackgroundWork
from bot.server import EVENTS_PATH, make_http_server, run_until
from tests.slack.fake_slack import FakeSlack

SECRET = "after-ack-secret"
THREADS = ACK_RESERVE + 2  # ACK_RESERVE of them never carry work


@dataclass
class Probe:
    """What the listener and its work saw: which thread acked and which ran the work, per request text."""

    background: BackgroundWork
    port: int
    release: threading.Event = field(default_factory=threading.Event)
    acked_on: dict[str, str] = field(default_factory=dict)
    worked_on: dict[str, str] = field(default_factory=dict)
    started: dict[str, threading.Event] = field(default_factory=dict)

    def started_event(self, text: str) -> threading.Event:
        return self.started.setdefault(text, threading.Event())

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)


def work(probe: Probe, text: str) -> None:
    probe.worked_on[text] = threading.current_thread().name
    probe.started_event(text).set()
    if text.startswith("fail"):
        raise RuntimeError("the work failed")
    if text.startswith("hold"):
        assert probe.release.wait(10)


@pytest.fixture
def probe(fake_slack: FakeSlack) -> Iterator[Probe]:
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    app = App(signing_secret=SECRET, client=client, process_before_response=True)
    background = BackgroundWork()
    app.after_ack = background  # type: ignore[attr-defined]  # what bot.app.create_app sets
    server = make_http_server(app, "127.0.0.1", 0, threads=THREADS)
    found = Probe(background, server.effective_port)

    @app.command("/probe")
    def probe_command(ack: Ack, command: dict[str, Any]) -> None:
        found.acked_on[command["text"]] = threading.current_thread().name
        ack("acked " + command["text"])
        background.submit(work, found, command["text"])

    stop = threading.Event()
    serving = threading.Thread(target=run_until, args=(server, stop), daemon=True)
    serving.start()
    yield found
    found.release.set()
    assert background.wait_idle(10)
    stop.set()
    serving.join(timeout=5)
    background.shutdown()


def command(connection: http.client.HTTPConnection, text: str) -> str:
    body = urlencode({"command": "/probe", "text": text, "team_id": "T1", "user_id": "U1", "channel_id": "C1"})
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": signature}  # fmt: skip
    connection.request("POST", EVENTS_PATH, body=body, headers=headers)
    response = connection.getresponse()
    assert response.status == 200
    return response.read().decode()


def test_work_runs_on_the_acking_thread_after_the_ack_and_frees_the_connection(probe: Probe) -> None:
    connection = probe.connection()
    assert "acked hold" in command(connection, "hold")  # answered while its work is held
    assert probe.started_event("hold").wait(5)
    assert probe.worked_on["hold"] == probe.acked_on["hold"]
    assert probe.worked_on["hold"].startswith("waitress-")
    assert "acked next" in command(connection, "next")  # the same keep-alive connection, work still held
    assert probe.started_event("next").wait(5)
    assert probe.worked_on["next"] == probe.acked_on["next"] != probe.worked_on["hold"]
    assert not probe.background.wait_idle(0.2)  # the held work counts: shutdown waits for it
    probe.release.set()
    assert probe.background.wait_idle(5)


def test_some_threads_always_ack_and_work_beyond_them_waits_in_a_backlog(probe: Probe) -> None:
    carriers = THREADS - ACK_RESERVE
    held = [f"hold {n}" for n in range(carriers + 2)]
    connections = [probe.connection() for _ in held]
    for connection, text in zip(connections, held, strict=True):
        assert f"acked {text}" in command(connection, text)
    for text in held[:carriers]:
        assert probe.started_event(text).wait(5)
    time.sleep(0.2)
    assert sorted(probe.worked_on) == sorted(held[:carriers])  # the rest wait for a carrying thread
    assert "acked quick" in command(probe.connection(), "quick")  # a thread is still free to ack
    probe.release.set()
    assert probe.background.wait_idle(5)
    assert set(held) <= set(probe.worked_on)  # nothing handed over was lost
    carrying_threads = {probe.worked_on[text] for text in held[:carriers]}
    assert {probe.worked_on[text] for text in held[carriers:]} <= carrying_threads


def test_a_failure_is_logged_and_the_thread_serves_on(probe: Probe, caplog: pytest.LogCaptureFixture) -> None:
    connection = probe.connection()
    with caplog.at_level(logging.ERROR, logger="salesbot.background"):
        command(connection, "fail")
        assert probe.background.wait_idle(5)
    assert "background task work failed" in caplog.text
    for n in range(THREADS * 2):
        command(connection, f"after {n}")
    assert probe.background.wait_idle(5)
    assert all(f"after {n}" in probe.worked_on for n in range(THREADS * 2))


def test_work_handed_over_outside_a_request_runs_in_the_pool() -> None:
    background = BackgroundWork()
    ran: list[str] = []
    background.submit(lambda: ran.append(threading.current_thread().name))
    assert background.wait_idle(5)
    background.shutdown()
    assert ran and ran[0].startswith("after-ack")
