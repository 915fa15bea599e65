"""Ack latency: signed Slack requests fired at the bot served over HTTP, as in production.

Starts the fake Slack Web API (tests/slack/fake_slack.py) and the real bot behind waitress
(`bot.server.make_http_server`, default threads), seeds the database with leads, then fires
`--requests` signed requests from `--concurrency` keep-alive clients: half `/lead list` slash
commands (answered inline, two queries) and half clicks of a list's "Open" button (acked at once,
the card is sent to the response_url by background work). It prints requests/s and p50/p99/max
time-to-HTTP-response per request type and overall, as a Markdown table, with the machine facts.

    python bench/ack_latency.py
    python bench/ack_latency.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

`--split` runs the fake Slack and the clients in a child process, leaving the bot alone in this one;
`--threads` and `--switch-interval` change waitress's thread count and the GIL switch interval.
Results and their analysis: docs/performance.md, "Ack latency".

On PostgreSQL the script DROPS and recreates the `public` schema first: point it at a scratch
database only (names without "test", "bench" or "scratch" also need `--drop-schema`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import multiprocessing
import os
import platform
import random
import re
import shlex
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/ack_latency.py` from anywhere
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.deps import Deps, build_deps  # noqa: E402
from bot.domain.leads import INDUSTRIES, LEAD_SOURCES, PURCHASE_PROCESSES, TIMEFRAMES, derived_keys  # noqa: E402
from bot.ids import ACTION_OPEN_RECORD  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from bot.server import EVENTS_PATH, make_http_server, run_until  # noqa: E402
from store.db import upgrade  # noqa: E402
from store.models import Lead  # noqa: E402
from store.text_upkeep import tidy_text_indexes  # noqa: E402
from tests.slack.driver import SlackDriver, find_button  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
TEAM = "T1"
USER = "U1"
FIRST_NAMES = (
    "Anna",
    "Luca",
    "Marta",
    "Jonas",
    "Chloé",
    "Søren",
    "Amélie",
    "Paolo",
    "Inès",
    "Tomás",
    "Eva",
    "Ravi",
)
LAST_NAMES = (
    "Rossi",
    "Müller",
    "Dubois",
    "García",
    "Nowak",
    "Jensen",
    "Bianchi",
    "Smith",
    "Kovač",
    "Lindqvist",
)
COMPANIES = (
    "Café Centrale",
    "Nordlicht GmbH",
    "Acme Corp",
    "Bäckerei Braun",
    "Lumen SA",
    "Orbit Ltd",
    "Vega Srl",
)
PRODUCTS = (
    "espresso machines",
    "grinders",
    "service contracts",
    "coffee beans",
    "barista training",
    "water filters",
)
MEASURED_MARK = "bench: measured requests follow"
STATUSES = ("open",) * 7 + ("qualified",) * 2 + ("disqualified",)


# ---------------------------------------------------------------------------------------------- setup


def reset_postgres(url: str, allow_any_name: bool) -> None:
    """Create the database if it is missing, else drop and recreate its `public` schema."""
    parsed = sa.engine.make_url(url)
    name = parsed.database or ""
    if not allow_any_name and not any(word in name.lower() for word in ("test", "bench", "scratch")):
        sys.exit(f"refusing to drop schema public of database {name!r}: pass --drop-schema if it is scratch")
    server = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def seed_leads(deps: Deps, count: int, owners: int, seed: int = 42, *, tidy: bool = True) -> int:
    """Bulk-insert `count` leads round-robin over `owners` users (U1…UN); return a lead of U1 to click.
    `tidy`: then the text index upkeep this checkout's scheduler runs after a bulk load (store/text_upkeep.py:
    the minutely merge, then the hourly merge into one segment), so the searches read the index of a server
    whose reps wrote nothing since its last hourly run; a seed for another checkout passes False and runs
    that checkout's own (`upkeep_as`)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    rows = []
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = f"{rng.choice(COMPANIES)} {index}"
        email = f"{first.lower()}.{last.lower()}{index}@example.com"
        topic = f"{rng.randint(2, 40)} {rng.choice(PRODUCTS)}"
        created = now - timedelta(days=rng.uniform(0, 365))
        updated = min(now, created + timedelta(days=rng.uniform(0, 60)))
        status = rng.choice(STATUSES)
        scored = rng.random() < 0.5
        rows.append(
            {
                "team_id": TEAM,
                "owner_id": f"U{index % owners + 1}",
                "topic": topic,
                "first_name": first,
                "last_name": last,
                "company": company,
                "job_title": "Buyer",
                "email": email,
                "business_phone": f"+39 02 {index:07d}",
                "industry": rng.choice(INDUSTRIES),
                "employees": rng.randint(1, 5000),
                "annual_revenue": Decimal(rng.randint(10**5, 10**8)),
                "lead_source": rng.choice(LEAD_SOURCES),
                "budget_amount": Decimal(rng.randint(1000, 10**6)),
                "purchase_timeframe": rng.choice(TIMEFRAMES),
                "purchase_process": rng.choice(PURCHASE_PROCESSES),
                "description": f"Bench lead {index}: wants {topic} for {company}.",
                "currency": "EUR",
                "status": status,
                "status_reason": "Lost" if status == "disqualified" else "",
                "score": rng.randint(0, 100) if scored else None,
                "grade": rng.choice("ABCD") if scored else "",
                **derived_keys(first, last, company, email, topic),
                "opportunity_id": None,
                "created_at": created,
                "updated_at": updated,
            }
        )
    with deps.new_session() as session:
        for start in range(0, len(rows), 5000):
            session.execute(sa.insert(Lead), rows[start : start + 5000])
        session.commit()
        # The lead on top of U1's `/lead list`, so the click opens what the list shows.
        clicked = session.execute(
            sa.select(Lead.id)
            .where(Lead.team_id == TEAM, Lead.owner_id == USER, Lead.status == "open")
            .order_by(sa.desc(Lead.updated_at), sa.desc(Lead.id))
            .limit(1)
        ).scalar_one()
    if tidy:
        tidy_text_indexes(deps.engine, max_pages=None, whole=True)
    if deps.engine.dialect.name == "postgresql":
        # VACUUM, not only ANALYZE: a bulk insert leaves its rows in the GIN index's pending list, which
        # every trigram search then scans (9-13 ms instead of 0.2-0.5 per search of 10,000 leads, measured)
        # until autovacuum merges it, some minute into the run; a server in use has it merged.
        with deps.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE lead"))
    return int(clicked)


