"""The gate in front of Bolt on HTTP: the signature is checked on the raw bytes before anything parses
them (401), then the body must have the shape of a Slack request (400 and one log line) before Bolt and
the listeners see it. Bolt parses `payload=` with `json.loads` and indexes into the result; junk there
was a 500 with a traceback, signed or not."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from bot import fastjson

log = logging.getLogger("salesbot.gate")
MAX_AGE = 60 * 5  # seconds: Slack's replay window
MAX_BODY = 1 << 20  # Slack's payloads are far smaller; a larger body is not from Slack
PARSED_BODY = "salesbot.slack_body"  # the environ key of the body the gate parsed, for Bolt (bot.server)

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]

Shapes = dict[str, dict[str, type | tuple[type, ...]]]

# What each kind of interactive payload must carry, and of which type, for a listener to read it.
PAYLOAD_SHAPES: Shapes = {
    "block_actions": {"actions": list, "user": dict},
    "block_suggestion": {"action_id": str, "user": dict},
    "view_submission": {"view": dict, "user": dict},
    "view_closed": {"view": dict, "user": dict},
    "shortcut": {"callback_id": str, "user": dict},
    "message_action": {"callback_id": str, "user": dict, "message": dict},
}
EVENT_SHAPES: Shapes = {
    "event_callback": {"event": dict, "team_id": str},
    "url_verification": {"challenge": str},
    "app_rate_limited": {},
}
OPTIONAL_DICTS = ("team", "channel", "container", "state", "enterprise")


def signed(body: bytes, timestamp: str, signature: str, secret: str, now: float) -> bool:
    """Slack's v0 HMAC-SHA256 over `v0:{timestamp}:{raw body}`, within the five-minute replay window."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_AGE:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}", signature)


def parse_request(body: bytes, content_type: str) -> tuple[dict[str, Any], str | None]:
    """`body` as Bolt's listeners read it (what Bolt's own parse_body makes of it: a form's last value of a
    repeated field, a payload's JSON), and why it is not a request Slack sends (None when it has the shape
    the listeners rely on). One parse serves both: the gate's check and Bolt (`PARSED_BODY`)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {}, "body is not UTF-8"
    if "json" in content_type:
        return _json_body(text, EVENT_SHAPES, "event")
    form = parse_form(text)
    if "payload" in form:
        return _json_body(form["payload"], PAYLOAD_SHAPES, "payload")
    if form.get("ssl_check") == "1":
        return form, None
    missing = [key for key in ("command", "team_id", "user_id") if not form.get(key)]
    return form, f"form without payload lacks {', '.join(missing)}" if missing else None


def parse_form(text: str) -> dict[str, str]:
    """`dict(parse_qsl(text, keep_blank_values=True))` (a repeated name: its last value), without the
    standard library's per-field argument handling: a seventh of a `/lead list` ack's CPU was parsing
    its 13 fields. Tested against parse_qsl (tests/bot/test_gate.py)."""
    form = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            form[_unquote_plus(name)] = _unquote_plus(value)
    return form


def _unquote_plus(text: str) -> str:
    text = text.replace("+", " ")
    return unquote(text) if "%" in text else text


def _json_body(text: str, shapes: Shapes, what: str) -> tuple[dict[str, Any], str | None]:
    try:
        data = fastjson.loads(text)
    except ValueError:
        return {}, f"{what} is not JSON"
    if not isinstance(data, dict):
        return {}, f"{what} is a JSON {type(data).__name__}, not an object"
    return data, _shape_problem(data, shapes, what)


def _shape_problem(data: dict[str, Any], shapes: Shapes, what: str) -> str | None:
    kind = data.get("type")
    if kind not in shapes:
        return f"{what} type {str(kind)[:40]!r} is not one salesbot handles"
    for key, expected in shapes[kind].items():
        if not isinstance(data.get(key), expected):
            return f"{what} {kind} lacks {key}"
    for key in OPTIONAL_DICTS:
        if key in data and data[key] is not None and not isinstance(data[key], dict):
            return f"{what} {kind}: {key} is not an object"
    if kind == "block_actions" and not all(
        isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in data["actions"]
    ):
        return f"{what} block_actions has an action without action_id"
    return None


def guard(slack: WsgiApp, path: str, signing_secret: str, clock: Callable[[], float] = time.time) -> WsgiApp:
    """Wrap Bolt's WSGI handler: POSTs to `path` are verified and shape-checked first; the only
    verification they get (salesbot's app has Bolt's turned off). What passes carries its parsed body in
    `environ[PARSED_BODY]` (bot.server's handler gives it to Bolt, which would parse the bytes again)."""

    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != path or environ.get("REQUEST_METHOD") != "POST":
            return slack(environ, start_response)
        if not signing_secret:  # nothing can be verified (Bolt does not verify again: bot.app)
            return _answer(start_response, "401 Unauthorized", '{"error": "invalid request"}')
        body = _read_body(environ)
        if body is None:
            return _answer(start_response, "413 Payload Too Large", "too large")
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        if not signed(body, timestamp, environ.get("HTTP_X_SLACK_SIGNATURE", ""), signing_secret, clock()):
            return _answer(start_response, "401 Unauthorized", '{"error": "invalid request"}')
        parsed, problem = parse_request(body, environ.get("CONTENT_TYPE", ""))
        if problem:
            log.warning("malformed request refused: %s (%d bytes)", problem, len(body))
            return _answer(start_response, "400 Bad Request", '{"error": "malformed request"}')
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        environ[PARSED_BODY] = parsed
        return slack(environ, start_response)

    return application


def _read_body(environ: dict[str, Any]) -> bytes | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return None
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _answer(start_response: Any, status: str, body: str) -> list[bytes]:
    data = body.encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
