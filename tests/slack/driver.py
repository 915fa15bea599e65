"""Drives the bot as Slack does: signed HTTP requests (v0 HMAC) to /slack/events.

`SlackDriver.as_user(...)` gives an `Actor` that types commands, clicks buttons by label, submits
modals by field label and sends events, with payload shapes copied from Slack's docs and Bolt's fixtures.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from slackstandin.requests import signature as sign
from tests.slack.fake_slack import FakeSlack, Message
from tests.slack.validate import validate_message_blocks, validate_view

_counter = itertools.count(1)


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip().startswith(("{", "[")) else None

    @property
    def message(self) -> Message:
        """The ack body of a slash command as a message."""
        data = self.json or {"text": self.body}
        return Message(
            blocks=data.get("blocks") or [],
            text=data.get("text", ""),
            ephemeral=data.get("response_type", "ephemeral") == "ephemeral",
        )

    @property
    def text(self) -> str:
        data = self.json
        if not data:
            return self.body
        return data.get("text", "") + "\n" + blocks_text(data.get("blocks") or [])


class SlackDriver:
    def __init__(self, url: str, signing_secret: str, fake: FakeSlack, settle: Callable[[], None]) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.fake = fake
        self.settle = settle

    def as_user(self, user_id: str = "U1", team_id: str = "T1") -> Actor:
        return Actor(self, user_id, team_id)

    def post(
        self,
        body: str,
        *,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or sign(self.signing_secret, ts, body)  # the playground's stand-in signs the same way
        request = urllib.request.Request(self.url, data=body.encode(), method="POST")
        request.add_header("Content-Type", content_type)
        request.add_header("X-Slack-Request-Timestamp", ts)
        request.add_header("X-Slack-Signature", sig)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                response = Response(answer.status, answer.read().decode(), dict(answer.headers))
        except urllib.error.HTTPError as error:
            response = Response(error.code, error.read().decode(), dict(error.headers))
        self.settle()
        return response

    def post_form(self, fields: dict[str, str], **kwargs: Any) -> Response:
        return self.post(urlencode(fields), content_type="application/x-www-form-urlencoded", **kwargs)

    def post_payload(self, payload: dict[str, Any], **kwargs: Any) -> Response:
        body = "payload=" + quote(json.dumps(payload))
        return self.post(body, content_type="application/x-www-form-urlencoded", **kwargs)

    def post_event(self, envelope: dict[str, Any], **kwargs: Any) -> Response:
        return self.post(json.dumps(envelope), content_type="application/json", **kwargs)

    # OAuth: the install flow as a browser and Slack walk it ---------------------------------------
    @property
    def base(self) -> str:
        return self.url.removesuffix("/slack/events")

    def get(self, path: str, *, cookie: str | None = None) -> Response:
        request = urllib.request.Request(self.base + path, method="GET")
        if cookie:
            request.add_header("Cookie", cookie)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return Response(answer.status, answer.read().decode(), dict(answer.headers))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode(), dict(error.headers))

    def start_install(self) -> tuple[Response, str, str]:
        """Open /slack/install: the page, the state its "Add to Slack" link carries, the state cookie."""
        page = self.get("/slack/install")
        link = re.search(r'id="add-to-slack" href="([^"]+)"', page.body)
        assert link, f"no Add to Slack link on the install page: {page.body[:300]}"
        state = parse_qs(urlsplit(html.unescape(link.group(1))).query)["state"][0]
        cookie = (page.headers.get("Set-Cookie") or "").split(";", 1)[0]
        return page, state, cookie

    def finish_install(self, code: str, state: str, cookie: str) -> Response:
        """Slack sends the browser back to /slack/oauth_redirect with the code and the state."""
        response = self.get(f"/slack/oauth_redirect?{urlencode({'code': code, 'state': state})}", cookie=cookie)
        self.settle()
        return response

    def install(self, team_id: str, user_id: str = "UINSTALLER", **grant: Any) -> Response:
        """The whole flow: install page, the user approves in Slack, the redirect completes it."""
        _, state, cookie = self.start_install()
        return self.finish_install(self.fake.grant(team_id, user_id, **grant), state, cookie)


class Actor:
    def __init__(self, driver: SlackDriver, user_id: str, team_id: str) -> None:
        self.driver, self.user_id, self.team_id = driver, user_id, team_id

    @property
    def fake(self) -> FakeSlack:
        return self.driver.fake

    def _user(self) -> dict[str, Any]:
        name = self.user_id.lower()
        return {"id": self.user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": "example"}

    def command_fields(self, command: str, text: str = "", channel: str = "C1") -> dict[str, str]:
        return {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "sales",
            "user_id": self.user_id,
            "user_name": self.user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(),
            "trigger_id": f"{next(_counter)}.1.trigger",
        }

    def command(self, command: str, text: str = "", channel: str = "C1") -> Response:
        response = self.driver.post_form(self.command_fields(command, text, channel))
        data = response.json
        if isinstance(data, dict) and data.get("blocks"):
            self.fake.violations += [f"{command} ack: {p}" for p in validate_message_blocks(data["blocks"])]
        return response

    def click(self, label: str, where: Message | dict[str, Any], *, value: str | None = None) -> Response:
        """Click the button labelled `label` in a message or a view (home tab or modal)."""
        blocks = where.blocks if isinstance(where, Message) else where.get("blocks", [])
        block, element = find_button(blocks, label, value)
        action = {
            "action_id": element["action_id"],
            "block_id": block.get("block_id") or f"b{next(_counter)}",
            "text": element["text"],
            "value": element.get("value"),
            "type": "button",
            "action_ts": f"{time.time():.6f}",
        }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(),
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"{next(_counter)}.1.trigger",
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if isinstance(where, Message):
            channel = where.channel or "C1"
            payload["container"] = {
                "type": "message",
                "message_ts": where.ts or "1.1",
                "channel_id": channel,
                "is_ephemeral": where.ephemeral,
            }
            payload["channel"] = {"id": channel, "name": "sales"}
            payload["response_url"] = self.fake.response_url()
            if not where.ephemeral:
                payload["message"] = {"type": "message", "ts": where.ts, "text": where.text, "blocks": blocks}
        else:
            payload["container"] = {"type": "view", "view_id": where.get("id", "V1")}
            payload["view"] = {**where, "state": {"values": {}}, "team_id": self.team_id}
        return self.driver.post_payload(payload)

    def choose(self, option_text: str, where: Message, *, nth: int = 0) -> Response:
        """Choose `option_text` in the `nth` overflow menu of a message that offers it."""
        menus = [
            (block, element)
            for block, element in iter_elements(where.blocks)
            if element.get("type") == "overflow" and any(o["text"]["text"] == option_text for o in element["options"])
        ]
        assert len(menus) > nth, f"no overflow #{nth} with {option_text!r}"
        block, element = menus[nth]
        chosen = next(o for o in element["options"] if o["text"]["text"] == option_text)
        action = {
            "type": "overflow",
            "action_id": element["action_id"],
            "block_id": block.get("block_id") or f"b{next(_counter)}",
            "selected_option": chosen,
            "action_ts": f"{time.time():.6f}",
        }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(),
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"{next(_counter)}.1.trigger",
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
            "container": {
                "type": "message",
                "message_ts": where.ts or "1.1",
                "channel_id": where.channel or "C1",
                "is_ephemeral": where.ephemeral,
            },
            "channel": {"id": where.channel or "C1", "name": "sales"},
            "response_url": self.fake.response_url(),
        }
        if not where.ephemeral:
            payload["message"] = {"type": "message", "ts": where.ts, "text": where.text, "blocks": where.blocks}
        return self.driver.post_payload(payload)

    def submit(self, view: dict[str, Any], values: dict[str, Any] | None = None) -> Response:
        """Submit a modal, filling inputs found by their label (`{"Topic": "…", "Industry": "Retail"}`)."""
        state = build_state(view.get("blocks", []), values or {})
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(),
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"{next(_counter)}.1.trigger",
            "response_urls": [],
            "view": {
                **view,
                "id": view.get("id", "V1"),
                "team_id": self.team_id,
                "state": {"values": state},
                "hash": "1.h",
                "app_id": "A1",
                "bot_id": "B1",
                "root_view_id": view.get("id", "V1"),
                "previous_view_id": None,
                "clear_on_close": False,
                "notify_on_close": False,
            },
        }
        response = self.driver.post_payload(payload)
        data = response.json
        if isinstance(data, dict) and isinstance(data.get("view"), dict):
            self.fake.violations += [f"view ack: {p}" for p in validate_view(data["view"])]
        return response

    def shortcut(self, callback_id: str) -> Response:
        payload = {
            "type": "shortcut",
            "token": "legacy",
            "action_ts": f"{time.time():.6f}",
            "team": self._team(),
            "user": self._user(),
            "callback_id": callback_id,
            "trigger_id": f"{next(_counter)}.1.trigger",
        }
        return self.driver.post_payload(payload)

    def message_shortcut(self, callback_id: str, message: dict[str, Any], channel: str = "C1") -> Response:
        """A message shortcut on `message` (shape of Bolt's message_action fixture)."""
        payload = {
            "type": "message_action",
            "token": "legacy",
            "action_ts": f"{time.time():.6f}",
            "team": self._team(),
            "user": self._user(),
            "channel": {"id": channel, "name": "sales"},
            "callback_id": callback_id,
            "trigger_id": f"{next(_counter)}.1.trigger",
            "message_ts": message["ts"],
            "message": {"type": "message", "team": self.team_id, **message},
            "response_url": self.fake.response_url(),
        }
        return self.driver.post_payload(payload)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None) -> Response:
        envelope = {
            "token": "legacy",
            "team_id": self.team_id,
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.driver.post_event(envelope, headers=headers)

    def uninstall_app(self) -> Response:
        """The workspace removes salesbot: Slack revokes its tokens and sends `app_uninstalled`."""
        self.fake.uninstall(self.team_id)
        return self.event({"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"})

    def open_home(self, **kwargs: Any) -> Response:
        event = {
            "type": "app_home_opened",
            "user": self.user_id,
            "channel": f"D{self.user_id}",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        return self.event(event, **kwargs)


def iter_elements(blocks: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    found = []
    for block in blocks:
        for element in block.get("elements") or []:
            found.append((block, element))
        if isinstance(block.get("accessory"), dict):
            found.append((block, block["accessory"]))
    return found


def find_button(blocks: list[dict[str, Any]], label: str, value: str | None = None) -> tuple[dict, dict]:
    buttons = [(b, e) for b, e in iter_elements(blocks) if e.get("type") == "button"]
    for block, element in buttons:
        if element["text"]["text"] == label and (value is None or element.get("value") == value):
            return block, element
    labels = [e["text"]["text"] for _, e in buttons]
    raise AssertionError(f"no button {label!r} (value {value!r}); buttons: {labels}")


def button_labels(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["text"]["text"] for _, e in iter_elements(blocks) if e.get("type") == "button"]


def blocks_text(blocks: list[dict[str, Any]]) -> str:
    """All visible text of blocks, for assertions on wording."""
    parts: list[str] = []
    for block in blocks:
        for key in ("text", "label"):
            if isinstance(block.get(key), dict):
                parts.append(block[key].get("text", ""))
        parts += [f.get("text", "") for f in block.get("fields") or []]
        parts += [e.get("text", "") for e in block.get("elements") or [] if e.get("type") in ("mrkdwn", "plain_text")]
    return "\n".join(parts)


def build_state(blocks: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    remaining = dict(values)
    for block in blocks:
        if block.get("type") != "input":
            continue
        label = block["label"]["text"]
        element = block["element"]
        given = remaining.pop(label, None)
        if given is None:  # like Slack, an untouched input submits its initial value
            given = _initial(element)
        state[block["block_id"]] = {element["action_id"]: _element_state(element, given)}
    assert not remaining, f"no input labelled {sorted(remaining)}"
    return state


def _initial(element: dict[str, Any]) -> Any:
    for key in (
        "initial_value",
        "initial_user",
        "initial_users",
        "initial_conversation",
        "initial_channel",
        "initial_date_time",
        "initial_date",
    ):
        if key in element:
            return element[key]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    if "initial_options" in element:
        return [o["text"]["text"] for o in element["initial_options"]]
    return None


def _element_state(element: dict[str, Any], given: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind in ("static_select", "radio_buttons"):
        option = None
        if given is not None:
            options = element.get("options") or [o for g in element.get("option_groups", []) for o in g["options"]]
            option = next((o for o in options if given in (o["text"]["text"], o["value"])), None)
            assert option is not None, f"{given!r} is not an option of {element['action_id']}"
        return {"type": kind, "selected_option": option}
    if kind in ("checkboxes", "multi_static_select"):
        chosen = [o for o in element["options"] if o["text"]["text"] in (given or [])]
        return {"type": kind, "selected_options": chosen}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(given or [])}
    if kind == "users_select":
        return {"type": kind, "selected_user": given}
    if kind in ("conversations_select", "channels_select"):
        key = "selected_conversation" if kind == "conversations_select" else "selected_channel"
        return {"type": kind, key: given}
    if kind == "datetimepicker":
        return {"type": kind, "selected_date_time": given}
    if kind == "datepicker":
        return {"type": kind, "selected_date": given}
    if kind == "file_input":
        return {"type": kind, "files": given or []}
    return {"type": kind, "value": given}