# The text index upkeep of a checkout after a bulk load, run by that checkout's code (a checkout without
# store/text_upkeep.py, from before it, does none and keeps the index its bulk load wrote). The module must
# come from that checkout: a module it lacks is otherwise found by this venv's editable install (this one's).
_UPKEEP = (
    "import pathlib, sys\n"
    "try:\n    import store.text_upkeep as upkeep\n"
    "except ImportError:\n    sys.exit(0)\n"
    "if pathlib.Path(sys.argv[2]).resolve() not in pathlib.Path(upkeep.__file__).resolve().parents:\n"
    "    sys.exit(0)\n"
    "from store.db import make_engine\n"
    "upkeep.tidy_text_indexes(make_engine(sys.argv[1]), max_pages=None, whole=True)\n"
)


def upkeep_as(root: Path, url: str) -> None:
    """`seed_leads`' upkeep (`tidy`) as the checkout at `root` does it, on the database at `url`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", _UPKEEP, url, str(root)], cwd=root, env=env, check=True)


@dataclass
class RunningBot:
    deps: Deps
    fake: FakeSlack | None  # None when the fake Slack runs in the load process (--split)
    url: str
    threads: int
    stop: threading.Event
    thread: threading.Thread


@contextmanager
def running_bot(
    database_url: str, log_file: Path, threads: int | None, api_url: str | None = None
) -> Iterator[RunningBot]:
    fake = None if api_url else FakeSlack(team_id=TEAM).start()
    # No app token: HTTP mode with signature checks, whatever the environment says.
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=api_url or fake.api_url,
        database_url=database_url,
        slack_app_token=None,
    )
    # Log as `salesbot run` does (INFO, one line per request), into a file instead of the terminal.
    configure_logging(settings.log_level_number)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    log_stream = log_file.open("w", encoding="utf-8")
    handler.setStream(log_stream)
    deps = build_deps(settings)
    upgrade(deps.engine)
    app, _ = create_app(deps)
    server = make_http_server(app, "127.0.0.1", 0, *([threads] if threads else []))
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), name="waitress", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}{EVENTS_PATH}"
    try:
        yield RunningBot(deps, fake, url, server.adj.threads, stop, thread)
    finally:
        idle = deps.background.wait_idle(60)
        if not idle:
            print("warning: background work still running after 60 s", file=sys.stderr)
        stop.set()
        thread.join(timeout=10)
        deps.background.shutdown()
        deps.engine.dispose()
        if fake is not None:
            fake.stop()
        handler.setStream(sys.stderr)
        log_stream.close()


@contextmanager
def running_bot_processes(database_url: str, log_file: Path, workers: int) -> Iterator[RunningBot]:
    """The production command, `salesbot run --workers N`, as a child process (fake Slack stays here)."""
    fake = FakeSlack(team_id=TEAM).start()
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        database_url=database_url,
        slack_app_token=None,
    )
    deps = build_deps(settings)  # used here to seed and count; the workers open their own
    upgrade(deps.engine)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=database_url,
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
    )
    log_stream = log_file.open("a", encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "bot",
        "run",
        "--no-scheduler",
        "--workers",
        str(workers),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log_stream, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if process.poll() is not None:
            raise SystemExit(f"salesbot run exited early; see {log_file}")
        time.sleep(0.1)
    time.sleep(1.0)  # every worker has built its app (auth.test) and is accepting
    try:
        yield RunningBot(
            deps,
            fake,
            f"http://127.0.0.1:{port}{EVENTS_PATH}",
            8 * workers,
            threading.Event(),
            threading.Thread(target=lambda: None),
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        deps.engine.dispose()
        fake.stop()
        log_stream.close()


def quiet_after(fake: FakeSlack, method: str, timeout: float = 60.0) -> tuple[bool, float]:
    """Wait until the bot's processes stop calling `method` (their after-ack work is done)."""
    started, last, last_change = time.perf_counter(), -1, time.perf_counter()
    while time.perf_counter() - started < timeout:
        count = len(fake.calls_to(method))
        if count != last:
            last, last_change = count, time.perf_counter()
        elif time.perf_counter() - last_change > 0.5:
            return True, last_change - started
        time.sleep(0.05)
    return False, timeout


