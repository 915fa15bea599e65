"""`POST /api/leads` (PRODUCT.md section 9): leads from web forms and marketing tools, on the same port
as /slack/events (and served in Socket Mode too). Not signed by Slack: a workspace's API token says
whose lead it is, as `Authorization: Bearer …` or a `token` form field.

Every junk request gets a 4xx and changes nothing: 405 (not POST), 413 (over 64 KB), 415 (neither
JSON nor a form), 400 (does not parse), 401 (no, unknown or revoked token), 429 with Retry-After
(past API_RATE_PER_MINUTE for the token, or the per-address limit), 422 (an error per field).
An `Idempotency-Key` replays the first answer for 24 hours; a `redirect` field answers 303 to it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.exc import IntegrityError

from bot.deps import Deps
from bot.services import web_leads
from bot.services.api_tokens import authenticate
from store import api_tokens as token_store
from store.db import DatabaseBusy, transaction
from store.models import ApiToken

LEADS_PATH = "/api/leads"
MAX_BODY = 64 * 1024
IDEMPOTENCY_HOURS = 24
KEY_MAX = 200
ADDRESS_FACTOR = 5  # an address may send this many times a token's rate (several forms behind one NAT)
log = logging.getLogger("salesbot.web_api")

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


class Answer(Exception):
    """An HTTP answer, raised from wherever the request is found wanting."""

    def __init__(self, status: int, body: dict[str, Any], headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or []


REASONS = {200: "OK", 201: "Created", 303: "See Other", 400: "Bad Request", 401: "Unauthorized",
           405: "Method Not Allowed", 413: "Payload Too Large", 415: "Unsupported Media Type",
           422: "Unprocessable Entity", 429: "Too Many Requests", 503: "Service Unavailable"}  # fmt: skip


class AddressLimiter:
    """Requests per client address per minute, in this process (a flood never reaches the database)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int:
        """0 when the request may go on, else the seconds to wait."""
        now = self.clock()
        window = int(now // 60)
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {a: c for a, c in self._counts.items() if c[0] == window}
            seen, count = self._counts.get(address, (window, 0))
            count = count + 1 if seen == window else 1
            self._counts[address] = (window, count)
        return 0 if count <= self.per_minute else _until_next_minute(now)


def _until_next_minute(now: float) -> int:
    return max(1, 60 - int(now % 60))


def web_api(deps: Deps) -> WsgiApp:
    limiter = AddressLimiter(deps.settings.api_rate_per_minute * ADDRESS_FACTOR)

    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            answer = _handle(deps, limiter, environ)
        except Answer as given:
            answer = given
        except DatabaseBusy:
            answer = Answer(503, {"ok": False, "error": "busy, try again"}, [("Retry-After", "1")])
        except Exception:
            log.exception("POST %s failed", LEADS_PATH)
            answer = Answer(503, {"ok": False, "error": "something went wrong; nothing was created"},
                            [("Retry-After", "5")])  # fmt: skip
        return _respond(start_response, answer)

    return application


def _handle(deps: Deps, limiter: AddressLimiter, environ: dict[str, Any]) -> Answer:
    if environ.get("REQUEST_METHOD") != "POST":
        raise Answer(405, {"ok": False, "error": "use POST"}, [("Allow", "POST")])
    wait = limiter.retry_after(str(environ.get("REMOTE_ADDR") or ""))
    if wait:
        raise Answer(429, {"ok": False, "error": "too many requests from this address"}, [("Retry-After", str(wait))])
    fields = _parse(_read(environ), str(environ.get("CONTENT_TYPE") or ""))
    token = _token_counted(deps, _presented(environ, fields))
    redirect = _redirect(fields)
    key = str(environ.get("HTTP_IDEMPOTENCY_KEY") or "").strip()
    if len(key) > KEY_MAX or not key.isprintable():
        raise Answer(400, {"ok": False, "error": f"Idempotency-Key must be printable, at most {KEY_MAX} characters"})
    answer = _create(deps, token, fields, key) if key else _create_once(deps, token, fields)
    if redirect and answer.status in (200, 201):
        return Answer(303, answer.body, [("Location", redirect)])
    return answer


def _read(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Answer(400, {"ok": False, "error": "bad Content-Length"}) from None
    if length > MAX_BODY:
        raise Answer(413, {"ok": False, "error": f"the body is over {MAX_BODY // 1024} KB"})
    body = environ["wsgi.input"].read(min(max(length, 0), MAX_BODY + 1)) if length > 0 else b""
    return bytes(body)


def _parse(body: bytes, content_type: str) -> dict[str, object]:
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Answer(400, {"ok": False, "error": "the body is not UTF-8"}) from None
    if kind == "application/json" or kind.endswith("+json"):
        try:
            data = json.loads(text) if text.strip() else None
        except ValueError:
            raise Answer(400, {"ok": False, "error": "the body is not JSON"}) from None
        if not isinstance(data, dict):
            raise Answer(400, {"ok": False, "error": "the body must be a JSON object"})
        return data
    if kind == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(text, keep_blank_values=True, strict_parsing=False, max_num_fields=200)
        except ValueError:
            raise Answer(400, {"ok": False, "error": "the form does not parse"}) from None
        return {key: values[0] for key, values in form.items()}
    raise Answer(415, {"ok": False, "error": "send application/json or application/x-www-form-urlencoded"})


def _presented(environ: dict[str, Any], fields: dict[str, object]) -> str:
    """The token from `Authorization: Bearer …`, else the `token` form field."""
    scheme, _, value = str(environ.get("HTTP_AUTHORIZATION") or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return str(fields["token"]).strip() if isinstance(fields.get("token"), str) else ""


def _token_counted(deps: Deps, presented: str) -> ApiToken:
    """The live token (else 401), with this request counted against its rate (else 429): one short
    transaction of its own, so the rate row is never locked while a lead is being created."""
    now = time.time()
    token, count = None, 0
    if presented:
        with transaction(deps.new_session) as session:
            token = authenticate(session, presented)
            if token is not None:
                count = token_store.count_request(session, token_id=token.id or 0, window=int(now // 60))
    if token is None:
        raise Answer(401, {"ok": False, "error": "a valid API token is required"}, [("WWW-Authenticate", "Bearer")])
    if count > deps.settings.api_rate_per_minute:
        wait = str(_until_next_minute(now))
        raise Answer(429, {"ok": False, "error": "API_RATE_PER_MINUTE reached for this token"}, [("Retry-After", wait)])
    return token


def _redirect(fields: dict[str, object]) -> str:
    value = fields.get("redirect")
    if value is None or value == "":
        return ""
    text = str(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(text) > 2000 or not text.isprintable():
        raise Answer(422, {"ok": False, "errors": {"redirect": "must be an http(s) URL"}})
    return text


def _create_once(deps: Deps, token: ApiToken, fields: dict[str, object]) -> Answer:
    with transaction(deps.new_session) as session:
        answer = web_leads.receive(session, token, fields, now=deps.clock())
    return Answer(answer.status, answer.body)


def _create(deps: Deps, token: ApiToken, fields: dict[str, object], key: str) -> Answer:
    """With an Idempotency-Key: the key's row is written in the lead's transaction, so the same key
    creates at most one lead, and every retry within 24 hours gets the first answer."""
    now, token_id = deps.clock(), token.id or 0
    try:
        with transaction(deps.new_session) as session:
            stored = token_store.stored_answer(session, token_id=token_id, key=key)
            if stored is not None and stored.created_at >= now - timedelta(hours=IDEMPOTENCY_HOURS):
                return Answer(stored.status, json.loads(stored.body))
            token_store.forget_answers_before(
                session, token_id=token_id, key=key, before=now - timedelta(hours=IDEMPOTENCY_HOURS)
            )
            row = token_store.reserve_key(session, team_id=token.team_id, token_id=token_id, key=key, now=now)
            answer = web_leads.receive(session, token, fields, now=now)
            row.status, row.body = answer.status, json.dumps(answer.body)
            session.add(row)
    except IntegrityError:  # the same key in flight: its transaction committed first
        with transaction(deps.new_session) as session:
            stored = token_store.stored_answer(session, token_id=token_id, key=key)
        if stored is None:
            raise Answer(503, {"ok": False, "error": "busy, try again"}, [("Retry-After", "1")]) from None
        return Answer(stored.status, json.loads(stored.body))
    return Answer(answer.status, answer.body)


def _respond(start_response: Any, answer: Answer) -> list[bytes]:
    data = json.dumps(answer.body).encode()
    status = f"{answer.status} {REASONS.get(answer.status, 'OK')}"
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *answer.headers]
    start_response(status, headers)
    return [data]
