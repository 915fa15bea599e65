"""The stand-in's workspace applies what an app sends as Slack does: ephemeral answers only for their
person, response_url replace/delete, the modal stack (push, update, clear) and App Home."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from slackstandin.requests import Answer
from slackstandin.web import Page
from slackstandin.web_api import FakeSlack
from slackstandin.workspace import Channel, Command, Person, Workspace

REP, COLLEAGUE = "U0REP", "U0COL"


class ScriptedApp:
    """Answers each request with the next scripted body; records the payloads."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any] | None] = []
        self.payloads: list[dict[str, Any]] = []

    def _answer(self, payload: dict[str, Any]) -> Answer:
        self.payloads.append(payload)
        body = self.answers.pop(0) if self.answers else None
        return Answer(200, json.dumps(body) if body is not None else "", {})

    def post_form(self, fields: dict[str, str]) -> Answer:
        return self._answer(fields)

    def post_payload(self, payload: dict[str, Any]) -> Answer:
        return self._answer(payload)


@pytest.fixture
def space() -> Iterator[tuple[Workspace, ScriptedApp, WebClient]]:
    api = FakeSlack("T0PLAY", reject_invalid=True, realistic_ts=True).start()
    people = [Person(REP, "Rita Rossi", "rep", "Europe/Rome"), Person(COLLEAGUE, "Carlos Ortega", "colleague", "UTC")]
    workspace = Workspace(api, people=people, channels=[Channel("C0SALES", "sales")], commands=[Command("/lead")])
    app = ScriptedApp()
    workspace.sender = app  # type: ignore[assignment]
    yield workspace, app, WebClient(token="xoxb-x", base_url=api.api_url)
    api.stop()


def texts(workspace: Workspace, user: str) -> list[str]:
    return [post["text"] for post in workspace.snapshot(user)["posts"]]


def test_an_ephemeral_answer_is_only_for_its_person(space: tuple[Workspace, ScriptedApp, WebClient]) -> None:
    workspace, app, _ = space
    app.answers.append({"response_type": "ephemeral", "text": "Your open leads (0)"})
    workspace.command(REP, "C0SALES", "/lead list")
    assert texts(workspace, REP) == ["Your open leads (0)"] and texts(workspace, COLLEAGUE) == []
    workspace.command(REP, "C0SALES", "/nope")
    assert "/nope is not a valid command" in workspace.snapshot(REP)["alerts"][-1]["text"]


def test_response_url_replaces_or_deletes_the_clicked_message(space: tuple[Workspace, ScriptedApp, WebClient]) -> None:
    workspace, app, client = space
    button = {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Qualify"}}
    posted = client.chat_postMessage(channel="C0SALES", text="card", blocks=[{"type": "actions", "elements": [button]}])
    block_id = workspace.find_post("C0SALES", posted["ts"]).blocks[0]["block_id"]  # type: ignore[union-attr]
    workspace.act_on_message(REP, "C0SALES", posted["ts"], block_id, "go", {})
    response_url = app.payloads[-1]["response_url"]
    WebhookClient(response_url).send(text="qualified card", replace_original=True)
    assert texts(workspace, COLLEAGUE) == ["qualified card"]
    WebhookClient(response_url).send(text="only you", response_type="ephemeral")
    assert texts(workspace, COLLEAGUE) == ["qualified card"] and texts(workspace, REP)[-1] == "only you"
    WebhookClient(response_url).send(delete_original=True)
    assert texts(workspace, COLLEAGUE) == []


def test_the_modal_stack(space: tuple[Workspace, ScriptedApp, WebClient]) -> None:
    workspace, app, client = space

    def modal(title: str) -> dict[str, Any]:
        note = {"type": "section", "text": {"type": "mrkdwn", "text": title}}
        return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [note]}

    workspace.command(REP, "C0SALES", "/lead")
    root = client.views_open(trigger_id=app.payloads[-1]["trigger_id"], view=modal("New lead"))["view"]["id"]
    app.answers.append({"response_action": "push", "view": modal("Possible duplicate")})
    workspace.submit(REP, root, {})
    titles = [v["title"]["text"] for v in workspace.views[REP]]
    assert titles == ["New lead", "Possible duplicate"]
    pushed = workspace.views[REP][-1]
    client.views_update(view_id=pushed["id"], view=modal("Updated"))
    assert [v["title"]["text"] for v in workspace.views[REP]] == ["New lead", "Updated"]
    workspace.close(REP, pushed["id"])  # Back
    assert [v["title"]["text"] for v in workspace.views[REP]] == ["New lead"]
    app.answers.append({"response_action": "clear"})
    workspace.submit(REP, root, {})
    assert workspace.views[REP] == []
    client.views_publish(user_id=REP, view={"type": "home", "blocks": modal("Home")["blocks"]})
    assert workspace.snapshot(REP)["home"]["type"] == "home" and workspace.snapshot(COLLEAGUE)["home"] is None


def test_a_permalink_opens_the_page_at_its_message(space: tuple[Workspace, ScriptedApp, WebClient]) -> None:
    workspace, _, client = space
    Page(workspace)
    posted = client.chat_postMessage(channel="C0SALES", text="Who knows Aurora?")
    link = client.chat_getPermalink(channel="C0SALES", message_ts=posted["ts"])["permalink"]
    assert link.startswith(workspace.api.base + "/archives/C0SALES/p")
    with pytest.raises(urllib.error.HTTPError) as redirected:  # not followed: read where it points
        urllib.request.build_opener(NoRedirect).open(link)
    assert redirected.value.code == 303
    assert redirected.value.headers["Location"] == f"/?channel=C0SALES&ts={posted['ts']}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None
