"""Scaling out on one PostgreSQL: one and two web instances, with one and with two schedulers.

Layouts, each started fresh on the same database (`--database-url`, a scratch PostgreSQL database:
its public schema is dropped and rebuilt):
  1 web + 1 scheduler    `salesbot run --no-scheduler --workers 1` and `salesbot scheduler`
  2 web + 1 scheduler    two such web instances on two ports, one scheduler
  2 web + 2 schedulers   two web instances, two schedulers claiming from the same outbox
and, as the reference measured in the same run, the bare Bolt app (bench/bare_bolt.py, one worker).

Per layout and round: `--reminders` appointment reminders fall due at the start (one per rep, across
`--reps` reps) while 20 clients send signed `/lead list` requests, spread over the web instances,
closed loop, for `--seconds`. Reported: requests per CPU-second of the web instances (their
processes' user + system time from /proc), its ratio to the bare app's in the same round, and the
reminders: how many chat.postMessage calls the fake Slack received per reminder (exactly once: 1.00,
and every outbox row `sent`), and the most client connections PostgreSQL held for the layout at once
(sampled every 50 ms: what `max_connections` must allow for). This machine has 2 cores, so throughput
cannot grow linearly with instances; requests per CPU-second shows what an instance costs, which is what
capacity planning needs.

    python bench/scale_out.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench --rounds 3
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bench import figures  # noqa: E402
from bench.ack_latency import SIGNING_SECRET, TEAM, Clients, Prepared, fire, reset_postgres, seed_leads  # noqa: E402
from bench.ack_vs_bolt import Contestant, children, cpu_seconds, free_port, requests, served, wait_ready  # noqa: E402
from bench.dispatch import seed as seed_reminders  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.deps import Deps, build_deps  # noqa: E402
from store.db import make_engine  # noqa: E402
from store.models import Outbox  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

LAYOUTS = {"1 web + 1 scheduler": (1, 1), "2 web + 1 scheduler": (2, 1), "2 web + 2 schedulers": (2, 2)}


def process_cpu(contestants: list[Contestant]) -> float:
    pids = [pid for c in contestants for pid in (c.process.pid, *children(c.process.pid))]
    return sum(cpu_seconds(pid) for pid in pids)


class Spread:
    """Requests spread round-robin over several web instances (one Clients per instance)."""

    def __init__(self, urls: list[str]) -> None:
        self.clients = [Clients(url, keep_alive=True) for url in urls]
        self.turn = 0

    def send(self, request: Prepared) -> object:
        self.turn += 1
        return self.clients[self.turn % len(self.clients)].send(request)

    def connection(self) -> object:
        return [c.connection() for c in self.clients]

    def close(self) -> None:
        for clients in self.clients:
            clients.close()


def load(urls: list[str], batch: list[Prepared], web: list[Contestant]) -> float:
    """Send `batch` closed loop from 20 clients; requests answered 200 per CPU-second of `web`."""
    spread = Spread(urls)
    before = process_cpu(web)
    outcomes, _wall, _cpu = fire(spread, batch, 20)  # type: ignore[arg-type]
    used = process_cpu(web) - before
    spread.close()
    return sum(1 for o in outcomes if o.status == 200) / max(used, 1e-9)


@contextmanager
def layout(name: str, env: dict[str, str], tmp: Path, probe: Prepared) -> Iterator[list[Contestant]]:
    webs, schedulers = LAYOUTS[name]
    with ExitStack() as stack:
        web = []
        for n in range(webs):
            port = free_port()
            command = [sys.executable, "-m", "bot", "run", "--no-scheduler", "--workers", "1",
                       "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
            web.append(stack.enter_context(served(f"web{n}", command, ROOT, env, port, tmp / f"web{n}.log")))
        for contestant in web:
            wait_ready(contestant, probe, 1)
        for n in range(schedulers):
            command = [sys.executable, "-m", "bot", "scheduler"]
            stack.enter_context(served(f"scheduler{n}", command, ROOT, env, 0, tmp / f"scheduler{n}.log"))
        yield web


class Backends:
    """The database's client connections, sampled every 50 ms from another connection while the layout is
    under load: how many a deployment's `max_connections` must allow for (this sampler's own excluded)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.samples: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        query = sa.text("SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = current_database()")
        with self.engine.connect() as connection:
            while not self.stop.is_set():
                self.samples.append(int(connection.execute(query).scalar_one()))
                time.sleep(0.05)

    def __enter__(self) -> Backends:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        self.engine.dispose()


