"""The Slack stand-in speaks Slack's protocol: requests signed as Slack signs them, event retries with
Slack's headers, payloads with the keys of Slack's own samples (tests/fixtures/slack-payloads/, copied
from shared/slack-payloads/), and Block Kit violations answered as Slack answers them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from slackstandin.requests import SignedSender, signature
from slackstandin.web_api import FakeSlack
from slackstandin.workspace import Channel, Command, Person, Workspace

SAMPLES = Path(__file__).parents[1] / "fixtures" / "slack-payloads"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
REP, COLLEAGUE = "U0REP", "U0COL"
# enterprise grid fields a single-workspace install never carries
GRID_ONLY = {"enterprise_id", "enterprise_name"}


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


@dataclass
class Received:
    headers: dict[str, str]
    body: str

    @property
    def payload(self) -> dict[str, Any]:
        if self.headers["Content-Type"] == "application/json":
            return json.loads(self.body)
        fields = dict(parse_qsl(self.body))
        return json.loads(fields["payload"]) if "payload" in fields else fields


@dataclass
class App:
    """A stand-in for salesbot: records what it receives and answers `answers` in turn (then 200 '')."""

    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, str, float]] = field(default_factory=list)  # status, body, delay

    def handler(self) -> type[BaseHTTPRequestHandler]:
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                app.received.append(Received(dict(self.headers), body))
                status, answer, delay = app.answers.pop(0) if app.answers else (200, "", 0.0)
                time.sleep(delay)  # an app too slow to answer (the sender gives up first)
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer.encode())

        return Handler


@pytest.fixture
def app() -> Iterator[tuple[App, str]]:
    recorder = App()
    server = ThreadingHTTPServer(("127.0.0.1", 0), recorder.handler())
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield recorder, f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    server.shutdown()
    server.server_close()


@pytest.fixture
def workspace(app: tuple[App, str]) -> Iterator[Workspace]:
    api = FakeSlack("T0PLAY", reject_invalid=True, realistic_ts=True).start()
    people = [Person(REP, "Rita Rossi", "rep", "Europe/Rome"), Person(COLLEAGUE, "Carlos Ortega", "colleague", "UTC")]
    space = Workspace(api, people=people, channels=[Channel("C0SALES", "sales")], commands=[Command("/lead")])
    space.sender = SignedSender(app[1], SECRET)
    yield space
    api.stop()


def test_signature_matches_slacks_documented_example() -> None:
    vector = sample("../signing_test_vector.docs.json")
    assert (
        signature(SECRET, vector["x_slack_request_timestamp"], vector["raw_body"])
        == (vector["expected_x_slack_signature"])
    )


def assert_signed_now(received: Received) -> None:
    """Signed with real time (whatever the playground clock says), verifiable with the signing secret."""
    timestamp = received.headers["X-Slack-Request-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 5
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(received.body, timestamp, received.headers["X-Slack-Signature"])


def test_slash_command_is_the_documented_form(workspace: Workspace, app: tuple[App, str]) -> None:
    workspace.command(REP, "C0SALES", "/lead Aurora")
    [received] = app[0].received
    assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert_signed_now(received)
    documented = dict(parse_qsl((SAMPLES / "slash_command.docs.form.txt").read_text().strip()))
    fields = received.payload
    assert set(documented) - GRID_ONLY <= set(fields)
    assert (fields["command"], fields["text"], fields["channel_id"], fields["user_id"]) == (
        "/lead",
        "Aurora",
        "C0SALES",
        REP,
    )


def test_interactions_have_the_keys_of_slacks_samples(workspace: Workspace, app: tuple[App, str]) -> None:
    button = {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}, "value": "7"}
    client = WebClient(token="xoxb-x", base_url=workspace.api.api_url)
    posted = client.chat_postMessage(channel="C0SALES", text="card", blocks=[{"type": "actions", "elements": [button]}])
    block_id = workspace.find_post("C0SALES", posted["ts"]).blocks[0]["block_id"]  # type: ignore[union-attr]
    workspace.act_on_message(REP, "C0SALES", posted["ts"], block_id, "go", {})
    workspace.shortcut(REP, "new_lead")
    workspace.shortcut(REP, "create_lead_from_message", "C0SALES", posted["ts"])
    clicked, shortcut, message_shortcut = (r.payload for r in app[0].received)
    for received in app[0].received:
        assert_signed_now(received)
    expected = sample("block_actions.bolt_python_fixture.json")
    assert set(expected) <= set(clicked) and set(expected["container"]) <= set(clicked["container"])
    assert set(expected["actions"][0]) <= set(clicked["actions"][0]) and clicked["actions"][0]["value"] == "7"
    assert clicked["message"]["ts"] == posted["ts"]  # a public message travels with the click
    assert set(sample("shortcut_global.bolt_python_fixture.json")) <= set(shortcut)
    assert set(sample("message_action.bolt_python_fixture.json")) <= set(message_shortcut)


def test_view_submission_has_the_sample_keys_and_errors_stay_on_the_modal(
    workspace: Workspace, app: tuple[App, str]
) -> None:
    client = WebClient(token="xoxb-x", base_url=workspace.api.api_url)
    workspace.command(REP, "C0SALES", "/lead")  # gives the person a trigger, as Slack would
    trigger = app[0].received[0].payload["trigger_id"]
    topic = {"type": "input", "block_id": "topic", "label": {"type": "plain_text", "text": "Topic"},
             "element": {"type": "plain_text_input", "action_id": "v"}}  # fmt: skip
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "New lead"}, "blocks": [topic],
             "submit": {"type": "plain_text", "text": "Create"}}  # fmt: skip
    view_id = client.views_open(trigger_id=trigger, view=modal)["view"]["id"]
    app[0].answers.append((200, json.dumps({"response_action": "errors", "errors": {"topic": "Too short"}}), 0))
    workspace.submit(REP, view_id, {"topic": {"v": {"value": "x"}}})
    submitted = app[0].received[-1].payload
    expected = sample("view_submission.bolt_python_fixture.json")
    assert set(expected) <= set(submitted) and set(expected["view"]) <= set(submitted["view"])
    assert submitted["view"]["state"]["values"] == {"topic": {"v": {"type": "plain_text_input", "value": "x"}}}
    assert workspace.views[REP][-1]["errors"] == {"topic": "Too short"}
    workspace.submit(REP, view_id, {"topic": {"v": {"value": "Espresso bar"}}})
    assert workspace.views[REP] == []  # an empty ack closes the view


def test_thread_reply_event_matches_slacks_sample(workspace: Workspace, app: tuple[App, str]) -> None:
    client = WebClient(token="xoxb-x", base_url=workspace.api.api_url)
    posted = client.chat_postMessage(channel="C0SALES", text="Who knows Aurora?")
    workspace.sender = SignedSender(app[1], SECRET)
    workspace.say(COLLEAGUE, "C0SALES", "I do <b>& more", thread_ts=posted["ts"])
    deadline = time.monotonic() + 5
    while not app[0].received and time.monotonic() < deadline:
        time.sleep(0.01)
    [received] = app[0].received
    assert received.headers["Content-Type"] == "application/json"
    assert_signed_now(received)
    envelope, expected = received.payload, sample("message_thread_reply_channel.bolt_python_fixture.json")
    assert set(expected) - GRID_ONLY <= set(envelope)
    assert set(expected["authorizations"][0]) <= set(envelope["authorizations"][0])
    assert set(expected["event"]) <= set(envelope["event"])
    event = envelope["event"]
    assert (event["thread_ts"], event["parent_user_id"], event["user"], event["text"]) == (
        posted["ts"],
        "UBOT",
        COLLEAGUE,
        "I do &lt;b&gt;&amp; more",  # escaped as Slack escapes what people type
    )
    home = sample("app_home_opened.docs.json")
    workspace.open_home(REP)
    opened = app[0].received[-1].payload
    assert set(home) - GRID_ONLY <= set(opened) and set(home["event"]) - {"view"} <= set(opened["event"])


def test_events_are_retried_with_slacks_headers(app: tuple[App, str]) -> None:
    recorder, url = app
    recorder.answers += [(500, "", 0.0), (200, "", 0.5), (200, "", 0.0)]  # error, too slow, then fine
    sender = SignedSender(url, SECRET, timeout=0.2, retry_delays=(0.0, 0.0, 0.0))
    answer = sender.post_event({"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened"}})
    assert answer.status == 200
    first, second, third = recorder.received
    assert "X-Slack-Retry-Num" not in first.headers
    assert (second.headers["X-Slack-Retry-Num"], second.headers["X-Slack-Retry-Reason"]) == ("1", "http_error")
    assert (third.headers["X-Slack-Retry-Num"], third.headers["X-Slack-Retry-Reason"]) == ("2", "http_timeout")
    assert first.body == second.body == third.body  # the same event_id each time
    for received in recorder.received:
        assert_signed_now(received)


def test_interactions_are_never_retried(app: tuple[App, str]) -> None:
    recorder, url = app
    recorder.answers.append((500, "", 0.0))
    assert SignedSender(url, SECRET).post_payload({"type": "block_actions"}).status == 500
    assert len(recorder.received) == 1


def test_a_block_kit_violation_is_refused_as_slack_does_and_shown(workspace: Workspace) -> None:
    client = WebClient(token="xoxb-x", base_url=workspace.api.api_url)
    long_button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 80}}
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0SALES", text="t", blocks=[{"type": "actions", "elements": [long_button]}])
    assert refused.value.response["error"] == "invalid_blocks"
    assert workspace.posts == []  # nothing was posted
    [alert] = workspace.snapshot(REP)["alerts"]
    assert "invalid_blocks" in alert["text"] and "button text 80 > 75" in alert["text"]


def test_a_modal_opened_with_an_expired_trigger_is_refused_and_shown(
    workspace: Workspace, app: tuple[App, str]
) -> None:
    client = WebClient(token="xoxb-x", base_url=workspace.api.api_url)
    workspace.command(REP, "C0SALES", "/lead")
    trigger = app[0].received[0].payload["trigger_id"]
    workspace.api.triggers[trigger] -= 3.5  # the app took longer than Slack's 3 s to open it
    note = {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "New lead"}, "blocks": [note]}
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id=trigger, view=modal)
    assert refused.value.response["error"] == "expired_trigger_id"
    assert workspace.views.get(REP, []) == []
    assert "expired_trigger_id" in workspace.snapshot(REP)["alerts"][-1]["text"]
