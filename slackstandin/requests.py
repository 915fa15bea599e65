"""Signed HTTP requests to an app, as Slack sends them: `v0` HMAC-SHA256 signature over
`v0:{timestamp}:{body}` with the signing secret, `X-Slack-Request-Timestamp` in real (Unix) time, and
for events a retry when the app fails or does not answer in 3 seconds, with `X-Slack-Retry-Num` and
`X-Slack-Retry-Reason` (https://docs.slack.dev/apis/events-api/#retries)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

log = logging.getLogger("slackstandin.requests")
ACK_TIMEOUT = 3.0  # seconds Slack waits for an answer
EVENT_RETRY_DELAYS = (0.0, 60.0, 300.0)  # Slack retries an event at once, after a minute, after five


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip().startswith(("{", "[")) else None


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: str, content_type: str, *, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(secret, ts, body),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }


class SignedSender:
    """Posts to the app's request URL. `post_*` return the app's answer (status 0: no answer in time)."""

    def __init__(self, url: str, signing_secret: str, *, timeout: float = ACK_TIMEOUT,
                 retry_delays: Sequence[float] = EVENT_RETRY_DELAYS) -> None:  # fmt: skip
        self.url, self.secret, self.timeout, self.retry_delays = url, signing_secret, timeout, tuple(retry_delays)

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> Answer:
        request = urllib.request.Request(self.url, data=body.encode(), method="POST")
        for key, value in {**signed_headers(self.secret, body, content_type), **(headers or {})}.items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return Answer(answer.status, answer.read().decode(), dict(answer.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(errors="replace"), dict(error.headers))
        except (TimeoutError, urllib.error.URLError) as error:
            return Answer(0, str(error), {})

    def post_form(self, fields: dict[str, str]) -> Answer:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded")

    def post_payload(self, payload: dict[str, Any]) -> Answer:
        """Interactions: `payload=<JSON>` form-encoded; Slack never retries them."""
        return self.post("payload=" + quote(json.dumps(payload)), "application/x-www-form-urlencoded")

    def post_event(self, envelope: dict[str, Any], *, sleep: Callable[[float], None] = time.sleep) -> Answer:
        """An Events API envelope, retried as Slack does while the app answers 5xx or nothing in time;
        each retry carries the same event_id and its number and reason."""
        body = json.dumps(envelope)
        answer = self.post(body, "application/json")
        for number, delay in enumerate(self.retry_delays, start=1):
            if 0 < answer.status < 500:
                break
            reason = "http_timeout" if answer.status == 0 else "http_error"
            sleep(delay)
            answer = self.post(body, "application/json", {"X-Slack-Retry-Num": str(number),
                                                          "X-Slack-Retry-Reason": reason})  # fmt: skip
        return answer

    def post_event_in_background(self, envelope: dict[str, Any]) -> None:
        """Events are fire-and-forget for the sender (Slack does not wait on the app's work)."""
        threading.Thread(target=self.post_event, args=(envelope,), daemon=True, name="slack-event").start()