def reminders_sent(url: str, fake: FakeSlack, expected: int, timeout: float = 120) -> tuple[int, int]:
    """(rows `sent`, chat.postMessage calls) once every reminder is out or `timeout` passes."""
    engine = make_engine(url)
    deadline = time.monotonic() + timeout
    sent = 0
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            sent = connection.execute(sa.select(sa.func.count()).where(Outbox.status == "sent")).scalar_one()
        if sent >= expected:
            break
        time.sleep(0.5)
    time.sleep(3)  # a duplicate would arrive within a tick or two
    engine.dispose()
    return int(sent), len(fake.calls_to("chat.postMessage"))


def round_of(
    name: str, args: argparse.Namespace, deps: Deps, fake: FakeSlack, env: dict[str, str], tmp: Path
) -> dict[str, float]:
    verifier = SignatureVerifier(SIGNING_SECRET)
    seed_reminders(args.database_url, rows=args.reminders, users=args.reps, due=datetime.now(UTC))
    seed_leads(deps, args.leads, owners=1)  # the reminders' seed clears the lead table
    fake.calls.clear()
    with layout(name, env, tmp, requests(fake, verifier, 1)[0]) as web, Backends(args.database_url) as backends:
        per_cpu = load([c.url for c in web], requests(fake, verifier, args.requests), web)
        sent, posts = reminders_sent(args.database_url, fake, args.reminders)
    return {"requests_per_cpu_s": per_cpu, "sent": sent, "posts_per_reminder": posts / max(1, args.reminders),
            "peak_connections": max(backends.samples, default=0)}  # fmt: skip


def bare_round(args: argparse.Namespace, fake: FakeSlack, env: dict[str, str], tmp: Path) -> float:
    verifier = SignatureVerifier(SIGNING_SECRET)
    port = free_port()
    command = [sys.executable, "-m", "bench.bare_bolt", "--workers", "1", "--port", str(port)]
    with served("bare", command, ROOT, env, port, tmp / "bare.log") as bare:
        wait_ready(bare, requests(fake, verifier, 1)[0], 1)
        return load([bare.url], requests(fake, verifier, args.requests), [bare])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a scratch PostgreSQL database (its schema is reset)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--reminders", type=int, default=500)
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--leads", type=int, default=10_000)
    args = parser.parse_args()
    reset_postgres(args.database_url, allow_any_name=False)
    fake = FakeSlack(team_id=TEAM).start()
    tmp = Path(tempfile.mkdtemp(prefix="scale-out-"))
    settings = load_settings(
        _env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url, database_url=args.database_url, slack_app_token=None,
    )  # fmt: skip
    deps = build_deps(settings)
    seed_reminders(args.database_url, rows=1, users=1, due=datetime.now(UTC))  # migrates the schema
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url,
               DATABASE_URL=args.database_url, LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))  # fmt: skip
    results: dict[str, list[dict[str, float]]] = {name: [] for name in LAYOUTS}
    bare: list[float] = []
    for number in range(args.rounds):
        names = list(LAYOUTS)
        names = names[number % len(names) :] + names[: number % len(names)]
        for name in names:
            results[name].append(round_of(name, args, deps, fake, env, tmp))
            print(f"round {number + 1} {name}: {results[name][-1]}", flush=True)
        bare.append(bare_round(args, fake, env, tmp))
        print(f"round {number + 1} bare Bolt: {bare[-1]:.0f} requests per CPU-second", flush=True)
    report(results, bare, args)
    deps.engine.dispose()
    fake.stop()
    return 0


spread = functools.partial(figures.spread, digits=1, thousands=True)


def report(results: dict[str, list[dict[str, float]]], bare: list[float], args: argparse.Namespace) -> None:
    print(f"\n{args.rounds} rounds; {args.requests:,} `/lead list` per layout and round (10,000 leads of the rep); "
          f"{args.reminders} reminders due at the start of each\n")  # fmt: skip
    print("| layout | requests per CPU-second (min / median / max) | ratio to bare Bolt, per round | "
          "outbox rows sent | chat.postMessage per reminder | peak PostgreSQL connections |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name, rounds in results.items():
        ratios = [r["requests_per_cpu_s"] / b for r, b in zip(rounds, bare, strict=True)]
        sent = spread([r["sent"] for r in rounds], digits=0)
        posts = spread([r["posts_per_reminder"] for r in rounds], digits=2)
        per_cpu = spread([r["requests_per_cpu_s"] for r in rounds], digits=0)
        peak = spread([r["peak_connections"] for r in rounds], digits=0)
        print(f"| {name} | {per_cpu} | {spread(ratios, digits=2)} | {sent} of {args.reminders} | {posts} | {peak} |")
    print(f"| bare Bolt (reference) | {spread(bare, digits=0)} | 1 | – | – | – |")


if __name__ == "__main__":
    sys.exit(main())
