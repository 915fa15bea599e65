"""Dispatcher benchmark (issue 5). Results go to docs/performance.md.

(a) 10,000 appointment reminders due in the same minute for 500 users; a fake Slack answering in ~20 ms
    that limits chat.postMessage to 1/s per channel and 300/min per workspace (429 + Retry-After):
    time until all are delivered, and the dispatcher's overhead per row excluding Slack's time.
(b) 500 reminders due at once, one per user, no workspace limit, dispatched by the real APScheduler
    wiring (tick every SCHEDULER_TICK_SECONDS): lateness p50/p99 (sent − due). Compared in the same run
    with what a user might build instead: one APScheduler `date` job per reminder in a SQLAlchemyJobStore.

The fake Slack runs in a process of its own (`SlackProcess`), so its CPU time is not counted as the
dispatcher's and it does not share the dispatcher's GIL; on a 2-vCPU machine it still competes for the cores.

`--scale N` makes the fake's limits N times faster (N/s per channel, N×300/min): at the real limits
(a) is bound to take 10,000 / 300 per min ≈ 33 min whatever the dispatcher does.

    python -m bench.dispatch [--scale 20] [--rows 10000] [--users 500] [--rounds 3] [--warmup 1]
                             [--threads N] [--skip-a] [--skip-b] [--database-url URL]

(b) runs in `--rounds` interleaved rounds (which of them goes first rotates) after `--warmup`
uncounted ones, and prints per round both p50/p99 and the ratio APScheduler p99 / ours, then
min / median / max of each over the rounds. (a) prints its run time over the lower bound the limits allow.
Each round of (b) also measures the floor of this dispatcher's lateness: the same posts made at the due
time by a bare pool of DISPATCHER_SEND_THREADS threads with the dispatcher's keep-alive client, nothing
else (no claim, render or record); "beyond the sends" is ours p99 − that p99, the dispatcher's own share.
The load average (1 min) is printed at the start and end of each round.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from sqlmodel import select

from bench.scratch import scratch_database
from bot.config import load_settings
from bot.deps import build_deps
from bot.slack_client import SHARED_POOL, make_client
from scheduler.setup import make_dispatcher, start_scheduler
from store.db import make_engine, transaction, upgrade
from store.models import Appointment, Lead, Outbox, SlackUser

LATENCY = 0.020
BURST = 50  # messages the workspace bucket holds


class _Server(ThreadingHTTPServer):
    # slack_sdk opens a connection per call; the default listen backlog of 5 overflows with the
    # dispatcher's send threads, and a dropped SYN is retried by the client only after 1 s.
    request_queue_size = 128


class LimitedSlack:
    """chat.postMessage in ~20 ms, 1/s per channel and `per_minute` per workspace (token bucket)."""

    def __init__(
        self, *, scale: float = 1.0, per_minute: int | None = 300, burst: int = BURST, latency: float = LATENCY
    ) -> None:
        self.scale, self.per_minute, self.burst, self.latency = scale, per_minute, burst, latency
        self.tokens = float(burst)
        self.refilled = time.monotonic()
        self.last_post: dict[str, float] = {}
        self.posted = 0
        self.limited = 0
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def admit(self, channel: str) -> int:
        """0 to post now, else the Retry-After seconds."""
        now = time.monotonic()
        with self.lock:
            if now - self.last_post.get(channel, -1e9) < 1.0 / self.scale:
                self.limited += 1
                return 1
            if self.per_minute is not None:
                rate = self.per_minute * self.scale / 60
                self.tokens = min(self.burst, self.tokens + (now - self.refilled) * rate)
                self.refilled = now
                if self.tokens < 1:
                    self.limited += 1
                    return max(1, math.ceil((1 - self.tokens) / rate))
                self.tokens -= 1
            self.last_post[channel] = now
            self.posted += 1
            return 0

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes: without TCP_NODELAY the body of an answer on a
            # keep-alive connection waits for the client's delayed ACK (~40 ms)
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                args = json.loads(raw) if raw.startswith("{") else dict(parse_qsl(raw))
                method = self.path.removeprefix("/api/")
                time.sleep(fake.latency)
                if method == "conversations.open":
                    self._send(200, {"ok": True, "channel": {"id": "D" + str(args.get("users"))}})
                elif method == "chat.postMessage":
                    wait = fake.admit(str(args.get("channel")))
                    if wait:
                        self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)})
                    else:
                        self._send(200, {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"})
                else:
                    self._send(200, {"ok": True, "user": {"id": args.get("user"), "tz": "Europe/Rome"}})

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _serve_slack(conn: Connection, scale: float, per_minute: int | None, latency: float = LATENCY) -> None:
    """Child process: run a LimitedSlack and answer the parent's "stats" / "stop" requests."""
    fake = LimitedSlack(scale=scale, per_minute=per_minute, latency=latency)
    conn.send(fake.url)
    while True:
        command = conn.recv()
        if command == "stats":
            with fake.lock:
                conn.send({"posted": fake.posted, "limited": fake.limited})
        else:
            fake.stop()
            conn.send("stopped")
            return


