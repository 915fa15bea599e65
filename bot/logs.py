"""Structured logs: key=value lines; one line per Slack request. Tokens and secrets are never logged."""

from __future__ import annotations

import logging
import sys
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slack_bolt.request import BoltRequest

REQUEST_LOG = logging.getLogger("salesbot.requests")
WRITE_EVERY = 0.05  # seconds between the writer thread's rounds


def configure_logging(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("slack_bolt").setLevel(max(level, logging.WARNING))
    logging.getLogger("slack_sdk").setLevel(max(level, logging.WARNING))
    # slack-sdk reads its client logger's own level, not the effective one, before building a debug line
    # that prints a Web API call's whole body (`logger.level <= DEBUG`: true for an unset level, 0): for
    # a views.publish of the Home view that was 8 % of a Home request's CPU (py-spy). Set it.
    logging.getLogger("slack_sdk.web.base_client").setLevel(max(level, logging.WARNING))
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    # The format names no thread, process or source line: records need not look them up (a frame walk
    # and three calls per record; the logging HOWTO's "Optimization").
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None  # type: ignore[attr-defined]


def log_from_a_thread(every: float = WRITE_EVERY) -> Callable[[], None]:
    """Hand this process's log records to one writer thread: a request thread only appends the record
    to a deque, without taking a lock or waking anyone; the writer formats and writes what has
    accumulated every `every` seconds (at once for a warning or worse). For a worker process, after
    the fork (a thread does not survive one); returns the function that writes what is left and
    restores the handlers.

    Why: behind the stream handler's lock the request threads waited on each other's writes (9.9 % of
    wall time under load, py-spy); with a QueueHandler each record woke the writer thread (a futex wake
    and a GIL hand-over per request: 5-7 % of a `/lead list` ack, py-spy)."""
    root = logging.getLogger()
    handlers = root.handlers[:]
    batched = _Batched()
    writer = threading.Thread(target=batched.write_every, args=(handlers, every), name="log-writer", daemon=True)
    root.handlers[:] = [batched]
    writer.start()

    def stop() -> None:
        batched.stopping.set()
        batched.wake.set()
        writer.join(timeout=5)
        batched.write_to(handlers)
        root.handlers[:] = handlers

    return stop


class _Batched(logging.Handler):
    """Collects records for the writer thread. `handle` takes no lock: deque.append is atomic, and
    salesbot's log arguments are strings and numbers, which do not change between the call and the
    write (the writer formats them)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: deque[logging.LogRecord] = deque()
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def handle(self, record: logging.LogRecord) -> bool:  # type: ignore[override]
        if not self.filter(record):
            return False
        self.records.append(record)
        if record.levelno >= logging.WARNING:
            self.wake.set()
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.handle(record)

    def write_every(self, handlers: list[logging.Handler], every: float) -> None:
        while not self.stopping.is_set():
            self.wake.wait(every)
            self.wake.clear()
            self.write_to(handlers)

    def write_to(self, handlers: list[logging.Handler]) -> None:
        while self.records:
            record = self.records.popleft()
            for handler in handlers:
                if record.levelno >= handler.level:
                    handler.handle(record)


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
