"""Structured logs: key=value lines; one line per Slack request. Tokens and secrets are never logged."""

from __future__ import annotations

import logging
import logging.handlers
import queue
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slack_bolt.request import BoltRequest

REQUEST_LOG = logging.getLogger("salesbot.requests")


def configure_logging(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("slack_bolt").setLevel(max(level, logging.WARNING))
    logging.getLogger("slack_sdk").setLevel(max(level, logging.WARNING))
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))


def log_from_a_thread() -> Callable[[], None]:
    """Hand this process's log records to one writer thread (QueueHandler): a request thread then
    only formats and enqueues, instead of waiting on the stream handler's lock while another thread
    writes (9.9 % of wall time under load, py-spy). For a worker process, after the fork (a thread
    does not survive one); returns the function that writes what is queued and restores the handlers."""
    root = logging.getLogger()
    handlers = root.handlers[:]
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = logging.handlers.QueueListener(records, *handlers, respect_handler_level=True)
    root.handlers[:] = [_EnqueueAsIs(records)]
    listener.start()

    def stop() -> None:
        listener.stop()
        root.handlers[:] = handlers

    return stop


class _EnqueueAsIs(logging.handlers.QueueHandler):
    """Enqueue the record itself: QueueHandler.prepare formats the message and copies the record in
    the request thread; here the writer thread formats it. salesbot's log arguments are strings and
    numbers, which do not change between the call and the write."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


def describe_request(req: BoltRequest) -> dict[str, Any]:
    """type, command/action, team and user of a request, from its parsed body."""
    body = req.body or {}
    summary: dict[str, Any] = {"type": body.get("type") or ("slash_command" if "command" in body else "unknown")}
    if "command" in body:
        summary["command"] = body["command"]
    elif body.get("type") == "event_callback":
        summary["event"] = (body.get("event") or {}).get("type")
    elif body.get("type") == "block_actions":
        summary["action"] = ",".join(a.get("action_id", "") for a in body.get("actions", []))
    elif body.get("type") in ("view_submission", "view_closed"):
        summary["callback"] = (body.get("view") or {}).get("callback_id")
    elif body.get("type") in ("shortcut", "message_action"):
        summary["callback"] = body.get("callback_id")
    summary["team"] = body.get("team_id") or (body.get("team") or {}).get("id")
    summary["user"] = body.get("user_id") or (body.get("user") or {}).get("id")
    return summary


def log_request(req: BoltRequest, status: int, latency_ms: float) -> None:
    fields = describe_request(req)
    fields.update(mode=req.mode, status=status, outcome="ok" if status < 400 else "refused")
    fields["latency_ms"] = f"{latency_ms:.1f}"
    REQUEST_LOG.info(" ".join(f"{key}={value}" for key, value in fields.items() if value is not None))
