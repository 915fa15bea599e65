"""A fake Slack Web API served over HTTP on loopback.

It records every call with its arguments, answers like Slack does for the methods salesbot uses,
validates every Block Kit payload it receives, serves `response_url`s and file uploads, and can be
told to fail the next calls of a method (429 with Retry-After, 500, or a Slack error code).
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from slackstandin.validate import validate_payload

BOT_USER_ID = "UBOT"
TRIGGER_TTL = 3.0  # seconds a trigger_id opens a modal for


@dataclass
class Grant:
    """What a user approved on Slack's authorize page: `oauth.v2.access` exchanges its code once."""

    team_id: str
    user_id: str
    team_name: str = ""
    enterprise_id: str | None = None
    org_wide: bool = False


@dataclass
class Token:
    """A bot token this Slack issued (OAuth): its workspace, and when it expires (rotation on)."""

    team_id: str
    enterprise_id: str | None = None
    expires_at: float | None = None
    revoked: bool = False


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None = None
    at: float = 0.0  # time.time() when Slack received it (time-machine's time under travel)


@dataclass
class Failure:
    status: int = 200
    error: str = ""
    retry_after: int | None = None
    times: int = 1


@dataclass
class WorkspaceLimit:
    """chat.postMessage's per-workspace limit as a bucket refilled at `per_minute`, holding at most `burst`
    messages; past it Slack answers 429 with the whole seconds until a message fits again. Time is
    time.time() (time-machine's under travel)."""

    per_minute: float
    burst: int
    tokens: float | None = None  # None: full
    refilled: float = 0.0
    limited: int = 0  # 429s answered

    def admit(self, now: float) -> int:
        """0: take the message; else the Retry-After seconds."""
        rate = self.per_minute / 60
        tokens = self.burst if self.tokens is None else self.tokens + max(0.0, now - self.refilled) * rate
        self.tokens, self.refilled = min(float(self.burst), tokens), max(self.refilled, now)
        if self.tokens < 1:
            self.limited += 1
            return max(1, math.ceil((1 - self.tokens) / rate))
        self.tokens -= 1
        return 0


@dataclass
class Message:
    """A message the bot posted (chat.postMessage / postEphemeral / response_url / ack body)."""

    blocks: list[dict[str, Any]]
    text: str = ""
    channel: str = ""
    ts: str = ""
    response_url: str | None = None
    ephemeral: bool = False


@dataclass
class UserProfile:
    tz: str = "Europe/Rome"
    is_admin: bool = False
    is_owner: bool = False
    real_name: str = ""
    email: str = ""


class _Server(ThreadingHTTPServer):
    # slack_sdk opens a connection per call: with the default listen backlog of 5, a few concurrent
    # clients overflow it and the kernel drops SYNs, which the client retries only after 1 s.
    request_queue_size = 128


Observer = Callable[[str, dict[str, Any], dict[str, Any]], None]  # (method, args, answer) after each call
Route = Callable[[BaseHTTPRequestHandler, str], bool]  # (request, HTTP verb) -> handled


