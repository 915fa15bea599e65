"""Serving the app: waitress (a production WSGI server) for HTTP, Bolt's handler for Socket Mode."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

EVENTS_PATH = "/slack/events"
RESTART_GRACE = 5.0  # seconds: a worker dying sooner than this is restarted after a pause
log = logging.getLogger("salesbot.server")


def wsgi_app(app: App) -> Any:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return slack(environ, start_response)

    return application


def make_http_server(app: App, host: str, port: int, threads: int = 16) -> Any:
    """A waitress server; `port=0` picks a free port (read it from `.effective_port`)."""
    return create_server(wsgi_app(app), host=host, port=port, threads=threads, ident="salesbot")


def run_until(server: Any, stop: threading.Event, poll: float = 0.05) -> None:
    """Serve until `stop` is set, then close the listening socket from the serving thread."""
    while not stop.is_set():
        server.asyncore.loop(timeout=poll, map=server._map, count=1)
    server.close()
    server.task_dispatcher.shutdown()


def serve_http(app: App, host: str, port: int) -> None:
    server = make_http_server(app, host, port)
    log.info("listening on http://%s:%s%s", host, server.effective_port, EVENTS_PATH)
    server.run()


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


AppFactory = Callable[[], tuple[App, Callable[[], None]]]  # the app, and what to run before the worker exits


def serve_http_workers(
    make_app: AppFactory,
    host: str,
    port: int,
    *,
    workers: int,
    threads: int = 8,
    in_parent: Callable[[], Callable[[], None]] | None = None,
) -> None:
    """Serve from `workers` forked processes sharing one listening socket (the kernel spreads the
    connections), each with its own app, database pool and after-ack pool.

    One Python process tops out at one core (the GIL): measured in bench/ack_latency.py, 20 concurrent
    clients saturate it at ~230 req/s with a p99 around 250 ms. Forking happens before any thread or
    connection exists; `in_parent` then starts what runs once (the scheduler) and returns its stopper."""
    sock = listening_socket(host, port)
    log.info("listening on http://%s:%s%s with %d worker processes", host, sock.getsockname()[1], EVENTS_PATH, workers)
    started: dict[int, float] = {}
    for _ in range(max(1, workers)):
        started[_fork_worker(make_app, sock, threads)] = time.monotonic()
    children = set(started)
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        stopping.set()
        for pid in children:
            _kill(pid)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stop_parent = in_parent() if in_parent else None
    try:
        while children:
            pid, status = os.wait()
            children.discard(pid)
            if not stopping.is_set():
                log.error("worker %s exited (status %s); starting another", pid, status)
                if time.monotonic() - started.pop(pid, 0.0) < RESTART_GRACE:
                    _pause(RESTART_GRACE, stopping)  # it died at start-up (e.g. Slack unreachable): don't spin
                if stopping.is_set():
                    continue
                replacement = _fork_worker(make_app, sock, threads)
                started[replacement] = time.monotonic()
                children.add(replacement)
    except ChildProcessError:
        pass
    finally:
        if stop_parent:
            stop_parent()
        sock.close()


def _fork_worker(make_app: AppFactory, sock: socket.socket, threads: int) -> int:
    # Block SIGTERM/SIGINT across the fork: a signal landing in the child before it has its own
    # handlers would run the parent's (which stops siblings, not itself) and leave it serving forever.
    blocked = {signal.SIGTERM, signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    pid = os.fork()
    if pid:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        return pid
    code = 0
    try:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        app, drain = make_app()
        server = create_server(wsgi_app(app), sockets=[sock], threads=threads, ident="salesbot")
        run_until(server, stop, poll=0.2)
        drain()  # let work already acked (cards, uploads) finish
    except BaseException:  # a worker must never fall back into the parent's loop
        log.exception("worker failed")
        code = 1
    finally:
        logging.shutdown()
        os._exit(code)


def _pause(seconds: float, stopping: threading.Event) -> None:
    """Sleep, but wake up for a stop: the stop arrives from a signal handler in this same thread, so
    poll the flag rather than block in Event.wait (the handler would need the lock wait holds)."""
    deadline = time.monotonic() + seconds
    while not stopping.is_set() and time.monotonic() < deadline:
        time.sleep(0.1)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def serve_socket_mode(app: App, app_token: str) -> None:
    log.info("connecting in Socket Mode")
    SocketModeHandler(app, app_token).start()
