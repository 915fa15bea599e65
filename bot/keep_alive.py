"""Keep-alive HTTP connections for Slack Web API clients.

slack-sdk's WebClient sends each call through `urllib.request.urlopen`, which opens a new connection
(and on https a TLS handshake) per call and closes it after the answer. The dispatcher makes hundreds
of calls a second to one host, so its clients reuse connections from a `ConnectionPool` instead.

A POST is never retried here: a connection error reaches the caller as it would from urllib (URLError
when the request could not be sent, the reset as raised when the answer was cut), so the caller decides:
the dispatcher reschedules the row, a listener's client retries inline as slack-sdk's handlers do over
urllib. The pool itself never sends a request twice, as one that may have reached Slack must not be.
To keep stale connections from causing such errors, a pooled connection is reused only when it has
been idle less than `max_idle_seconds` (well under the idle timeouts of HTTP servers and load
balancers) and the server has not closed it meanwhile (its socket reads as neither closed nor readable).
"""

from __future__ import annotations

import http.client
import io
import os
import select
import ssl
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

import orjson

Key = tuple[str, str, int]  # scheme, host, port


class ConnectionPool:
    """Idle connections per (scheme, host, port), shared by the threads and clients of one process;
    a connection is used by one call at a time (taken out of the pool for the call's duration)."""

    def __init__(self, *, max_idle: int = 128, max_idle_seconds: float = 20.0) -> None:
        self.max_idle, self.max_idle_seconds = max_idle, max_idle_seconds
        self._idle: dict[Key, list[tuple[http.client.HTTPConnection, float]]] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self.opened = 0  # connections opened so far (tests and benchmarks read it)

    def __deepcopy__(self, _memo: object) -> ConnectionPool:
        """The process's pool, shared by copies of a client (Bolt deep-copies a request's context, its
        client included, for a lazy listener)."""
        return self

    def take(self, key: Key, *, timeout: float, context: ssl.SSLContext | None) -> http.client.HTTPConnection:
        """An idle connection still usable, else a new one (connected on its first request). The checks
        and closes are system calls, made outside the lock: a thread holding it while it waits to get
        the GIL back kept every other request thread waiting on the lock (py-spy, Home under load)."""
        while (connection := self._pop_idle(key)) is not None:
            if _still_open(connection):
                connection.timeout = timeout
                if connection.sock is not None:
                    connection.sock.settimeout(timeout)
                return connection
            connection.close()
        with self._lock:
            self.opened += 1
        scheme, host, port = key
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def _pop_idle(self, key: Key) -> http.client.HTTPConnection | None:
        """The most recently used idle connection (the least likely to be stale) not idle too long."""
        now, expired = time.monotonic(), []
        with self._lock:
            self._forget_after_fork()
            idle = self._idle.get(key, [])
            while idle:
                connection, since = idle.pop()
                if now - since < self.max_idle_seconds:
                    break
                expired.append(connection)
            else:
                connection = None
        for each in expired:
            each.close()
        return connection

    def give_back(self, key: Key, connection: http.client.HTTPConnection) -> None:
        now, expired = time.monotonic(), []
        with self._lock:
            self._forget_after_fork()
            idle = self._idle.setdefault(key, [])
            if len(idle) >= self.max_idle:
                expired.append(connection)
            else:
                idle.append((connection, now))
            for other in self._idle.values():  # connections to hosts not called any more (a test's fake)
                while other and now - other[0][1] >= self.max_idle_seconds:
                    expired.append(other.pop(0)[0])
        for each in expired:
            each.close()

    def idle_count(self) -> int:
        with self._lock:
            return sum(len(idle) for idle in self._idle.values())

    def close_idle(self) -> None:
        with self._lock:
            for idle in self._idle.values():
                for connection, _ in idle:
                    connection.close()
            self._idle.clear()

    def _forget_after_fork(self) -> None:
        """A forked child must not share its parent's sockets: it drops the inherited ones unclosed
        (closing would only close its own copy anyway, but the parent may be mid-call on them)."""
        if os.getpid() != self._pid:
            self._idle.clear()
            self._pid = os.getpid()


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle connection may carry another request: connected, and nothing to read (a
    readable idle socket means the server closed it or sent something unasked)."""
    sock = connection.sock
    if sock is None:
        return False
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return not poller.poll(0)


def perform(
    pool: ConnectionPool, url: str, request: Request, *, timeout: float, context: ssl.SSLContext | None
) -> dict[str, object]:
    """Send a urllib `Request` over a pooled connection and answer as slack-sdk's urllib path does:
    {"status", "headers", "body"} for a 2xx, HTTPError (with headers and body) for any other status. A JSON
    answer comes decoded by orjson as slack-sdk's `parsed_body`, its body left as bytes so that slack-sdk
    does not decode it again (its retry handlers' path encodes the text back to bytes, then json.loads: 0.08
    ms for the ~10 KB view that views.publish echoes on App Home, against orjson's 0.03, measured)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    key: Key = (scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80))
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = pool.take(key, timeout=timeout, context=context)
    try:
        try:
            connection.request("POST", path or "/", body=request.data, headers=_headers(request.header_items()))
        except OSError as error:  # not sent (refused, reset, timed out): urllib's URLError, as slack-sdk expects
            raise URLError(error) from error
        response = connection.getresponse()
        body = response.read()
    except ConnectionResetError:  # RemoteDisconnected too (also an HTTPException): raised as urllib raises it
        connection.close()
        raise
    except http.client.HTTPException as error:  # a malformed or cut answer: a connection error for the caller
        connection.close()
        raise ConnectionError(f"{type(error).__name__}: {error}") from error
    except BaseException:
        connection.close()
        raise
    if response.will_close:
        connection.close()
    else:
        pool.give_back(key, connection)
    if not 200 <= response.status < 300:
        raise HTTPError(url, response.status, response.reason, response.headers, io.BytesIO(body))
    content_type = response.headers.get_content_type()
    if content_type == "application/gzip":
        return {"status": response.status, "headers": response.headers, "body": body}
    if content_type == "application/json" and (parsed := _json_object(body)) is not None:
        return {"status": response.status, "headers": response.headers, "body": body, "parsed_body": parsed}
    charset = response.headers.get_content_charset() or "utf-8"
    return {"status": response.status, "headers": response.headers, "body": body.decode(charset)}


def _json_object(body: bytes) -> dict[str, Any] | None:
    """The answer's JSON object; None when it is not one (slack-sdk then decodes the text and reports it)."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _headers(items: list[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    """urllib adds `Connection: close` when it sends; the Request itself carries none, but drop it
    should a caller have set one, so the connection stays open."""
    pairs = items.items() if isinstance(items, Mapping) else items
    return {name: value for name, value in pairs if name.lower() != "connection"}
