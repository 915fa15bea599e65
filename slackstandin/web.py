"""The browser side of the stand-in: the page (plain HTML/CSS/JS shipped in this package, nothing
fetched at run time), its JSON endpoints, and server-sent events telling it something changed.

Served by the Web API stand-in's own HTTP server (one port for the app's API calls and the browser)."""

from __future__ import annotations

import json
import mimetypes
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlparse

from slackstandin.workspace import Workspace

PAGE_FILES = ("index.html", "app.js", "app.css")
SSE_HEARTBEAT = 15.0


class Page:
    """`skip(user, choice)` moves the clock (`15 minutes`, `1 hour`, `Tomorrow 08:00`); `now()` reads it."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        skip: Callable[[str, str], None] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.workspace, self.skip, self.now = workspace, skip, now
        self.stopping = False
        workspace.api.routes.append(self.route)
        workspace.api.workspace_url = workspace.api.base + "/"

    def close(self) -> None:
        """End the pages' event streams (they would otherwise wait for the next change or heartbeat)."""
        self.stopping = True
        self.workspace.bump()

    def route(self, request: BaseHTTPRequestHandler, verb: str) -> bool:
        url = urlparse(request.path)
        path = url.path
        if verb == "GET" and path in ("/", "/index.html"):
            return _send(request, 200, _asset("index.html"), "text/html; charset=utf-8")
        if verb == "GET" and path.startswith("/static/") and path.removeprefix("/static/") in PAGE_FILES:
            name = path.removeprefix("/static/")
            return _send(request, 200, _asset(name), mimetypes.guess_type(name)[0] or "text/plain")
        if verb == "GET" and path.startswith("/archives/"):  # a permalink: the page, at that message
            _, _, channel, ts = path.split("/", 3)
            ts = f"{ts[1:-6]}.{ts[-6:]}" if ts.startswith("p") and len(ts) > 7 else ts
            request.send_response(303)
            request.send_header("Location", f"/?channel={channel}&ts={ts}")
            request.send_header("Content-Length", "0")
            request.end_headers()
            return True
        if verb == "GET" and path == "/ui/state":
            user = dict(parse_qsl(url.query)).get("user") or next(iter(self.workspace.people))
            state = {**self.workspace.snapshot(user), "now": self.now(), "offset": self.now() - time.time()}
            return _json(request, state)
        if verb == "GET" and path == "/ui/events":
            self._events(request)
            return True
        if verb == "GET" and path.startswith("/ui/files/"):
            return self._file(request, path.rsplit("/", 1)[1])
        if verb == "POST" and path.startswith("/ui/"):
            length = int(request.headers.get("Content-Length") or 0)
            body = json.loads(request.rfile.read(length) or b"{}")
            return _json(request, self._do(path.removeprefix("/ui/"), body))
        return False

    def _do(self, what: str, body: dict[str, Any]) -> dict[str, Any]:
        """A person's move on the page (`POST /ui/<what>`), as Slack would deliver it to the app."""
        user = str(body.get("user") or "")
        if user not in self.workspace.people:
            return {"ok": False, "error": "unknown user"}
        move = {"send": self._send_text, "action": self._act, "submit": self._submit, "close": self._close,
                "home": self._home, "shortcut": self._shortcut, "suggest": self._suggest,
                "skip": self._skip if self.skip is not None else None}.get(what)  # fmt: skip
        if move is None:
            return {"ok": False, "error": f"unknown {what}"}
        return move(user, body) or {"ok": True}

    def _send_text(self, user: str, body: dict[str, Any]) -> None:
        text, channel = str(body.get("text") or "").strip(), str(body.get("channel") or "")
        if text.startswith("/"):
            self.workspace.command(user, channel, text)
        elif text:
            self.workspace.say(user, channel, text, body.get("thread_ts") or None)

    def _act(self, user: str, body: dict[str, Any]) -> None:
        block, action, raw = str(body.get("block_id")), str(body.get("action_id")), body.get("raw") or {}
        if body.get("view_id"):
            self.workspace.act_on_view(user, str(body["view_id"]), block, action, raw, body.get("values") or {})
        else:
            self.workspace.act_on_message(user, str(body.get("channel")), str(body.get("ts")), block, action, raw)

    def _submit(self, user: str, body: dict[str, Any]) -> None:
        self.workspace.submit(user, str(body.get("view_id")), body.get("values") or {})

    def _close(self, user: str, body: dict[str, Any]) -> None:
        self.workspace.close(user, str(body.get("view_id")))

    def _home(self, user: str, _body: dict[str, Any]) -> None:
        self.workspace.open_home(user)

    def _shortcut(self, user: str, body: dict[str, Any]) -> None:
        self.workspace.shortcut(user, str(body.get("callback_id")), body.get("channel"), body.get("ts"))

    def _suggest(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        ids = (str(body.get("view_id")), str(body.get("block_id")), str(body.get("action_id")))
        return {"ok": True, "options": self.workspace.suggest(user, *ids, str(body.get("value") or ""))}

    def _skip(self, user: str, body: dict[str, Any]) -> None:
        assert self.skip is not None
        self.skip(user, str(body.get("choice")))
        self.workspace.bump()

    def _events(self, request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "text/event-stream")
        request.send_header("Cache-Control", "no-cache")
        request.send_header("Connection", "close")
        request.end_headers()
        request.close_connection = True
        seen = -1
        try:
            while not self.stopping:
                version = self.workspace.wait_change(seen, SSE_HEARTBEAT) if seen >= 0 else self.workspace.version
                message = f"data: {version}\n\n" if version != seen else ": heartbeat\n\n"
                request.wfile.write(message.encode())
                request.wfile.flush()
                seen = version
        except (BrokenPipeError, ConnectionResetError, OSError):
            return

    def _file(self, request: BaseHTTPRequestHandler, file_id: str) -> bool:
        content = self.workspace.api.uploads.get(file_id)
        if content is None:
            return _send(request, 404, b"not found", "text/plain")
        name = self.workspace.api.file_names.get(file_id, file_id)
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        disposition = "inline" if kind.startswith("image/") else f'attachment; filename="{name}"'
        headers = {"Content-Disposition": disposition, "Cache-Control": "private, max-age=86400, immutable"}
        return _send(request, 200, content, kind, headers)


def _asset(name: str) -> bytes:
    return resources.files("slackstandin").joinpath("page", name).read_bytes()


def _json(request: BaseHTTPRequestHandler, data: Any) -> bool:
    return _send(request, 200, json.dumps(data).encode(), "application/json")


def _send(
    request: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> bool:
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(body)))
    headers = {"Cache-Control": "no-store", **(headers or {})}
    for key, value in headers.items():
        request.send_header(key, value)
    request.end_headers()
    request.wfile.write(body)
    return True