# ---------------------------------------------------------------------------------------------- load


@dataclass
class Prepared:
    kind: str  # command | click
    body: bytes
    headers: dict[str, str]


@dataclass
class Outcome:
    kind: str
    seconds: float
    status: int
    error: str = ""
    body: bytes = b""
    listed: bool = False  # a `/lead list` answer that shows the list


@dataclass
class LoadResult:
    outcomes: list[Outcome]
    wall: float
    cpu: float  # CPU time of the process running the clients, while they fired
    load_before: str
    load_after: str
    machine_busy: float  # CPUs the whole machine kept busy while the clients fired (all processes)
    reconnects: int
    idle: bool
    drained: float
    posts: int
    violations: int


def signed(body: str, content_type: str, verifier: SignatureVerifier) -> Prepared:
    ts = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body),
    }
    return Prepared("", body.encode(), headers)


def command_request(driver: SlackDriver, verifier: SignatureVerifier) -> Prepared:
    fields = driver.as_user(USER, TEAM).command_fields("/lead", "list")
    prepared = signed(urlencode(fields), "application/x-www-form-urlencoded", verifier)
    prepared.kind = "command"
    return prepared


def click_request(fake: FakeSlack, verifier: SignatureVerifier, lead_id: int, n: int) -> Prepared:
    """Like `Actor.click` on the `Open` button of the ephemeral `/lead list` answer (message container)."""
    action = {
        "action_id": ACTION_OPEN_RECORD,
        "block_id": f"b{n}",
        "text": {"type": "plain_text", "text": "Open"},
        "value": f"lead:{lead_id}",
        "type": "button",
        "action_ts": f"{time.time():.6f}",
    }
    payload = {
        "type": "block_actions",
        "user": {"id": USER, "username": "u1", "name": "u1", "team_id": TEAM},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": f"{n}.1.trigger",
        "team": {"id": TEAM, "domain": "example"},
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "C1", "is_ephemeral": True},
        "channel": {"id": "C1", "name": "sales"},
        "response_url": fake.response_url(),
    }
    prepared = signed("payload=" + quote(json.dumps(payload)), "application/x-www-form-urlencoded", verifier)
    prepared.kind = "click"
    return prepared


