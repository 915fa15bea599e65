"""Acks of `salesbot run --workers N` against a bare Bolt app on the same server, in the same run.

Contestants, each a child process serving on loopback with N waitress workers:
  salesbot  `python -m bot run --no-scheduler --workers N` of this checkout;
  before    (with `--before DIR`) the same command from another checkout, e.g. the code before a change
            (`git worktree add /tmp/before <commit>` or `git archive <commit> | tar -x -C /tmp/before`);
  bare      bench/bare_bolt.py: one `/lead` listener acking a static text, process_before_response=True,
            served by the same `bot.server.serve_http_workers`.
The database is seeded with `--leads` leads all owned by the rep who asks (U1); each contestant with a
database gets a copy of its own. Requests: signed `/lead list` and `/lead TEXT` (a search) slash
commands, half each (`--mix list` or `--mix search` for one kind), answered in the ack; `--mix task`:
`/task list` of the rep with `--tasks` open tasks (bench/ack_cpu.py's seed), the bare app acking `/task`.

Each round runs, for every contestant in turn (the order rotates by round): a closed loop
(`--requests` requests from `--concurrency` keep-alive clients, as fast as answered) and a fixed-rate
open loop (`--rate` requests/s for `--seconds`; latency counted from the scheduled send time, so a
server falling behind is charged for the queue). Per-worker CPU comes from /proc. The figures are
min/median/max over the rounds and the ratio salesbot/bare of each round.

The load generator is Python (http.client threads in this process; `wrk`/`hey` are not installed
here): it shares the machine's cores with the servers, so the bare app's throughput is partly bounded
by the clients, which makes the throughput ratio conservative.

    python bench/ack_vs_bolt.py --rounds 3
    python bench/ack_vs_bolt.py --rounds 3 --before /tmp/perf-before

On PostgreSQL (`--database-url`) every contestant shares the one database: point it at a scratch one;
`--before-database-url` gives `before` another (e.g. when this checkout's migrations change indexes its
queries rely on and `before`'s do not).
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bench import figures, tail_trace  # noqa: E402
from bench.ack_latency import (  # noqa: E402
    SIGNING_SECRET,
    TEAM,
    USER,
    Clients,
    Prepared,
    busy_seconds,
    load_average,
    machine_facts,
    percentile,
    seed_leads,
    signed,
    upkeep_as,
)
from bench.raw_clients import RawClients  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.deps import Deps, build_deps  # noqa: E402
from store.db import upgrade  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

SEARCHES = ("müller", "cafe centrale", "grinders", "nordlicht 12", "lumen")


@dataclass
class Contestant:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    rounds: list[dict[str, float]] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            found.append(int(status.parent.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def context_switches(pid: int) -> int:
    """Voluntary and involuntary context switches of every thread of `pid` so far (/proc/PID/task/*/status)."""
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in lines if "ctxt_switches:" in line)
    return total


def pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


MIX = "mix"  # set from --mix: "mix" (list and search alternately), "list", "search" or "task" (`/task list`)


def requests(fake: FakeSlack, verifier: SignatureVerifier, count: int) -> list[Prepared]:
    prepared = []
    for n in range(count):
        listing = MIX in ("list", "task") or (MIX == "mix" and n % 2 == 0)
        text = "list" if listing else SEARCHES[n % len(SEARCHES)]
        fields = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "example",
            "channel_id": "C1",
            "channel_name": "sales",
            "user_id": USER,
            "user_name": "u1",
            "command": "/task" if MIX == "task" else "/lead",
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": fake.response_url(),
            "trigger_id": f"{n}.1.trigger",
        }
        request = signed(urlencode(fields), "application/x-www-form-urlencoded", verifier)
        request.kind = "list" if text == "list" else "search"
        prepared.append(request)
    return prepared


@contextmanager
def served(name: str, command: list[str], cwd: Path, env: dict[str, str], port: int, log: Path) -> Iterator[Contestant]:
    env = tail_trace.traced_env(name, env)
    with log.open("a", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    contestant = Contestant(name, f"http://127.0.0.1:{port}/slack/events", process)
    try:
        yield contestant
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_ready(contestant: Contestant, probe: Prepared, workers: int, deadline: float = 90) -> None:
    """Until every worker listens (its own socket) and a request is answered 200."""
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        if contestant.process.poll() is not None:
            raise SystemExit(f"{contestant.name} exited early")
        if len(children(contestant.process.pid)) >= workers:
            clients = Clients(contestant.url, keep_alive=False, timeout=5)
            try:
                if clients.send(probe).status == 200:
                    time.sleep(1.0)  # the other workers finish building their apps
                    return
            except OSError:
                pass
            finally:
                clients.close()
        time.sleep(0.2)
    raise SystemExit(f"{contestant.name} did not answer within {deadline} s")


def acked(clients: Clients, request: Prepared) -> float | None:
    """Send; when it was answered 200 (perf_counter), else None."""
    return time.perf_counter() if clients.send(request).status == 200 else None


def closed_loop(
    contestant: Contestant, batch: list[Prepared], concurrency: int,
    send: Callable[[Clients, Prepared], float | None] = acked,
) -> dict[str, float]:  # fmt: skip
    """`concurrency` clients, each sending its next request once `send` says the last was answered (the
    ack, or for bench/ack_surfaces.py the fake Slack's receipt); per-worker CPU and the machine's load."""
    workers = children(contestant.process.pid)
    cpu_before = [cpu_seconds(pid) for pid in workers]
    switches_before = sum(context_switches(pid) for pid in workers)
    busy_before = busy_seconds()
    clients = Clients(contestant.url, keep_alive=True)
    latencies, wall = _answered(clients, batch, concurrency, send)
    clients.close()
    cpu = [cpu_seconds(pid) - before for pid, before in zip(workers, cpu_before, strict=True)]
    switches = sum(context_switches(pid) for pid in workers) - switches_before
    return {
        "closed_rps": len(latencies) / wall,
        "closed_p50_ms": percentile(latencies, 0.50) * 1000,
        "closed_p99_ms": percentile(latencies, 0.99) * 1000,
        "errors": float(len(batch) - len(latencies)),
        "cpu_ms_per_request": sum(cpu) / max(1, len(latencies)) * 1000,
        "worker_cpu_share_min": min(cpu) / sum(cpu) if sum(cpu) else 0.0,  # 0.5 = an even split of two
        "switches_per_request": switches / max(1, len(latencies)),
        "machine_busy": (busy_seconds() - busy_before) / wall,
        "pss_mb": pss_mb([contestant.process.pid, *workers]),
    }


def _answered(
    clients: Clients, batch: list[Prepared], concurrency: int, send: Callable[[Clients, Prepared], float | None]
) -> tuple[list[float], float]:
    """Each answered request's latency (sorted) and the wall time of the whole batch."""
    latencies: list[float] = []
    lock = threading.Lock()

    def one(request: Prepared) -> None:
        started = time.perf_counter()
        arrived = send(clients, request)
        if arrived is not None:
            with lock:
                latencies.append(arrived - started)

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="client") as pool:
        barrier = threading.Barrier(concurrency)  # every client's connection open before the clock starts
        list(pool.map(lambda _: (clients.connection(), barrier.wait(timeout=30)), range(concurrency)))
        started = time.perf_counter()
        list(pool.map(one, batch))
        wall = time.perf_counter() - started
    latencies.sort()
    return latencies, wall


def fixed_rate(
    contestant: Contestant, batch: list[Prepared], rate: float, concurrency: int,
    send: Callable[[Clients, Prepared], float | None] = acked,
) -> dict[str, float]:  # fmt: skip
    """Open loop: request i is due at start + i/rate; its latency counts from then until `send` says it
    was answered (the ack, or for bench/ack_surfaces.py the fake Slack's receipt). BENCH_FIXED_CLIENT=raw:
    the clients write pre-encoded requests on raw sockets (bench/raw_clients.py), cheaper than http.client."""
    clients: Any = Clients(contestant.url, keep_alive=True)
    if os.environ.get("BENCH_FIXED_CLIENT") == "raw":
        clients = RawClients(contestant.url)
        clients.prepare(batch)
    workers = children(contestant.process.pid)
    switches_before = sum(context_switches(pid) for pid in workers)
    latencies: list[float] = []
    trace: list[tuple[int, float, float, float]] = []
    lock, cursor = threading.Lock(), iter(range(len(batch)))
    start = time.perf_counter() + 0.2

    def worker(_: int) -> None:
        clients.connection()
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            sent = time.perf_counter()
            arrived = send(clients, batch[index])
            with lock:
                trace.append((index, due, sent, arrived or 0.0))
                if arrived is not None:
                    latencies.append(arrived - due)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    wall = time.perf_counter() - start
    clients.close()
    latencies.sort()
    tail_trace.record_phase(contestant.name, sorted(trace))
    return {
        "rate_achieved": len(latencies) / wall,
        "rate_p50_ms": percentile(latencies, 0.50) * 1000,
        "rate_p99_ms": percentile(latencies, 0.99) * 1000,
        # how late the client threads sent (they share this process's GIL and the machine's cores with the
        # servers): a part of every contestant's p99 that no server causes (bench/tail_report.py splits it)
        "rate_client_late_p99_ms": percentile(sorted(sent - due for _, due, sent, _ in trace), 0.99) * 1000,
        "rate_switches_per_request": (sum(context_switches(pid) for pid in workers) - switches_before)
        / max(1, len(latencies)),
    }


spread = functools.partial(figures.spread, digits=1, thousands=True)


METRICS = (
    ("closed loop req/s", "closed_rps"),
    ("closed loop p50 ms", "closed_p50_ms"),
    ("closed loop p99 ms", "closed_p99_ms"),
    ("fixed-rate achieved req/s", "rate_achieved"),
    ("fixed-rate p50 ms", "rate_p50_ms"),
    ("fixed-rate p99 ms", "rate_p99_ms"),
    ("fixed-rate: the client's own lateness to send, p99 ms", "rate_client_late_p99_ms"),
    ("workers' context switches per request (fixed rate)", "rate_switches_per_request"),
    ("worker CPU ms per request", "cpu_ms_per_request"),
    ("least busy worker's CPU share", "worker_cpu_share_min"),
    ("workers' context switches per request", "switches_per_request"),
    ("machine CPUs busy (closed loop)", "machine_busy"),
    ("PSS of the processes, MB", "pss_mb"),
    ("errors", "errors"),
)


def report(
    contestants: list[Contestant], reference: Contestant, metrics: tuple[tuple[str, str], ...] = METRICS
) -> None:
    """A markdown table: each metric's min / median / max per contestant, and each one's ratio to the
    reference per round."""
    names = [c.name for c in contestants]
    header = ["metric (min / median / max)", *names]
    header += [f"{c.name} / {reference.name} (ratio per round)" for c in contestants if c is not reference]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, key in metrics:
        cells = [label] + [spread([r[key] for r in c.rounds]) for c in contestants]
        for c in contestants:
            if c is reference:
                continue
            pairs = zip(c.rounds, reference.rounds, strict=True)
            ratios = [r[key] / ref[key] if ref[key] else float("nan") for r, ref in pairs]
            cells.append(spread(ratios, digits=2) if key != "errors" else "–")
        print("| " + " | ".join(cells) + " |")


BARE, READ_REFERENCE = "bare Bolt", "bare Bolt + 1 read"
READ_REFERENCE_HELP = "also the bare app making one database read per request (bench/bare_bolt.py --reads)"


def references(
    stack: ExitStack, args: argparse.Namespace, env: dict[str, str], tmp: Path, url: str
) -> list[Contestant]:
    """The bare app (last: the reference of every ratio) and, with `--read-reference`, the bare app making one
    read of the database per request before it: how much of salesbot's distance from the bare app a single
    round trip to the database already takes (on PostgreSQL the server shares the machine's two cores)."""
    command = [sys.executable, "-m", "bench.bare_bolt", "--workers", str(args.workers), "--port"]
    served_ones = []
    if args.read_reference:
        port = free_port()
        reads = [*command, str(port), "--reads", url]
        served_ones.append(stack.enter_context(served(READ_REFERENCE, reads, ROOT, env, port, tmp / "reads.log")))
    port = free_port()
    served_ones.append(stack.enter_context(served(BARE, [*command, str(port)], ROOT, env, port, tmp / "bare.log")))
    return served_ones


def report_against_references(contestants: list[Contestant]) -> None:
    """`report` against the bare app (the last contestant); with the read reference among them, the others
    against it too."""
    report(contestants, contestants[-1])
    reads = [c for c in contestants if c.name == READ_REFERENCE]
    if reads:
        print(f"\nAgainst {READ_REFERENCE}:\n")
        report([c for c in contestants if c.name != BARE], reads[0])


SLOW_METHODS = ("views.publish", "views.open", "views.push", "chat.postMessage", "chat.postEphemeral")
SLACK_LATENCY_HELP = "the fake Slack answers views.publish/open/push and chat.postMessage/postEphemeral this late"


def slow_slack(fake: FakeSlack, latency_ms: float) -> None:
    """Slack's own latency on the calls that answer users (100-300 ms for a views.publish): the fake's 1 ms
    hides what a thread waiting for Slack costs."""
    for method in SLOW_METHODS:
        fake.latency[method] = latency_ms / 1000


def fixed_clients(args: argparse.Namespace) -> int:
    """Clients of the fixed-rate loop: enough that each waits for Slack's answer (the slow fake's) without
    the loop running out of clients (50 clients at 150 ms could send at most 333 req/s)."""
    return max(args.concurrency, 50, int(args.rate * args.slack_latency_ms / 1000 * 2))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1_000, help="closed-loop requests per round and contestant")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rate", type=float, default=300.0, help="fixed-rate requests/s")
    parser.add_argument("--seconds", type=float, default=4.0, help="fixed-rate duration per round")
    parser.add_argument("--leads", type=int, default=10_000, help="leads owned by the rep asking")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slack-latency-ms", type=float, default=0.0, help=SLACK_LATENCY_HELP)
    parser.add_argument("--before", type=Path, default=None, help="another checkout to measure as `before`")
    parser.add_argument("--database-url", default=None, help="default: temporary SQLite files")
    before_help = "PostgreSQL: an empty schema for `before`, migrated and seeded by its checkout"
    parser.add_argument("--before-database-url", default=None, help=before_help)
    parser.add_argument("--read-reference", action="store_true", help=READ_REFERENCE_HELP)
    parser.add_argument("--shared-socket", action="store_true", help="salesbot: one socket shared by the workers")
    kinds = ("mix", "list", "search", "task")
    parser.add_argument("--mix", choices=kinds, default="mix", help="requests: both, one kind, or `/task list`")
    parser.add_argument("--tasks", type=int, default=10_000, help="--mix task: the rep's open tasks")
    return parser.parse_args()


def _seed(deps: Deps, args: argparse.Namespace, root: Path = ROOT) -> None:
    """The rep's leads, and with `--mix task` their open tasks (bench/ack_cpu.py's); then the text index upkeep
    of the checkout at `root`, as its server does after a bulk load (`upkeep_as`)."""
    seed_leads(deps, args.leads, owners=1, tidy=False)
    if MIX == "task":
        from bench.ack_cpu import seed_tasks

        seed_tasks(deps, args.tasks)
    upkeep_as(root, deps.settings.database_url)
    deps.engine.dispose()


def main() -> int:
    global MIX
    args = parse_args()
    MIX = args.mix
    tmp = Path(tempfile.mkdtemp(prefix="ack-vs-bolt-"))
    fake = FakeSlack(team_id=TEAM).start()
    slow_slack(fake, args.slack_latency_ms)
    verifier = SignatureVerifier(SIGNING_SECRET)
    base_url = args.database_url or f"sqlite:///{tmp / 'seed.db'}"
    settings = load_settings(
        _env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url, database_url=base_url, slack_app_token=None,
    )  # fmt: skip
    deps = build_deps(settings)
    seeded = time.perf_counter()
    # `before` gets a database of its own, migrated by its own checkout (a file, or --before-database-url)
    before_url = args.before_database_url or (None if args.database_url else f"sqlite:///{tmp / 'before.db'}")
    if args.before and before_url:
        subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=args.before, check=True,
                       env={**os.environ, "DATABASE_URL": before_url, "PYTHONPATH": str(args.before)},
                       stdout=subprocess.DEVNULL)  # fmt: skip
        before_deps = build_deps(load_settings(**{**settings.model_dump(), "database_url": before_url}))
        _seed(before_deps, args, args.before)
    upgrade(deps.engine)
    _seed(deps, args)
    print(f"seeded {args.leads:,} leads of one rep in {time.perf_counter() - seeded:.1f} s")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url,
               LOG_LEVEL="INFO", DATABASE_URL=base_url)  # fmt: skip
    if args.shared_socket:
        env["SALESBOT_SHARED_SOCKET"] = "1"
    run = ["-m", "bot", "run", "--no-scheduler", "--workers", str(args.workers), "--host", "127.0.0.1", "--port"]
    probe = requests(fake, verifier, 1)[0]
    with ExitStack() as stack:
        contestants = []
        here = {**env, "PYTHONPATH": str(ROOT)}
        port = free_port()
        command = [sys.executable, *run, str(port)]
        contestants.append(stack.enter_context(served("salesbot", command, ROOT, here, port, tmp / "salesbot.log")))
        if args.before:
            port = free_port()
            before_env = {**env, "PYTHONPATH": str(args.before)}
            if before_url:
                before_env["DATABASE_URL"] = before_url
            contestants.append(stack.enter_context(served(
                "before", [sys.executable, *run, str(port)], args.before, before_env, port, tmp / "before.log"
            )))  # fmt: skip
        contestants += references(stack, args, here, tmp, base_url)
        for contestant in contestants:
            wait_ready(contestant, probe, args.workers)
            closed_loop(contestant, requests(fake, verifier, 100), args.concurrency)  # warm-up, not counted
        for machine_fact in machine_facts(base_url, ""):
            print(f"- {machine_fact[0]}: {machine_fact[1]}")
        print(f"- load average before: {load_average()}")
        for round_number in range(args.rounds):
            order = contestants[round_number % len(contestants) :] + contestants[: round_number % len(contestants)]
            for contestant in order:
                result = closed_loop(contestant, requests(fake, verifier, args.requests), args.concurrency)
                batch = requests(fake, verifier, int(args.rate * args.seconds))
                result.update(fixed_rate(contestant, batch, args.rate, fixed_clients(args)))
                contestant.rounds.append(result)
                print(f"round {round_number + 1} {contestant.name}: "
                      + ", ".join(f"{k}={v:,.2f}" for k, v in result.items()), flush=True)  # fmt: skip
        print(f"- load average after: {load_average()}\n")
        report_against_references(contestants)
    fake.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
