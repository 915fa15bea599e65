"""Serving the app: waitress (a production WSGI server) for HTTP, Bolt's handler for Socket Mode."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from bot.background import BackgroundWork
from bot.gate import PARSED_BODY, guard
from bot.logs import log_from_a_thread

EVENTS_PATH = "/slack/events"
M_ARENA_MAX = -8  # glibc's mallopt parameter number
TRIM_EVERY = 20.0  # seconds between a worker's malloc_trim calls
RESTART_GRACE = 5.0  # seconds: a worker dying sooner than this is restarted after a pause
log = logging.getLogger("salesbot.server")


class GatedRequest(BoltRequest):
    """A BoltRequest of an HTTP POST whose body the gate already parsed (bot.gate.parse_request, the same
    dict as Bolt's parse_body): Bolt parsing the form or the payload again was a twentieth of a
    `/lead list` ack's CPU."""

    def __init__(self, raw_body: str, body: dict[str, Any], query: str, headers: dict[str, Any]) -> None:
        super().__init__(body="", query=query, headers=headers)  # an empty body: nothing to parse
        self.raw_body, self.body = raw_body, body
        self.context = build_context(BoltContext(), body)


class GatedHandler(SlackRequestHandler):
    """Bolt's WSGI handler, dispatching what the gate passed with the body the gate parsed."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        parsed = request.environ.get(PARSED_BODY)
        if parsed is None:  # not through the gate
            return super().dispatch(request)
        gated = GatedRequest(request.get_body(), parsed, request.query_string, request.get_headers())
        return self.app.dispatch(gated)


def wsgi_app(app: App, *, slack_events: bool = True) -> Any:
    """/slack/events (unless `slack_events` is off: Socket Mode), /healthz and the app's `http_routes`
    (POST /api/leads, authenticated by its own tokens)."""
    # the gate verifies the signature and the payload's shape before Bolt parses anything
    slack = guard(GatedHandler(app, path=EVENTS_PATH), EVENTS_PATH, getattr(app, "_signing_secret", ""))
    routes: dict[str, Any] = getattr(app, "http_routes", {})

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        if path in routes:
            return routes[path](environ, start_response)
        if not slack_events:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        return slack(environ, start_response)

    return application


def after_ack_channel(background: BackgroundWork) -> type[HTTPChannel]:
    """Waitress's connection, its request thread running the work the request handed over after the
    ack (bot.background) once the response is sent and the connection is free for its next request."""

    class AfterAckChannel(HTTPChannel):
        def service(self) -> None:
            with background.carrying():
                super().service()

    return AfterAckChannel


def waitress_server(app: App, application: Any, **options: Any) -> Any:
    """A waitress server whose request threads run the app's after-ack work (`app.after_ack`)."""
    server = create_server(application, ident="salesbot", **options)
    background = getattr(app, "after_ack", None)
    if isinstance(background, BackgroundWork) and isinstance(server, BaseWSGIServer):  # one listening socket
        background.carry_on(server.adj.threads)
        server.channel_class = after_ack_channel(background)
    return server


def make_http_server(app: App, host: str, port: int, threads: int = 16, *, slack_events: bool = True) -> Any:
    """A waitress server; `port=0` picks a free port (read it from `.effective_port`)."""
    application = wsgi_app(app, slack_events=slack_events)
    return waitress_server(app, application, host=host, port=port, threads=threads)


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


def listening_socket(host: str, port: int, *, listen: bool = True, reuse_port: bool = False) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(1024)
    return sock


def worker_sockets() -> bool:
    """One listening socket per worker (SO_REUSEPORT: the kernel spreads new connections over them)
    where the platform has it. One socket shared by every worker lets whichever worker wakes first
    accept every waiting connection: with 20 keep-alive clients one worker sometimes took them all
    while the other idled (bench/ack_latency.py, 2 runs of 5)."""
    return hasattr(socket, "SO_REUSEPORT") and os.environ.get("SALESBOT_SHARED_SOCKET") != "1"


AppFactory = Callable[[], tuple[App, Callable[[], None]]]  # the app, and what to run before the worker exits
Service = Callable[[threading.Event], None]  # runs in a process of its own until the event is set


def serve_http_workers(
    make_app: AppFactory,
    host: str,
    port: int,
    *,
    workers: int,
    threads: int = 8,  # 4 may carry after-ack work at once (bot.background), 4 always free to ack; the Slack
    # call ending the work is made by a sender thread (more request threads contended for the GIL)
    services: dict[str, Service] | None = None,
) -> None:
    """Serve from `workers` forked processes, each with its own app, database pool and after-ack pool;
    each of `services` (the scheduler) runs in one more process. Each worker listens on a socket of
    its own bound to the same port (`worker_sockets`); this process holds the port bound, not
    listening, so `port=0` picks one port for all and no connection is queued where nobody accepts.

    One Python process tops out at one core (the GIL): measured in bench/ack_latency.py, 20 concurrent
    clients saturate it at ~230 req/s with a p99 around 250 ms."""
    own_sockets = worker_sockets()
    sock = listening_socket(host, port, listen=not own_sockets, reuse_port=own_sockets)
    bound = sock.getsockname()[1]
    log.info("listening on http://%s:%s%s with %d worker processes", host, bound, EVENTS_PATH, workers)
    where: socket.socket | tuple[str, int] = (host, bound) if own_sockets else sock
    http = functools.partial(_serve_on, where, make_app, threads)
    try:
        supervise([("http", http)] * max(1, workers) + list((services or {}).items()))
    finally:
        sock.close()


def supervise(roles: list[tuple[str, Service]]) -> None:
    """Run each role in a forked process and keep it running: a process that dies is replaced (after
    a pause if it died within RESTART_GRACE of starting, e.g. Slack unreachable: no spinning).
    SIGTERM/SIGINT stop them all. This process starts no thread, so every fork, replacements
    included, copies a single-threaded process: no lock held by another thread is inherited."""
    started: dict[int, tuple[str, Service, float]] = {}
    for name, service in roles:
        started[_fork(name, service)] = (name, service, time.monotonic())
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        stopping.set()
        for pid in started:
            _kill(pid)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while started:
            pid, status = os.wait()
            name, service, since = started.pop(pid)
            if stopping.is_set():
                continue
            log.error("%s process %s exited (status %s); starting another", name, pid, status)
            if time.monotonic() - since < RESTART_GRACE:
                wait_for(stopping, RESTART_GRACE)
            if not stopping.is_set():
                started[_fork(name, service)] = (name, service, time.monotonic())
    except ChildProcessError:
        pass


def wait_for(stop: threading.Event, seconds: float | None = None) -> None:
    """Block until `stop` is set by a signal handler of this same thread (or `seconds` pass): poll
    rather than block in Event.wait, whose lock the handler would need."""
    deadline = None if seconds is None else time.monotonic() + seconds
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        time.sleep(0.1)


def _serve_on(
    where: socket.socket | tuple[str, int], make_app: AppFactory, threads: int, stop: threading.Event
) -> None:
    """Serve on the shared socket, or on a socket of this worker's own bound to (host, port)."""
    limit_malloc_arenas()
    threading.Thread(target=release_freed_memory, args=(stop,), name="malloc-trim", daemon=True).start()
    stop_logs = log_from_a_thread()
    try:
        app, drain = make_app()
        sock = where if isinstance(where, socket.socket) else listening_socket(*where, reuse_port=True)
        server = waitress_server(app, wsgi_app(app), sockets=[sock], threads=threads)
        run_until(server, stop, poll=0.2)
        drain()  # let work already acked (cards, uploads) finish
    finally:
        stop_logs()


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each new thread its own malloc arena (up to 8 per core), each keeping the memory it
    freed: with 8 request threads and the after-ack pool, a worker's private memory grew ~8 MB more
    under load than with two arenas (bench/memory_soak.py). Before the worker starts its threads."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas)


def release_freed_memory(stop: threading.Event, every: float = TRIM_EVERY) -> None:
    """Every `every` seconds, hand the pages malloc holds free back to the system (glibc's
    malloc_trim). A request allocates and frees in many small pieces (SQLite's statements and pages,
    Bolt's and our objects); the freed holes stay in the worker's heap and count as its memory: 5-7 MB
    per worker after a load burst, measured. A trim takes about a millisecond."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return
    while not stop.wait(every):
        trim(0)


def _fork(name: str, service: Service) -> int:
    # Block SIGTERM/SIGINT across the fork: a signal landing in the child before it has its own
    # handlers would run the parent's (which stops siblings, not itself) and leave it running forever.
    blocked = {signal.SIGTERM, signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    pid = os.fork()
    if pid:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        log.info("started %s process %s", name, pid)
        return pid
    code = 0
    try:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        service(stop)
    except BaseException:  # a child must never fall back into the supervisor's loop
        log.exception("%s process failed", name)
        code = 1
    finally:
        logging.shutdown()
        os._exit(code)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def serve_socket_mode(app: App, app_token: str, *, host: str = "", port: int | None = None) -> None:
    """Socket Mode for Slack; with a `port`, POST /api/leads (and /healthz) are served over HTTP there
    too, and /slack/events is not (nothing signs it in Socket Mode)."""
    if port is not None:
        server = make_http_server(app, host, port, threads=8, slack_events=False)
        log.info("serving the web lead API on http://%s:%s/api/leads", host, server.effective_port)
        threading.Thread(target=server.run, name="web-api", daemon=True).start()
    # here, not at the top: HTTP mode (and its start-up) needs none of Bolt's and slack-sdk's Socket Mode modules
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    log.info("connecting in Socket Mode")
    SocketModeHandler(app, app_token).start()