class SlackProcess:
    """A LimitedSlack served by a separate process (spawned, so it shares nothing with the dispatcher)."""

    def __init__(self, *, scale: float = 1.0, per_minute: int | None = 300, latency: float = LATENCY) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_slack, args=(child, scale, per_minute, latency), daemon=True)
        self._process.start()
        self.url: str = self._conn.recv()

    def _stats(self) -> dict[str, int]:
        self._conn.send("stats")
        stats: dict[str, int] = self._conn.recv()
        return stats

    @property
    def posted(self) -> int:
        return self._stats()["posted"]

    @property
    def limited(self) -> int:
        return self._stats()["limited"]

    def stop(self) -> None:
        self._conn.send("stop")
        self._conn.recv()
        self._process.join(timeout=10)


def seed(url: str, *, rows: int, users: int, due: datetime) -> None:
    """Users (time zone known), one lead each, and `rows` appointments with their reminder rows."""
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        for table in (Outbox, Appointment, Lead, SlackUser):
            connection.execute(sa.delete(table))  # type: ignore[arg-type]
        connection.execute(
            sa.insert(SlackUser),
            [
                {
                    "team_id": "T1",
                    "user_id": f"U{u:04d}",
                    "name": "",
                    "role": "rep",
                    "is_slack_admin": False,
                    "tz": "Europe/Rome",
                    "profile_fetched_at": due,
                    "daily_summary": False,
                    "digest_when_empty": False,
                    "created_at": due,
                }
                for u in range(users)
            ],
        )
        lead_ids = {}
        for u in range(users):
            lead_ids[u] = connection.execute(
                sa.insert(Lead).returning(Lead.id),  # type: ignore[arg-type]
                {
                    "team_id": "T1",
                    "owner_id": f"U{u:04d}",
                    "topic": f"Espresso machines {u}",
                    "created_at": due,
                    "updated_at": due,
                },
            ).scalar_one()
        appointments = [
            {
                "team_id": "T1",
                "record_type": "lead",
                "record_id": lead_ids[i % users],
                "owner_id": f"U{i % users:04d}",
                "subject": f"Tasting {i}",
                "start_at": due + timedelta(minutes=15),
                "duration_minutes": 30,
                "attendees": [],
                "location": "",
                "status": "scheduled",
                "outcome": "",
                "created_at": due,
            }
            for i in range(rows)
        ]
        ids = [r[0] for r in connection.execute(sa.insert(Appointment).returning(Appointment.id), appointments)]  # type: ignore[arg-type]
        connection.execute(
            sa.insert(Outbox),
            [
                {
                    "team_id": "T1",
                    "kind": "appointment_reminder",
                    "record_type": "lead",
                    "record_id": a["record_id"],
                    "recipient": a["owner_id"],
                    "due_at": due + timedelta(seconds=(i * 59) // max(rows, 1)),
                    "status": "pending",
                    "attempts": 0,
                    "last_error": "",
                    "dedupe_key": f"appointment:{aid}:{a['owner_id']}",
                    "payload": {"appointment_id": aid},
                    "created_at": due,
                }
                for i, (aid, a) in enumerate(zip(ids, appointments, strict=True))
            ],
        )
    engine.dispose()


def lateness(url: str) -> list[float]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(Outbox.due_at, Outbox.sent_at).where(Outbox.status == "sent")).all()
    engine.dispose()
    return sorted((sent - due).total_seconds() for due, sent in rows)


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))] if values else float("nan")


