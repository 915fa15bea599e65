"""Slack Web API clients pointed at SLACK_API_URL, with slack-sdk's retry handlers installed."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)


def make_client(token: str | None, base_url: str, *, wait_on_rate_limit: bool = True) -> WebClient:
    """Interactive paths retry 429 after Retry-After inline; the dispatcher reschedules instead."""
    handlers = [ConnectionErrorRetryHandler(max_retry_count=2), ServerErrorRetryHandler(max_retry_count=2)]
    if wait_on_rate_limit:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return WebClient(token=token, base_url=base_url, retry_handlers=handlers, timeout=15)
