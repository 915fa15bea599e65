"""Slack Web API clients pointed at SLACK_API_URL, with slack-sdk's retry handlers installed."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)


def make_client(token: str | None, base_url: str, *, inline_retries: bool = True) -> WebClient:
    """Listeners retry connection errors, 5xx and 429 (after Retry-After) inline. The dispatcher passes
    `inline_retries=False`: it reschedules the row itself so one slow answer never blocks the others."""
    handlers: list[RetryHandler] = []
    if inline_retries:
        handlers = [
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ]
    return WebClient(token=token, base_url=base_url, retry_handlers=handlers, timeout=15)
