"""Claim due outbox rows, send them to Slack, record the outcome.

Rate limits reschedule the row at now + Retry-After (no inline sleeping: other rows keep flowing);
server and connection errors back off exponentially up to MAX_ATTEMPTS, then the row fails visibly.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from store.claims import claim_due, finish, retry_later
from store.db import transaction
from store.models import Outbox

log = logging.getLogger("salesbot.dispatcher")
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
FATAL_ERRORS = {"channel_not_found", "user_not_found", "not_in_channel", "is_archived", "account_inactive"}
WORKER = f"{socket.gethostname()}:{os.getpid()}"

Renderer = Callable[[Outbox], dict[str, Any]]


def render_dm(row: Outbox) -> dict[str, Any]:
    """Rows of kind `dm` carry their message (text, blocks) in the payload."""
    return {"text": row.payload.get("text", ""), "blocks": row.payload.get("blocks")}


RENDERERS: dict[str, Renderer] = {"dm": render_dm}


def dispatch_due(deps: Deps, client: WebClient, *, limit: int = 50) -> int:
    """One tick: returns how many rows were handled."""
    with transaction(deps.new_session) as session:
        rows = claim_due(session, now=deps.clock(), worker=WORKER, lease=LEASE, limit=limit)
    for row in rows:
        _deliver(deps, client, row)
    return len(rows)


def _deliver(deps: Deps, client: WebClient, row: Outbox) -> None:
    renderer = RENDERERS.get(row.kind)
    try:
        if renderer is None:
            raise LookupError(f"no renderer for kind {row.kind}")
        response = client.chat_postMessage(channel=_dm_channel(client, row.recipient), **renderer(row))
    except SlackApiError as error:
        _record_failure(deps, row, error)
        return
    except (LookupError, OSError) as error:
        _record(deps, row, "failed" if isinstance(error, LookupError) else "retry", str(error))
        return
    with transaction(deps.new_session) as session:
        finish(session, row, status="sent", now=deps.clock(), ts=response.get("ts"))


def _dm_channel(client: WebClient, recipient: str) -> str:
    if recipient.startswith(("C", "G", "D")):
        return recipient
    return client.conversations_open(users=recipient)["channel"]["id"]


def _record_failure(deps: Deps, row: Outbox, error: SlackApiError) -> None:
    code = error.response.get("error", "") if error.response is not None else ""
    if error.response is not None and error.response.status_code == 429:
        wait = int(error.response.headers.get("Retry-After", "1") or 1)
        with transaction(deps.new_session) as session:
            retry_later(session, row, at=deps.clock() + timedelta(seconds=wait), error="ratelimited")
        return
    _record(deps, row, "failed" if code in FATAL_ERRORS else "retry", code or str(error))


def _record(deps: Deps, row: Outbox, outcome: str, error: str) -> None:
    with transaction(deps.new_session) as session:
        if outcome == "retry" and row.attempts < MAX_ATTEMPTS:
            backoff = timedelta(seconds=min(2**row.attempts * 5, 3600))
            retry_later(session, row, at=deps.clock() + backoff, error=error)
            return
        finish(session, row, status="failed", now=deps.clock(), error=error)
    log.warning("outbox row %s failed for good: %s", row.id, error)