def _threads(threads: int | None) -> dict[str, int]:
    """DISPATCHER_SEND_THREADS for the run: the setting's default unless --threads says otherwise."""
    return {} if threads is None else {"dispatcher_send_threads": threads}


def run_a(url: str, *, rows: int, users: int, scale: float, threads: int | None = None) -> dict[str, float]:
    fake = SlackProcess(scale=scale)
    due = datetime.now(UTC)
    seed(url, rows=rows, users=users, due=due)
    settings = load_settings(
        _env_file=None, database_url=url, slack_api_url=fake.url, slack_bot_token="xoxb-x", **_threads(threads)
    )
    deps = build_deps(settings)
    dispatcher = make_dispatcher(deps, plan=False)
    started = time.monotonic()
    sampler = threading.Thread(target=_sample_pace, args=(dispatcher, fake, started), daemon=True)
    sampler.start()
    while True:
        dispatcher.tick()
        with transaction(deps.new_session) as session:
            left = session.exec(select(sa.func.count()).where(Outbox.status != "sent")).one()
        if not left:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    dispatcher.close()
    deps.engine.dispose()
    posted, limited = fake.posted, fake.limited
    fake.stop()
    stats = dispatcher.stats
    return {
        "rows": rows,
        "scale": scale,
        "seconds": elapsed,
        "overhead_ms": stats.overhead_ms_per_row,
        "cpu_ms": stats.cpu_ms_per_row,
        "posted": posted,
        "rate_limited_429": limited,
        "429_per_delivered": limited / posted if posted else float("nan"),
        "deferred": stats.deferred,
        "paced": stats.paced,
        "cpu_s": stats.cpu_seconds,
        "lower_bound_s": lower_bound(rows=rows, users=users, scale=scale),
    }


def _sample_pace(dispatcher: Any, fake: SlackProcess, started: float, every: float = 10.0) -> None:
    """Print, every `every` seconds of (a), the messages Slack took and the pace learned for T1."""
    while True:
        time.sleep(every)
        stats = fake._stats()
        rate = dispatcher.pacer.rate("T1")
        print(
            f"(a) t={time.monotonic() - started:.0f}s posted={stats['posted']} 429s={stats['limited']} "
            f"pace={rate if rate is None else round(rate, 2)} paced={dispatcher.stats.paced}",
            flush=True,
        )


def lower_bound(*, rows: int, users: int, scale: float) -> float:
    """The fastest the fake's limits allow: the workspace bucket (its burst, then 300/min × scale), each
    channel's 1/s × scale, and the due times themselves (spread over 59 s)."""
    workspace = (rows - BURST) / (300 * scale / 60)
    channel = (math.ceil(rows / users) - 1) / scale
    return max(workspace, channel, 59 * (rows - 1) / rows)


def run_b(url: str, *, users: int, tick: float, threads: int | None = None) -> dict[str, float]:
    fake = SlackProcess(per_minute=None)
    due = datetime.now(UTC) + timedelta(seconds=3)
    seed(url, rows=users, users=users, due=due)
    engine = make_engine(url)
    due = datetime.now(UTC) + timedelta(seconds=3)  # after seeding, so lateness is the dispatcher's alone
    with engine.begin() as connection:
        connection.execute(sa.update(Outbox).values(due_at=due))
    engine.dispose()
    settings = load_settings(
        _env_file=None,
        database_url=url,
        slack_api_url=fake.url,
        slack_bot_token="xoxb-x",
        scheduler_tick_seconds=tick,
        **_threads(threads),
    )
    deps = build_deps(settings)
    dispatcher = make_dispatcher(deps, plan=False)
    gc.collect()
    gc.freeze()  # as in the scheduler process of `salesbot run` and `salesbot scheduler` (bot/cli.py)
    scheduler = start_scheduler(deps, dispatcher=dispatcher)
    deadline = time.monotonic() + 120
    while fake.posted < users and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    scheduler.shutdown(wait=True)
    gc.unfreeze()
    dispatcher.close()
    deps.engine.dispose()
    fake.stop()
    late = lateness(url)
    return {
        "sent": len(late),
        "p50": percentile(late, 50),
        "p99": percentile(late, 99),
        "max": late[-1] if late else 0,
        "overhead_ms": dispatcher.stats.overhead_ms_per_row,
        "cpu_ms": dispatcher.stats.cpu_ms_per_row,
    }