class FakeSlack:
    """`host`/`port` choose where it listens (a free loopback port by default); `reject_invalid` answers
    a Block Kit violation as Slack does (`invalid_blocks`) instead of only recording it; `observers`
    see every answered call; `routes` may serve other paths (the playground's page)."""

    def __init__(self, team_id: str = "T1", *, host: str = "127.0.0.1", port: int = 0,
                 reject_invalid: bool = False, realistic_ts: bool = False) -> None:  # fmt: skip
        self.team_id = team_id
        self.reject_invalid = reject_invalid
        self.realistic_ts = realistic_ts
        self.observers: list[Observer] = []
        self.routes: list[Route] = []
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.uploads: dict[str, bytes] = {}
        self.users: dict[str, UserProfile] = {}
        self.socket_url: str | None = None
        # channel id -> {"is_private": bool, "is_member": bool}; unknown ids are public, bot not a member
        self.channels: dict[str, dict[str, bool]] = {}
        self.channel_names: dict[str, str] = {}  # channels created with conversations.create: id -> name
        self.inactive_users: set[str] = set()  # conversations.invite answers user_is_inactive for these
        self.files: dict[str, bytes] = {}  # file id -> content served at url_private_download
        self.file_names: dict[str, str] = {}  # uploaded file id -> its filename
        self.workspace_url = "https://example.slack.com/"  # permalinks start here (the playground: its page)
        self.triggers: dict[str, float] = {}  # trigger_id -> when it was issued (time.monotonic())
        self._failures: dict[str, list[Failure]] = {}
        self.workspace_limits: dict[str, WorkspaceLimit] = {}  # team id -> its chat.postMessage limit
        self.latency: dict[str, float] = {}  # method -> seconds to take before answering (a slow Slack)
        self.idle_timeout: float | None = None  # seconds a keep-alive connection may idle before Slack closes it
        self.connections = 0  # TCP connections accepted so far
        self.in_flight = self.peak_in_flight = 0  # Web API calls being answered now, and the most at once
        # OAuth: the app's credentials, approved installs (code -> grant), issued bot and refresh tokens.
        # `token_lifetime` (seconds) turns token rotation on: tokens expire and come with a refresh token.
        self.client_id, self.client_secret = "1111.2222", "client-secret-for-tests"
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> the team it refreshes
        self.token_lifetime: int | None = None
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._server = _Server((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # lifecycle -------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # listening everywhere: call it on loopback
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # test-facing API -------------------------------------------------------------------------
    def response_url(self) -> str:
        return f"{self.base}/response/{next(self._ids)}"

    def fail_next(self, method: str, *, status: int = 200, error: str = "", retry_after: int | None = None,
                  times: int = 1) -> None:  # fmt: skip
        with self._lock:
            self._failures.setdefault(method, []).append(Failure(status, error, retry_after, times))

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.01)
        raise AssertionError(f"expected {count} call(s) to {method}, got {len(self.calls_to(method))}: "
                             f"{[c.method for c in self.calls]}")  # fmt: skip

    def messages(self) -> list[Message]:
        """Every message the bot posted, in order, whichever way it posted it; `channel` is where it
        landed (a message posted to a user id is in the DM with that user)."""
        found = []
        for call in list(self.calls):
            if call.args.get("_failed"):
                continue
            if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"):
                found.append(
                    Message(
                        blocks=call.args.get("blocks") or [],
                        text=call.args.get("text", ""),
                        channel=call.args.get("_channel") or call.args.get("channel", ""),
                        ts=call.args.get("_ts", ""),
                        response_url=call.args.get("_url"),
                        ephemeral=call.method == "chat.postEphemeral" or call.args.get("response_type") == "ephemeral",
                    )
                )
        return found

    def last_message(self) -> Message:
        messages = self.messages()
        assert messages, f"the bot posted no message; calls: {[c.method for c in self.calls]}"
        return messages[-1]

    def last_view(self, method: str | None = None) -> dict[str, Any]:
        methods = (method,) if method else ("views.open", "views.push", "views.update", "views.publish")
        views = [c for c in self.calls if c.method in methods]
        assert views, f"no view was opened; calls: {[c.method for c in self.calls]}"
        return views[-1].args["view"]

    def assert_valid(self) -> None:
        assert not self.violations, "Block Kit violations:\n" + "\n".join(self.violations)

    # request handling ------------------------------------------------------------------------
    def _record(self, method: str, args: dict[str, Any], token: str | None) -> list[str]:
        problems = validate_payload(method, args)
        self.violations += [f"{method}: {problem}" for problem in problems]
        with self._lock:
            self.calls.append(Call(method, args, token, time.time()))
        return problems

    def _notify(self, method: str, args: dict[str, Any], answer: dict[str, Any]) -> None:
        for observer in list(self.observers):
            observer(method, args, answer)

    def _refusal(self, method: str, args: dict[str, Any]) -> tuple[str, list[str]]:
        """What Slack would refuse (when `reject_invalid`): a Block Kit violation, or a modal opened with a
        trigger older than Slack's 3 seconds."""
        if not self.reject_invalid:
            return "", []
        issued = self.triggers.get(str(args.get("trigger_id")))
        if method in ("views.open", "views.push") and issued is not None and time.monotonic() - issued > TRIGGER_TTL:
            return "expired_trigger_id", [f"trigger_id older than {TRIGGER_TTL:.0f} s"]
        problems = validate_payload(method, args)
        return ("invalid_blocks" if problems else ""), problems

    def new_ts(self) -> str:
        if self.realistic_ts:
            return f"{time.time():.6f}"
        return f"{1700000000 + next(self._ts)}.000100"

    def _take_failure(self, method: str) -> Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure

    def _workspace_wait(self, method: str, token: str | None) -> int:
        """Retry-After seconds when the token's workspace is over its chat.postMessage limit, else 0."""
        if method != "chat.postMessage" or not self.workspace_limits:
            return 0
        with self._lock:
            issued = self.tokens.get(token or "")
            limit = self.workspace_limits.get(issued.team_id if issued is not None else self.team_id)
            return limit.admit(time.time()) if limit is not None else 0

    def _answer(self, method: str, args: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        refused = self._token_problem(method, token)
        if refused:
            args["_failed"] = True  # as Slack: nothing happens
            return {"ok": False, "error": refused}
        if method == "auth.test":
            return self._auth_test(token)
        if method == "auth.revoke":
            return self._auth_revoke(token)
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        return handler(args) if handler else {"ok": True}

    # OAuth: installs, tokens per workspace, rotation, uninstall -------------------------------
    def grant(self, team_id: str, user_id: str, *, team_name: str = "", enterprise_id: str | None = None,
              org_wide: bool = False) -> str:  # fmt: skip
        """A user approves the install on Slack's page: the code Slack sends to the redirect URL."""
        code = f"code-{team_id}-{next(self._ids)}"
        self.grants[code] = Grant(team_id, user_id, team_name or f"Workspace {team_id}", enterprise_id, org_wide)
        return code

    def bot_tokens(self, team_id: str) -> list[str]:
        return [token for token, info in self.tokens.items() if info.team_id == team_id]

    def uninstall(self, team_id: str) -> None:
        """The workspace removes the app: its tokens stop working (Slack then sends app_uninstalled)."""
        for token in self.bot_tokens(team_id):
            self.tokens[token].revoked = True

    def _token_problem(self, method: str, token: str | None) -> str:
        info = self.tokens.get(token or "")
        if info is None or method == "oauth.v2.access":
            return ""  # tokens this fake did not issue (single-token mode) are all valid
        if info.revoked:
            return "token_revoked"
        if info.expires_at is not None and info.expires_at <= time.time():
            return "token_expired"
        return ""

    def _auth_test(self, token: str | None) -> dict[str, Any]:
        info = self.tokens.get(token or "")
        team = info.team_id if info else self.team_id
        return {"ok": True, "url": self.workspace_url, "team": f"Workspace {team}", "user": "salesbot",
                "team_id": team, "user_id": BOT_USER_ID, "bot_id": f"B{team}",
                "enterprise_id": info.enterprise_id if info else None}  # fmt: skip

    def _issue_token(self, team_id: str, enterprise_id: str | None) -> dict[str, Any]:
        token = f"xoxb-{team_id}-{next(self._ids)}-{uuid.uuid4().hex[:12]}"
        expires_at = time.time() + self.token_lifetime if self.token_lifetime else None
        self.tokens[token] = Token(team_id, enterprise_id, expires_at)
        issued: dict[str, Any] = {"access_token": token, "token_type": "bot"}
        if self.token_lifetime:
            refresh = f"xoxe-1-{team_id}-{uuid.uuid4().hex}"
            self.refresh_tokens[refresh] = team_id
            issued.update(refresh_token=refresh, expires_in=self.token_lifetime)
        return issued

    def _m_oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        if (args.get("client_id"), args.get("client_secret")) != (self.client_id, self.client_secret):
            return {"ok": False, "error": "invalid_client_id"}
        if args.get("grant_type") == "refresh_token":
            team = self.refresh_tokens.get(str(args.get("refresh_token")))
            if team is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            return {"ok": True, "app_id": "A1", **self._issue_token(team, None)}
        grant = self.grants.pop(str(args.get("code")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        enterprise = {"id": grant.enterprise_id, "name": "Example Org"} if grant.enterprise_id else None
        issued = self._issue_token(grant.team_id, grant.enterprise_id)
        return {"ok": True, "app_id": "A1", "scope": "commands,chat:write", "bot_user_id": BOT_USER_ID,
                "team": None if grant.org_wide else {"id": grant.team_id, "name": grant.team_name},
                "enterprise": enterprise, "is_enterprise_install": grant.org_wide,
                "authed_user": {"id": grant.user_id}, **issued}  # fmt: skip

    def _auth_revoke(self, token: str | None) -> dict[str, Any]:
        info = self.tokens.get(token or "")
        if info is not None:
            info.revoked = True
        return {"ok": True, "revoked": True}

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", ""))
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0]}}

    def _m_conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        if self.channels.get(channel, {}).get("is_private"):
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        self.channels.setdefault(channel, {"is_private": False})["is_member"] = True
        return {"ok": True, "channel": {"id": channel}}

    def _m_conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        """Like Slack: names are unique in the workspace (`name_taken`); the creating bot is a member."""
        name = str(args.get("name", ""))
        with self._lock:
            if name in self.channel_names.values():
                return {"ok": False, "error": "name_taken"}
            channel = ("G" if str(args.get("is_private")).lower() in ("true", "1") else "C") + f"ROOM{next(self._ids)}"
            self.channel_names[channel] = name
            self.channels[channel] = {"is_private": channel.startswith("G"), "is_member": True}
        return {"ok": True, "channel": {"id": channel, "name": name, "is_private": channel.startswith("G")}}

    def _m_conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        """Inviting a deactivated user fails the whole call, as Slack does without `force`."""
        users = [u for u in str(args.get("users", "")).split(",") if u]
        inactive = [u for u in users if u in self.inactive_users]
        if inactive:
            return {"ok": False, "error": "user_is_inactive", "errors": [{"user": u, "ok": False,
                    "error": "user_is_inactive"} for u in inactive]}  # fmt: skip
        return {"ok": True, "channel": {"id": args.get("channel")}}

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        info = self.channels.get(channel, {"is_private": False, "is_member": False})
        if info.get("is_private") and not info.get("is_member"):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel, "is_channel": True, **info}}

    def _m_files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = str(args.get("file"))
        if file_id not in self.files:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": self.file_object(file_id)}

    def file_object(self, file_id: str, name: str = "leads.csv") -> dict[str, Any]:
        """A Slack file object whose private download URL this fake serves (with the bot token)."""
        return {"id": file_id, "name": name, "title": name, "filetype": "csv", "mimetype": "text/csv",
                "size": len(self.files.get(file_id, b"")), "url_private": f"{self.base}/files/{file_id}",
                "url_private_download": f"{self.base}/files/{file_id}"}  # fmt: skip

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = args["_ts"] = self.new_ts()
        channel = args.get("channel")
        if str(channel or "")[:1] in ("U", "W"):  # like Slack: a user id posts in the app's DM with that user
            channel = args["_channel"] = f"D{channel}"
        return {"ok": True, "channel": channel, "ts": ts,
                "message": {"text": args.get("text", ""), "ts": ts, "blocks": args.get("blocks")}}  # fmt: skip

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        args["_ts"] = args.get("ts", "")
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = args["_ts"] = self.new_ts() if self.realistic_ts else f"{1700000000 + next(self._ts)}.000200"
        return {"ok": True, "message_ts": ts}

    def _m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = str(args.get("message_ts", "")).replace(".", "")
        return {"ok": True, "permalink": f"{self.workspace_url}archives/{args.get('channel')}/p{ts}"}

    def _view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = dict(args.get("view") or {})
        view.setdefault("id", args.get("view_id") or f"V{next(self._ids)}")
        args["view"] = view
        return {"ok": True, "view": {**view, "hash": f"{time.time():.6f}.h", "state": {"values": {}}}}

    _m_views_open = _m_views_push = _m_views_update = _m_views_publish = _view

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user", ""))
        profile = self.users.get(user, UserProfile())
        return {"ok": True, "user": {"id": user, "team_id": self.team_id, "name": user.lower(),
                "real_name": profile.real_name or user, "tz": profile.tz, "is_admin": profile.is_admin,
                "is_owner": profile.is_owner, "is_bot": False}}  # fmt: skip

    def _m_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email", "")).lower()
        found = next((user for user, profile in self.users.items() if profile.email.lower() == email and email), None)
        if found is None:
            return {"ok": False, "error": "users_not_found"}
        return self._m_users_info({"user": found})

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not self.socket_url:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket_url}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids)}"
        self.file_names[file_id] = str(args.get("filename") or file_id)
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files") or []
        return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title", "")} for f in files]}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_SlackHandler,), {"fake": self})


