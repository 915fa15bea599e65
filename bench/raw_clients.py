"""Bench-only: the fixed-rate loop's HTTP client, cheaper than http.client.

http.client builds each request through its header machinery and parses each response's headers with
the email package: a few hundred microseconds of the bench process's GIL per request, which its 50
client threads share with each other (and on 2 cores, with the servers under test). A late send or a
late read is charged to the server measured, and more so to the one using more CPU. Here each request is
one pre-encoded bytes object written with `sendall`, and a response is read with `recv` until its
Content-Length is in: the same keep-alive connection per client thread, the same `Outcome`s.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlparse

from bench.ack_latency import Outcome, Prepared

HEAD_END = b"\r\n\r\n"


class RawClients:
    """One keep-alive socket per client thread (the interface of bench.ack_latency.Clients)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parsed = urlparse(url)
        self.host, self.port, self.path = parsed.hostname or "127.0.0.1", parsed.port or 80, parsed.path
        self.timeout = timeout
        self.local = threading.local()
        self.all: list[socket.socket] = []
        self.lock = threading.Lock()
        self.encoded: dict[int, bytes] = {}

    def connection(self) -> socket.socket:
        sock: socket.socket | None = getattr(self.local, "sock", None)
        if sock is None:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.local.sock, self.local.buffer = sock, b""
            with self.lock:
                self.all.append(sock)
        return sock

    def prepare(self, requests: list[Prepared]) -> None:
        """Encode every request before the clock starts."""
        for request in requests:
            self.encoded[id(request)] = self._encode(request)

    def _encode(self, request: Prepared) -> bytes:
        head = [f"POST {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(request.body)}"]
        head += [f"{name}: {value}" for name, value in request.headers.items()]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + request.body

    def send(self, request: Prepared) -> Outcome:
        sock = self.connection()
        payload = self.encoded.get(id(request)) or self._encode(request)
        started = time.perf_counter()
        try:
            sock.sendall(payload)
            status, body = self._response(sock)
            return Outcome(request.kind, time.perf_counter() - started, status, body=body)
        except Exception as error:  # a broken connection counts as a failure; the next request reconnects
            self._drop()
            return Outcome(request.kind, time.perf_counter() - started, 0, error=f"{type(error).__name__}: {error}")

    def _response(self, sock: socket.socket) -> tuple[int, bytes]:
        buffer: bytes = self.local.buffer
        while HEAD_END not in buffer:
            buffer += self._recv(sock)
        head, _, rest = buffer.partition(HEAD_END)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            elif name.strip().lower() == b"transfer-encoding":
                raise ValueError("chunked responses are not read here")
        while len(rest) < length:
            rest += self._recv(sock)
        self.local.buffer = rest[length:]
        return status, rest[:length]

    @staticmethod
    def _recv(sock: socket.socket) -> bytes:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("closed by the server")
        return data

    def _drop(self) -> None:
        sock = getattr(self.local, "sock", None)
        if sock is not None:
            sock.close()
            self.local.sock = None

    def close(self) -> None:
        with self.lock:
            for sock in self.all:
                sock.close()