def send_reminder(api: str, user: str, text: str, due_iso: str, results_path: str) -> None:
    """The APScheduler job of the comparison: post one reminder, note when it went out."""
    client = make_client("xoxb-x", api, inline_retries=False)
    channel = client.conversations_open(users=user)["channel"]["id"]
    client.chat_postMessage(channel=channel, text=text)
    late = (datetime.now(UTC) - datetime.fromisoformat(due_iso)).total_seconds()
    with open(results_path, "a") as results:
        results.write(f"{late}\n")


def run_b_apscheduler(workdir: Path, *, users: int) -> dict[str, float]:
    """What a user might build instead: one date job per reminder, persisted in a SQLAlchemyJobStore."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    fake = SlackProcess(per_minute=None)
    results = workdir / "apscheduler_lateness.txt"
    results.write_text("")
    store = SQLAlchemyJobStore(url=f"sqlite:///{workdir / 'jobs.db'}")
    scheduler = BackgroundScheduler(
        timezone=UTC, jobstores={"default": store}, job_defaults={"misfire_grace_time": None, "coalesce": True}
    )
    scheduler.start(paused=True)
    due = datetime.now(UTC) + timedelta(seconds=10)
    began = time.monotonic()
    for u in range(users):
        scheduler.add_job(
            send_reminder,
            "date",
            run_date=due,
            id=f"reminder-{u}",
            replace_existing=True,
            args=(fake.url, f"U{u:04d}", f"Reminder {u}", due.isoformat(), str(results)),
        )
    add_seconds = time.monotonic() - began
    scheduler.resume()
    deadline = time.monotonic() + 120
    while fake.posted < users and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    scheduler.shutdown(wait=True)
    fake.stop()
    late = sorted(float(line) for line in results.read_text().split())
    return {
        "sent": len(late),
        "p50": percentile(late, 50),
        "p99": percentile(late, 99),
        "max": late[-1] if late else 0,
        "add_seconds": add_seconds,
    }


def run_b_bare(*, users: int, threads: int | None = None) -> dict[str, float]:
    """The floor of (b): one post per user at the due time from a bare pool of the dispatcher's send
    threads, over its keep-alive client, against a fake Slack of its own like the other two runs."""
    fake = SlackProcess(per_minute=None)
    count = threads or load_settings(_env_file=None).dispatcher_send_threads
    client = make_client("xoxb-x", fake.url, inline_retries=False, pool=SHARED_POOL)
    due = time.time() + 1.0

    def post(user: int) -> float:
        client.chat_postMessage(channel=f"U{user:04d}", text=f"Reminder {user}: Tasting {user} at 09:15")
        return time.time() - due

    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="bare") as pool:
        time.sleep(max(0.0, due - time.time()))
        late = sorted(pool.map(post, range(users)))
    SHARED_POOL.close_idle()
    fake.stop()
    return {"sent": len(late), "p50": percentile(late, 50), "p99": percentile(late, 99), "max": late[-1]}


def _spread(values: list[float]) -> str:
    """min / median / max of a measure over the rounds."""
    return f"{min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f}"


def run_b_rounds(
    url: str, workdir: Path, *, users: int, tick: float, rounds: int, threads: int | None = None, warmup: int = 1
) -> list[dict[str, Any]]:
    """(b) in `rounds` interleaved rounds: the outbox dispatcher and APScheduler date jobs in each round,
    the one that goes first alternating, so a slow minute of the machine falls on both. The first
    `warmup` rounds are run the same way and not counted: a scheduler process runs for days, and its
    first batch pays for compiling statements and first loads (0.1–0.4 s here), as APScheduler's first
    jobs pay for theirs."""
    results = []
    names = ("ours", "apscheduler", "bare sends")
    for number in range(warmup + rounds):
        runs: dict[str, dict[str, float]] = {}
        load = os.getloadavg()[0]
        for name in names[number % 3 :] + names[: number % 3]:
            if name == "ours":
                runs[name] = run_b(url, users=users, tick=tick, threads=threads)
            elif name == "apscheduler":
                runs[name] = run_b_apscheduler(workdir, users=users)
            else:
                runs[name] = run_b_bare(users=users, threads=threads)
        ours, theirs, bare = runs["ours"], runs["apscheduler"], runs["bare sends"]
        ratio = theirs["p99"] / ours["p99"] if ours["p99"] else float("inf")
        label = f"round {number + 1 - warmup}" if number >= warmup else f"warm-up {number + 1}"
        print(f"(b) {label}: load average {load:.2f} -> {os.getloadavg()[0]:.2f}", flush=True)
        print(f"(b) {label}: outbox dispatcher {json.dumps(ours)}", flush=True)
        print(f"(b) {label}: APScheduler date jobs {json.dumps(theirs)}", flush=True)
        print(f"(b) {label}: bare sends {json.dumps(bare)}", flush=True)
        print(f"(b) {label}: p99 ratio (APScheduler / outbox dispatcher) {ratio:.2f}x", flush=True)
        print(f"(b) {label}: ours p99 beyond the bare sends' {ours['p99'] - bare['p99']:.3f} s", flush=True)
        if number >= warmup:
            results.append(
                {"round": number + 1 - warmup, "ours": ours, "apscheduler": theirs, "bare": bare, "p99_ratio": ratio}
            )
    return results


def summarize_b(results: list[dict[str, Any]]) -> None:
    print(f"(b) over {len(results)} rounds, min / median / max (seconds):", flush=True)
    for name, label in (
        ("ours", "outbox dispatcher"),
        ("apscheduler", "APScheduler date jobs"),
        ("bare", "bare sends"),
    ):
        for measure in ("p50", "p99"):
            print(f"  {label:22} {measure}: {_spread([r[name][measure] for r in results])}")
        print(f"  {label:22} sent: {sorted(r[name]['sent'] for r in results)}")
    print(f"  p99 ratio (APScheduler / ours): {_spread([r['p99_ratio'] for r in results])}", flush=True)
    beyond = [r["ours"]["p99"] - r["bare"]["p99"] for r in results]
    print(f"  ours p99 beyond the bare sends' p99 (s): {_spread(beyond)}", flush=True)
    print(
        f"  ours p99 / bare sends' p99: {_spread([r['ours']['p99'] / r['bare']['p99'] for r in results])}", flush=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--tick", type=float, default=1.0, help="SCHEDULER_TICK_SECONDS for (b)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of (b)")
    parser.add_argument("--warmup", type=int, default=1, help="rounds of (b) run first and not counted")
    parser.add_argument("--threads", type=int, default=None, help="DISPATCHER_SEND_THREADS (default: the setting's)")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--skip-a", action="store_true")
    parser.add_argument("--skip-b", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
        if url.startswith("postgresql"):  # a schema of its own: other benchmarks may share the database
            url = stack.enter_context(scratch_database("postgresql", url, "dispatch"))
        print("database:", url.split(":", 1)[0], flush=True)
        if not args.skip_a:
            a = run_a(url, rows=args.rows, users=args.users, scale=args.scale, threads=args.threads)
            print("(a)", json.dumps(a), flush=True)
            print(f"(a) run time / lower bound from the limits: {a['seconds'] / a['lower_bound_s']:.3f}", flush=True)
        if not args.skip_b:
            rounds = run_b_rounds(
                url,
                workdir,
                users=args.users,
                tick=args.tick,
                rounds=args.rounds,
                threads=args.threads,
                warmup=args.warmup,
            )
            summarize_b(rounds)


if __name__ == "__main__":
    main()