class _SlackHandler(BaseHTTPRequestHandler):
    """Serves one FakeSlack (`fake`, set on the subclass `FakeSlack._handler_class` makes)."""

    fake: FakeSlack
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without TCP_NODELAY the body of an answer on a keep-alive
    # connection waits for the client's delayed ACK (~40 ms)
    disable_nagle_algorithm = True

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    @property
    def timeout(self) -> float | None:  # type: ignore[override]  # read once per connection, in setup()
        return self.fake.idle_timeout

    def setup(self) -> None:
        super().setup()
        with self.fake._lock:
            self.fake.connections += 1

    def do_GET(self) -> None:
        if any(route(self, "GET") for route in self.fake.routes):
            return
        url = urlparse(self.path)
        if url.path.startswith("/files/"):
            file_id = url.path.rsplit("/", 1)[1]
            authorized = (self.headers.get("Authorization") or "").startswith("Bearer xoxb-")
            self.fake._record("file.download", {"file_id": file_id, "authorized": authorized}, None)
            if file_id in self.fake.files and authorized:
                self._send(200, self.fake.files[file_id], "text/csv")
            else:
                self._send(404, b"not found", "text/plain")
            return
        self._api(url.path, dict(parse_qsl(url.query)))

    def do_POST(self) -> None:
        if any(route(self, "POST") for route in self.fake.routes):
            return
        url = urlparse(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path.startswith("/upload/"):
            self.fake.uploads[url.path.rsplit("/", 1)[1]] = _file_bytes(raw, self.headers.get("Content-Type", ""))
            self.fake._record("file.upload", {"file_id": url.path.rsplit("/", 1)[1], "size": len(raw)}, None)
            self._send(200, b"OK", "text/plain")
            return
        args = dict(parse_qsl(url.query))
        args.update(_parse_body(raw, self.headers.get("Content-Type", "")))
        if url.path.startswith("/response/"):
            self._response_url(url.path, args)
            return
        self._api(url.path, args)

    def _response_url(self, path: str, args: dict[str, Any]) -> None:
        args["_url"] = self.fake.base + path
        failure = self.fake._take_failure("response_url")  # e.g. 404 expired_url after 30 min or 5 uses
        if failure is not None:
            self.fake._record("response_url", {**args, "_failed": True}, None)
            self._send(failure.status, (failure.error or "expired_url").encode(), "text/plain")
            return
        problems = self.fake._record("response_url", args, None)
        if problems and self.fake.reject_invalid:
            self.fake._notify("error", {"method": "response_url", "errors": problems}, {})
            self._send(400, b"invalid_blocks", "text/plain")
            return
        self.fake._notify("response_url", args, {})
        self._send(200, b"ok", "text/plain")

    def _api(self, path: str, args: dict[str, Any]) -> None:
        with self.fake._lock:
            self.fake.in_flight += 1
            self.fake.peak_in_flight = max(self.fake.peak_in_flight, self.fake.in_flight)
        try:
            self._answer_api(path, args)
        finally:
            with self.fake._lock:
                self.fake.in_flight -= 1

    def _answer_api(self, path: str, args: dict[str, Any]) -> None:
        method = path.removeprefix("/api/")
        if self.fake.latency.get(method):
            time.sleep(self.fake.latency[method])  # Slack's own latency, not a wait for a schedule
        token = self._token(args)
        failure = self.fake._take_failure(method)
        if failure is not None:
            self.fake._record(method, {**args, "_failed": True}, token)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            error = failure.error or ("ratelimited" if failure.status == 429 else "internal_error")
            self._send(failure.status, json.dumps({"ok": False, "error": error}).encode(), headers=headers)
            return
        wait = self.fake._workspace_wait(method, token)
        if wait:
            self.fake._record(method, {**args, "_failed": True, "_ratelimited": True}, token)
            body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
            self._send(429, body, headers={"Retry-After": str(wait)})
            return
        error, problems = self.fake._refusal(method, args)
        if error:  # as Slack: nothing happens, the caller gets the error
            self.fake._record(method, {**args, "_failed": True}, token)
            self.fake._notify("error", {"method": method, "error": error, "errors": problems}, {})
            self._send(200, json.dumps({"ok": False, "error": error, "errors": problems}).encode())
            return
        answer = self.fake._answer(method, args, token)
        self.fake._record(method, args, token)
        self.fake._notify(method, args, answer)
        self._send(200, json.dumps(answer).encode())

    def _token(self, args: dict[str, Any]) -> str | None:
        """The bearer token, or the `token` argument; HTTP Basic (oauth.v2.access) becomes the app's id and secret."""
        authorization = self.headers.get("Authorization") or ""
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            args.update(client_id=client_id, client_secret=secret)
            authorization = ""
        return authorization.removeprefix("Bearer ") or args.get("token")

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


def _parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw)
    args: dict[str, Any] = dict(parse_qsl(raw.decode()))
    for key in ("blocks", "view", "attachments", "files"):
        if isinstance(args.get(key), str) and args[key][:1] in "[{":
            args[key] = json.loads(args[key])
    return args


def _file_bytes(raw: bytes, content_type: str) -> bytes:
    """The uploaded content: the body itself (slack_sdk posts raw bytes), or a multipart body's first file."""
    if not content_type.startswith("multipart/form-data") or b"\r\n\r\n" not in raw:
        return raw
    boundary = content_type.split("boundary=", 1)[-1].strip('"').encode()
    for part in raw.split(b"--" + boundary):
        head, _, body = part.partition(b"\r\n\r\n")
        if b"filename=" in head:
            return body.removesuffix(b"\r\n")
    return raw