class Clients:
    """One keep-alive `http.client.HTTPConnection` per worker thread."""

    def __init__(self, url: str, keep_alive: bool, timeout: float = 10.0) -> None:
        parsed = urlparse(url)
        self.host, self.port, self.path = parsed.hostname or "127.0.0.1", parsed.port or 80, parsed.path
        self.keep_alive, self.timeout = keep_alive, timeout
        self.local = threading.local()
        self.all: list[http.client.HTTPConnection] = []
        self.lock = threading.Lock()
        self.reconnects = 0

    def connection(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            conn.connect()
            self.local.conn = conn
            with self.lock:
                self.all.append(conn)
        return conn

    def drop(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.close()
            self.local.conn = None
            with self.lock:
                self.reconnects += 1

    def send(self, request: Prepared) -> Outcome:
        conn = self.connection()  # connecting is not timed: keep-alive connections are opened once
        headers = dict(request.headers)
        if not self.keep_alive:
            headers["Connection"] = "close"
        started = time.perf_counter()
        try:
            conn.request("POST", self.path, body=request.body, headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            if response.will_close:
                self.drop()
            return Outcome(request.kind, elapsed, response.status, body=body)
        except Exception as error:  # a broken connection counts as a failure; the next request reconnects
            elapsed = time.perf_counter() - started
            self.drop()
            return Outcome(request.kind, elapsed, 0, error=f"{type(error).__name__}: {error}")

    def close(self) -> None:
        with self.lock:
            for conn in self.all:
                conn.close()


def fire(clients: Clients, requests: list[Prepared], concurrency: int) -> tuple[list[Outcome], float, float]:
    """Send every request; return the outcomes, the wall time and the CPU time this process used."""
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="client") as pool:
        # Open every worker's connection before the clock starts.
        barrier = threading.Barrier(concurrency)
        list(pool.map(lambda _: (clients.connection(), barrier.wait(timeout=30)), range(concurrency)))
        started, cpu_started = time.perf_counter(), time.process_time()
        outcomes = list(pool.map(clients.send, requests))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return outcomes, wall, cpu


# ---------------------------------------------------------------------------------------------- report


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(-(-fraction * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Row:
    label: str
    count: int
    failures: int
    per_second: float
    ms: list[float] = field(default_factory=list)

    def cells(self) -> list[str]:
        ms = sorted(self.ms)
        return [
            self.label,
            f"{self.count:,}",
            str(self.failures),
            f"{self.per_second:,.0f}",
            f"{statistics.fmean(ms):.1f}",
            f"{percentile(ms, 0.50):.1f}",
            f"{percentile(ms, 0.99):.1f}",
            f"{ms[-1]:.1f}",
        ]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def server_side_latencies(log_file: Path) -> dict[str, list[float]]:
    """Bolt dispatch time per request type, from the bot's own request log (`latency_ms=`)."""
    found: dict[str, list[float]] = {"command": [], "click": []}
    pattern = re.compile(r"salesbot\.requests .*type=(\S+).* latency_ms=([\d.]+)")
    lines = log_file.read_text(encoding="utf-8").splitlines()
    marks = [n for n, line in enumerate(lines) if MEASURED_MARK in line]
    for line in lines[marks[-1] + 1 if marks else 0 :]:
        match = pattern.search(line)
        if match:
            kind = "command" if match.group(1) == "slash_command" else "click"
            found[kind].append(float(match.group(2)))
    return found


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat), or NaN."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews the figures."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def code_version() -> str:
    """The commit measured, and whether tracked files differ from it."""

    def git(*words: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *words], capture_output=True, text=True, timeout=10)
        if done.returncode:
            raise OSError(done.stderr.strip())
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench")
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    return commit + (" + uncommitted changes" if dirty else "")


def machine_facts(database_url: str, engine_version: str) -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    kind = sa.engine.make_url(database_url).get_backend_name()
    return [
        ("nproc", str(usable)),
        ("CPU", cpu),
        ("memory", memory),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("SQLite (library)", sqlite3.sqlite_version),
        ("database", f"{kind} ({engine_version})" if engine_version else kind),
        ("salesbot", code_version()),
        (
            "packages",
            ", ".join(f"{p} {version(p)}" for p in ("slack_bolt", "slack_sdk", "waitress", "SQLAlchemy")),
        ),
    ]


# ---------------------------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=10_000, help="leads to seed (default 10,000)")
    parser.add_argument("--owners", type=int, default=50, help="owners the leads are spread over (default 50)")
    parser.add_argument("--requests", type=int, default=2_000, help="requests to fire (default 2,000)")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--drop-schema", action="store_true", help="allow resetting any PostgreSQL database")
    parser.add_argument("--no-keep-alive", dest="keep_alive", action="store_false", help="one connection per request")
    parser.add_argument(
        "--switch-interval", type=float, default=None, help="sys.setswitchinterval, seconds (default 0.005)"
    )
    parser.add_argument("--split", action="store_true", help="run the fake Slack and the clients in a separate process")
    parser.add_argument("--threads", type=int, default=None, help="waitress threads (default: bot.server's)")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="run `salesbot run --workers N` as a child process instead of an in-process server",
    )
    parser.add_argument("--deadline", type=float, default=900, help="abort after this many seconds (default 900)")
    return parser.parse_args()


def watchdog(seconds: float) -> None:
    def expire() -> None:
        print(f"ack_latency: still running after {seconds:.0f} s, aborting", file=sys.stderr, flush=True)
        os._exit(3)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


def run_load(
    fake: FakeSlack,
    url: str,
    lead_id: int,
    args: argparse.Namespace,
    settle: Callable[[], tuple[bool, float]],
    mark: Callable[[], None],
) -> LoadResult:
    """The Slack side: warm up, fire the measured requests, wait for the bot's background work.

    `settle()` waits until the bot's background work is idle (returns idle?, seconds waited);
    `mark()` starts the measured part of the bot's request log.
    """
    verifier = SignatureVerifier(SIGNING_SECRET)
    driver = SlackDriver(url, SIGNING_SECRET, fake, settle=lambda: None)
    clients = Clients(url, args.keep_alive)
    # Warm-up (not measured): one list, checking it shows the lead we click, and one click.
    warm = clients.send(command_request(driver, verifier))
    blocks = json.loads(warm.body).get("blocks", []) if warm.status == 200 else []
    find_button(blocks, "Open", f"lead:{lead_id}")
    clicked = clients.send(click_request(fake, verifier, lead_id, 0))
    assert clicked.status == 200, clicked
    settle()
    clients.close()
    warm_posts = len(fake.calls_to("response_url"))
    mark()
    # Bodies are built and signed up front so the clients spend their CPU on HTTP only.
    requests = [
        command_request(driver, verifier) if n % 2 == 0 else click_request(fake, verifier, lead_id, n)
        for n in range(1, args.requests + 1)
    ]
    clients = Clients(url, args.keep_alive)
    load_before, busy_before = load_average(), busy_seconds()
    outcomes, wall, cpu = fire(clients, requests, args.concurrency)
    load_after, busy = load_average(), busy_seconds() - busy_before
    clients.close()
    idle, drained = settle()
    for outcome in outcomes:
        outcome.listed = outcome.kind == "command" and b"Your open leads" in outcome.body
        outcome.body = b""
    posts = len(fake.calls_to("response_url")) - warm_posts
    return LoadResult(
        outcomes,
        wall,
        cpu,
        load_before,
        load_after,
        busy / wall,
        clients.reconnects,
        idle,
        drained,
        posts,
        len(fake.violations),
    )


def load_process(conn: Connection, args: argparse.Namespace) -> None:
    """--split: the fake Slack and the clients in a process of their own, talking to the bot's over a pipe."""
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    fake = FakeSlack(team_id=TEAM).start()
    try:
        conn.send(fake.api_url)
        url, lead_id = conn.recv()

        def ask(question: str) -> Any:
            conn.send(question)
            return conn.recv()

        result = run_load(fake, url, lead_id, args, settle=lambda: ask("settle"), mark=lambda: ask("mark"))
        conn.send(("done", result))
    except EOFError:  # the bot's process is gone
        pass
    except Exception as error:
        conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        fake.stop()


def serve_load_process(conn: Connection, bot: RunningBot, lead_id: int, deadline: float) -> tuple[LoadResult, float]:
    """--split, bot side: answer the load process's settle/mark; return its result and the bot's CPU time."""
    conn.send((bot.url, lead_id))
    cpu_started = None
    cpu = 0.0
    while conn.poll(max(0.0, deadline - time.monotonic())):
        message = conn.recv()
        if message == "settle":
            started = time.perf_counter()
            idle = bot.deps.background.wait_idle(60)
            if cpu_started is not None:
                cpu = time.process_time() - cpu_started
            conn.send((idle, time.perf_counter() - started))
        elif message == "mark":
            logging.getLogger("salesbot.requests").info(MEASURED_MARK)
            cpu_started = time.process_time()
            conn.send(None)
        elif message[0] == "done":
            return message[1], cpu
        else:
            raise RuntimeError(f"load process failed: {message[1]}")
    raise RuntimeError("the load process did not finish in time")


def main() -> int:
    args = parse_args()
    watchdog(args.deadline)
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    load: multiprocessing.process.BaseProcess | None = None
    conn: Connection | None = None
    api_url = None
    if args.split:
        conn, child_end = multiprocessing.get_context("spawn").Pipe()
        load = multiprocessing.get_context("spawn").Process(
            target=load_process, args=(child_end, args), name="load", daemon=True
        )
        load.start()
        api_url = conn.recv()
    bot_cpu = None
    with tempfile.TemporaryDirectory(prefix="ack-latency-") as tmp:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'salesbot.db'}"
        if database_url.startswith("postgresql"):
            reset_postgres(database_url, args.drop_schema)
        log_file = Path(tmp) / "requests.log"
        bot_context = (
            running_bot_processes(database_url, log_file, args.workers)
            if args.workers
            else running_bot(database_url, log_file, args.threads, api_url)
        )
        with bot_context as bot:
            with bot.deps.engine.connect() as connection:
                engine_version = (
                    connection.execute(sa.text("SHOW server_version")).scalar_one()
                    if connection.dialect.name == "postgresql"
                    else sqlite3.sqlite_version
                )
            started = time.perf_counter()
            lead_id = seed_leads(bot.deps, args.leads, args.owners)
            seeded = time.perf_counter() - started
            with bot.deps.new_session() as session:
                mine = session.execute(
                    sa.select(sa.func.count()).where(Lead.team_id == TEAM, Lead.owner_id == USER)
                ).scalar_one()
            print(
                f"seeded {args.leads:,} leads over {args.owners} owners in {seeded:.2f} s "
                f"({USER} owns {mine}); clicking lead {lead_id}",
                flush=True,
            )
            if conn is not None and load is not None:
                result, bot_cpu = serve_load_process(conn, bot, lead_id, time.monotonic() + args.deadline)
                load.join(timeout=10)
            else:
                assert bot.fake is not None

                def settle() -> tuple[bool, float]:
                    if args.workers:
                        return quiet_after(bot.fake, "response_url")
                    started = time.perf_counter()
                    return bot.deps.background.wait_idle(60), time.perf_counter() - started

                def mark() -> None:
                    if args.workers:  # the workers log into the same file
                        with log_file.open("a", encoding="utf-8") as log:
                            log.write(f"salesbot.requests {MEASURED_MARK}\n")
                        return
                    logging.getLogger("salesbot.requests").info(MEASURED_MARK)  # the log lines after it count

                result = run_load(bot.fake, bot.url, lead_id, args, settle, mark)
            threads = bot.threads
        server_ms = server_side_latencies(log_file)

    # ------------------------------------------------------------------------------------------ print
    outcomes, wall = result.outcomes, result.wall
    bad_bodies = sum(1 for o in outcomes if o.status == 200 and o.kind == "command" and not o.listed)
    rows = []
    for label, kind in (
        ("`/lead list` (slash command)", "command"),
        ("Open click (block_actions)", "click"),
        ("all", None),
    ):
        chosen = [o for o in outcomes if kind is None or o.kind == kind]
        failures = sum(1 for o in chosen if o.status != 200)
        rows.append(Row(label, len(chosen), failures, len(chosen) / wall, [o.seconds * 1000 for o in chosen]))
    header = ["request", "requests", "non-200", "req/s", "mean ms", "p50 ms", "p99 ms", "max ms"]
    kind_name = sa.engine.make_url(database_url).get_backend_name()

    print()
    print(f"### {kind_name}: {args.requests:,} requests, {args.concurrency} clients, {args.leads:,} leads")
    print()
    print(f"`{shlex.join(['python', *sys.argv])}`")
    print()
    print("| machine | |\n|---|---|")
    for key, value in machine_facts(database_url, engine_version):
        print(f"| {key} | {value} |")
    print()
    print("Time to HTTP response, measured by the client:")
    print()
    print(markdown_table(header, [row.cells() for row in rows]))
    print()
    server_rows = []
    for label, kind in (("`/lead list`", "command"), ("Open click", "click")):
        ms = sorted(server_ms[kind])
        if ms:
            cells = [
                f"{len(ms):,}",
                *(f"{value:.1f}" for value in (percentile(ms, 0.5), percentile(ms, 0.99), ms[-1])),
            ]
            server_rows.append([label, *cells])
    print("Inside the bot (Bolt dispatch, `latency_ms` of the request log):")
    print()
    print(markdown_table(["request", "logged", "p50 ms", "p99 ms", "max ms"], server_rows))
    print()
    overall = rows[-1]
    p99 = percentile(sorted(overall.ms), 0.99)
    errors = sorted({o.error for o in outcomes if o.error})
    if bot_cpu is None:
        print(
            f"- wall time {wall:.2f} s; CPU time of the process (bot, fake Slack and clients) "
            f"{result.cpu:.2f} s ({result.cpu / wall:.2f} cores)"
        )
    else:
        print(
            f"- wall time {wall:.2f} s; CPU time of the bot's process {bot_cpu:.2f} s "
            f"({bot_cpu / wall:.2f} cores); of the load process {result.cpu:.2f} s"
        )
    print(
        f"- whole machine busy {result.machine_busy:.2f} of {os.cpu_count()} CPUs during the run (every process, "
        f"PostgreSQL included); load average {result.load_before} before, {result.load_after} after"
    )
    print(
        f"- waitress threads {threads}; GIL switch interval {sys.getswitchinterval() * 1000:g} ms; "
        f"keep-alive {'on' if args.keep_alive else 'off'}; reconnects {result.reconnects}; "
        f"load in {'a separate process' if args.split else 'the bot process'}"
    )
    print(f"- `/lead list` answers without the list: {bad_bodies}")
    print(f"- background work drained {result.drained:.2f} s after the last response (idle: {result.idle})")
    print(f"- cards posted to response_url: {result.posts}/{rows[1].count}; Block Kit violations: {result.violations}")
    if errors:
        print(f"- client errors: {errors[:5]}")
    print(f"- target p99 < 100 ms: {'met' if p99 < 100 else 'MISSED'} (p99 {p99:.1f} ms)")
    failed = overall.failures or bad_bodies or result.posts != rows[1].count or result.violations
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
