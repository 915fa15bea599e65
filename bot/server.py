"""Serving the app: waitress (a production WSGI server) for HTTP, Bolt's handler for Socket Mode."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

EVENTS_PATH = "/slack/events"
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


def serve_socket_mode(app: App, app_token: str) -> None:
    log.info("connecting in Socket Mode")
    SocketModeHandler(app, app_token).start()
