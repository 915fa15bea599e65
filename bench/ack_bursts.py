"""Bursts of K requests arriving at once at one worker: when is each answered, by the number of waitress
request threads that serve them at once (issue 12, the p99 at a fixed rate).

Why: in bench/ack_surfaces.py's fixed-rate phase the slowest 1 % are requests that arrived while their
worker was already serving 3-5 others (bench/tail_report.py: `concurrent`), each served in a thread of its
own: the threads share one GIL (SQLite releases it at every statement), so the burst is served by
processor sharing and every request of it finishes late, where served one after the other the first
would finish after one request's time. This measures both on the same data, interleaved: a worker
(`salesbot run`'s own `serve_http_workers`, one process, no scheduler) per `--threads` value, and K
keep-alive connections sending their requests back to back from one thread (selectors: the client adds
no thread scheduling of its own).

    python bench/ack_bursts.py --sqlite /tmp/tail/mine.db --threads 12,1 --burst 4 --bursts 200
(the database: bench/ack_surfaces.py's 1M-opportunity file; `--text list` is `/opp list`, else a search)."""

from __future__ import annotations

import argparse
import contextlib
import functools
import selectors
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bench.ack_latency import SIGNING_SECRET, TEAM, load_average  # noqa: E402
from bench.ack_surfaces import ReceiptSlack, command, server_env  # noqa: E402
from bench.ack_vs_bolt import free_port  # noqa: E402


def serve(port: int, threads: int) -> None:
    """One `salesbot run` worker (no scheduler) with `threads` waitress request threads."""
    from bot import cli
    from bot.server import serve_http_workers

    with cli._no_collection():
        settings = cli._ready_to_serve(with_scheduler=False)
    serve_http_workers(functools.partial(cli._worker_app, settings), "127.0.0.1", port, workers=1, threads=threads)


def connect(port: int, deadline: float = 90.0) -> socket.socket:
    until = time.monotonic() + deadline
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except OSError:
            if time.monotonic() > until:
                raise
            time.sleep(0.2)


def wire(body: bytes, headers: dict[str, str]) -> bytes:
    head = f"POST /slack/events HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(body)}\r\n"
    return (head + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode() + body


def answered(buffer: bytes) -> bool:
    head, separator, body = buffer.partition(b"\r\n\r\n")
    if not separator:
        return False
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    return len(body) >= length


def burst(connections: list[socket.socket], payloads: list[bytes]) -> list[float]:
    """Send one request on each connection at once; seconds until each answer is complete, sorted."""
    selector = selectors.DefaultSelector()
    buffers = {}
    started = time.perf_counter()
    for connection, payload in zip(connections, payloads, strict=True):
        connection.sendall(payload)
        selector.register(connection, selectors.EVENT_READ)
        buffers[connection] = b""
    times = []
    while buffers:
        for key, _ in selector.select(timeout=10):
            connection = key.fileobj
            buffers[connection] += connection.recv(65536)  # type: ignore[union-attr]
            if answered(buffers[connection]):
                times.append(time.perf_counter() - started)
                selector.unregister(connection)
                del buffers[connection]
    selector.close()
    return sorted(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", default="/tmp/salesbot-bench-acks-1m.db", help="bench/ack_surfaces.py's file")
    parser.add_argument("--threads", default="12,1", help="waitress request threads, one worker per value")
    parser.add_argument("--burst", type=int, default=4, help="requests arriving at once")
    parser.add_argument("--bursts", type=int, default=200)
    parser.add_argument("--text", default="list", help="`/opp TEXT`")
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)  # internal: a worker's port
    parser.add_argument("--serve-threads", type=int, default=12, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.serve_threads)
        return 0
    fake = ReceiptSlack(team_id=TEAM).start()
    verifier = SignatureVerifier(SIGNING_SECRET)
    env = {**server_env(fake, f"sqlite:///{args.sqlite}"), "PYTHONPATH": str(ROOT)}
    configs = [int(n) for n in args.threads.split(",")]
    workers, connections = {}, {}
    with contextlib.ExitStack() as stack:
        for threads in configs:
            port = free_port()
            command_line = [
                sys.executable,
                "-m",
                "bench.ack_bursts",
                "--serve",
                str(port),
                "--serve-threads",
                str(threads),
            ]
            workers[threads] = subprocess.Popen(command_line, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
            stack.callback(workers[threads].wait, 30)
            stack.callback(workers[threads].terminate)
            connections[threads] = [connect(port) for _ in range(args.burst)]
        results: dict[int, list[list[float]]] = {threads: [] for threads in configs}
        print(f"- load average before: {load_average()}")
        for number in range(args.bursts + 20):  # the first 20 warm up
            for threads in configs if number % 2 else configs[::-1]:
                payloads = [
                    wire(r.body, r.headers) for r in (command(verifier, fake, args.text) for _ in range(args.burst))
                ]
                times = burst(connections[threads], payloads)
                if number >= 20:
                    results[threads].append(times)
                time.sleep(0.02)
        print(f"- load average after: {load_average()}\n")
        report(results, args.burst)
    fake.stop()
    return 0


def report(results: dict[int, list[list[float]]], size: int) -> None:
    print(f"| request threads | first ms (median) | mean ms | last ms (median) | p99 ms | bursts of {size} |")
    print("|---|---|---|---|---|---|")
    for threads, bursts in results.items():
        every = sorted(t * 1000 for times in bursts for t in times)
        first = statistics.median(times[0] for times in bursts) * 1000
        last = statistics.median(times[-1] for times in bursts) * 1000
        p99 = every[min(len(every) - 1, int(len(every) * 0.99))]
        print(f"| {threads} | {first:.2f} | {statistics.mean(every):.2f} | {last:.2f} | {p99:.2f} | {len(bursts)} |")


if __name__ == "__main__":
    sys.exit(main())
