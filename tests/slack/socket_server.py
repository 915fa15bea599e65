"""A local WebSocket server speaking Slack's Socket Mode envelope protocol.

Point `FakeSlack.socket_url` at `SocketModeServer.url` and Bolt's `SocketModeHandler` connects here
(`apps.connections.open` answers with that URL). The server greets each connection with `hello`, then
`send_envelope(...)` pushes a `slash_commands` / `interactive` / `events_api` envelope down the socket
and returns the client's ack (`{"envelope_id": ..., "payload": ...}`), as Slack's servers would.
Shapes: https://api.slack.com/apis/socket-mode and shared/slack-payloads/socket_mode_*.json.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

ENVELOPE_TYPES = ("slash_commands", "interactive", "events_api")


class SocketModeServer:
    def __init__(self, app_id: str = "A1", ping_interval: float = 0.05) -> None:
        """`ping_interval`: Slack pings its clients; pinging often keeps slack-sdk's builtin client out of
        a blocking recv (3 s timeout on plain sockets) that its `close()` would have to wait out."""
        self.app_id = app_id
        self.hellos = 0  # connections greeted so far
        self.unmatched: list[Any] = []  # client messages that acked no pending envelope
        self._connection: ServerConnection | None = None
        self._lock = threading.Lock()
        self._greeted = threading.Condition(self._lock)
        self._pending: dict[str, queue.Queue[dict[str, Any]]] = {}
        # compression=None: slack-sdk's builtin client does not negotiate permessage-deflate anyway
        self._server: Server = serve(self._handle, "127.0.0.1", 0, compression=None, ping_interval=ping_interval)
        self._thread = threading.Thread(target=self._server.serve_forever, name="socket-mode-server", daemon=True)

    # lifecycle -------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.socket.getsockname()[1]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> SocketModeServer:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening, close open connections (1001 going away) and wait for their handlers.

        Close the Socket Mode client first: a client still connected would reconnect right away."""
        self._server.shutdown()
        self._thread.join(timeout=timeout)

    def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        """Block until `count` connections have been greeted with `hello`."""
        with self._greeted:
            if not self._greeted.wait_for(lambda: self.hellos >= count and self._connection is not None, timeout):
                raise AssertionError(f"no Socket Mode client connected within {timeout}s (hellos: {self.hellos})")

    # test-facing API -------------------------------------------------------------------------
    def send_envelope(self, type: str, payload: dict[str, Any], accepts_response_payload: bool = True,
                      *, envelope_id: str | None = None, retry_attempt: int = 0, retry_reason: str = "",
                      timeout: float = 5.0) -> dict[str, Any]:  # fmt: skip
        """Send one envelope to the connected client and return its ack message (the first client message
        naming the same `envelope_id`; anything else lands in `unmatched`)."""
        assert type in ENVELOPE_TYPES, f"unknown envelope type {type!r}"
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id, "type": type, "payload": payload,
            "accepts_response_payload": accepts_response_payload, "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }  # fmt: skip
        acks: queue.Queue[dict[str, Any]] = queue.Queue()
        with self._lock:
            connection = self._connection
            assert connection is not None, "no Socket Mode client is connected"
            self._pending[envelope_id] = acks
        try:
            connection.send(json.dumps(envelope))
            try:
                return acks.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no ack for {type} envelope {envelope_id} within {timeout}s") from None
        finally:
            with self._lock:
                self._pending.pop(envelope_id, None)

    # connection handling ---------------------------------------------------------------------
    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello", "num_connections": 1,
            "debug_info": {"host": "applink-test", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }  # fmt: skip

    def _handle(self, connection: ServerConnection) -> None:
        connection.send(json.dumps(self._hello()))
        with self._greeted:
            self._connection = connection
            self.hellos += 1
            self._greeted.notify_all()
        try:
            for raw in connection:
                self._receive(raw)
        except ConnectionClosed:
            pass  # the builtin client drops the TCP socket without a close frame
        finally:
            with self._lock:
                if self._connection is connection:
                    self._connection = None

    def _receive(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._lock:
            acks = self._pending.pop(str(envelope_id), None) if envelope_id else None
            if acks is None:  # not an ack, an unknown envelope, or a second ack of the same one
                self.unmatched.append(message if message is not None else raw)
                return
        acks.put_nowait(message)
