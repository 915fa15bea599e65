"""Slack Web API clients pointed at SLACK_API_URL, with slack-sdk's retry handlers installed."""

from __future__ import annotations

import copy
import threading
from typing import Any
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import fastjson
from bot.keep_alive import ConnectionPool, perform

SHARED_POOL = ConnectionPool()  # the process's keep-alive connections (the dispatcher's clients share them)
_ENCODED = threading.local()  # `body`: the JSON body of this thread's call under way, encoded by orjson
_PLACEHOLDER = {"encoded": "by bot.fastjson"}  # what slack-sdk encodes instead (truthy: still sent as JSON)


class KeepAliveWebClient(WebClient):
    """A WebClient whose calls reuse connections from a pool instead of opening one per call (urllib's
    way), JSON bodies encoded by orjson; everything else — arguments, retry handlers, errors,
    responses — is slack-sdk's own. Through a proxy it falls back to urllib."""

    def __init__(self, *args: Any, pool: ConnectionPool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool

    def _perform_urllib_http_request(self, *, url: str, args: dict[str, Any]) -> dict[str, Any]:
        """A JSON body (views.publish, views.open: a whole view) encoded by orjson (bot.fastjson):
        slack-sdk's json.dumps of the Home view was 7 % of a Home request's CPU (py-spy). slack-sdk
        encodes a placeholder; the request sent, and each retry of it, carries the body."""
        body = args.get("json")
        if not body or not self._pooled(url):
            return super()._perform_urllib_http_request(url=url, args=args)
        _ENCODED.body = fastjson.dumps(body).encode()
        try:
            return super()._perform_urllib_http_request(url=url, args={**args, "json": _PLACEHOLDER})
        finally:
            _ENCODED.body = None

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if not self._pooled(url):
            return super()._perform_urllib_http_request_internal(url, req)
        encoded = getattr(_ENCODED, "body", None)
        if encoded is not None:
            req.data = encoded
        return perform(self.pool, url, req, timeout=self.timeout, context=self.ssl)

    def _pooled(self, url: str) -> bool:
        return not self.proxy and url.lower().startswith(("http://", "https://"))


def make_client(
    token: str | None, base_url: str, *, inline_retries: bool = True, pool: ConnectionPool | None = None
) -> WebClient:
    """Listeners retry connection errors, 5xx and 429 (after Retry-After) inline. The dispatcher passes
    `inline_retries=False`: it reschedules the row itself so one slow answer never blocks the others;
    and a `pool`, so its many calls to one host reuse keep-alive connections."""
    handlers: list[RetryHandler] = []
    if inline_retries:
        handlers = [
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ]
    if pool is not None:
        return KeepAliveWebClient(token=token, base_url=base_url, retry_handlers=handlers, timeout=15, pool=pool)
    return WebClient(token=token, base_url=base_url, retry_handlers=handlers, timeout=15)


def keep_alive_copy(client: WebClient, pool: ConnectionPool) -> KeepAliveWebClient:
    """A keep-alive client with `client`'s settings: token, URL, timeout, TLS, proxy, headers, logger
    and retry handlers."""
    return KeepAliveWebClient(
        token=client.token, base_url=client.base_url, timeout=client.timeout, ssl=client.ssl, proxy=client.proxy,
        headers=client.headers, logger=client.logger, retry_handlers=client.retry_handlers, pool=pool,
    )  # fmt: skip


def request_client(template: KeepAliveWebClient, token: str | None, team_id: str | None) -> WebClient:
    """The client of one request's listeners, as Bolt's `App._init_context` builds it from the app's
    client (its settings, the request's workspace id, the token Bolt's authorization may set on it
    later), but keep-alive and at the price of a shallow copy: a WebClient keeps no state between
    calls, so what a copy shares with the template (headers, retry handlers, the pool) is only read.
    Its own are the token and the default parameters, the two fields a request may change."""
    client = copy.copy(template)
    client.token = None if token is None else token.strip()  # as WebClient() takes it
    client.default_params = {"team_id": team_id} if team_id is not None else {}
    return client
