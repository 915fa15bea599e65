"""A rep's day at the morning burst: how many reps one machine serves, against a bare Bolt app in the same run.

README's "Scaling out" estimated the reps one 2-core machine serves from the cost of one list. This measures
it with the mix a rep sends (`MIX`: App Home, `/lead` and `/opp` lists and searches, `/task list`, a
Timeline click) at rising fixed rates, in the 1M-opportunity workspace of bench/ack_surfaces.py, from the rep
who owns the most (10,000 leads, ~20,000 deals, 10,000 open tasks: every request costs what it costs the
busiest rep, so the figure is a floor).

Each round, for every contestant in turn (the order rotates): a closed loop of the mix (`--requests` from
`--concurrency` clients), then a ramp of fixed rates (`RATES`, `--seconds` each, latency from the scheduled
send time until the answer: the ack, or the fake Slack's `views.publish` / `views.open`), stopping at the
first rate the contestant does not hold (achieved < `HELD` of the offered rate, or p99 over `--p99-ms`).
Its capacity is the last rate it held; worker CPU per request is read at that rate.

A rep sends ~200 requests a day; at the 9:00 burst a fifth of them come in the first 15 minutes:
`BURST_RATE` = 40 / 900 s = 0.044 requests/s per rep. Reps served = capacity / BURST_RATE.
The bare app's ramp may stop at the load generator's own limit (it shares this machine's two cores): its
capacity is then a lower bound, and so the ratio salesbot / bare is a conservative one.

    python bench/rep_day.py --rounds 3 --sqlite /tmp/day/mine.db
    python bench/rep_day.py --rounds 3 --sqlite /tmp/day/mine.db --before /work/wt-base \\
        --before-sqlite /tmp/day/base.db
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bench import ack_surfaces as surfaces  # noqa: E402
from bench import ack_vs_bolt, pipeline  # noqa: E402
from bench.ack_latency import SIGNING_SECRET, TEAM, Prepared, load_average, machine_facts  # noqa: E402
from bench.ack_vs_bolt import Contestant, children, cpu_seconds, free_port, served, wait_ready  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

# (what, weight): Home when Slack opens, then mostly lists and searches, fewer Timeline clicks
MIX = (
    ("home", 3),
    ("lead-list", 2),
    ("lead-search", 2),
    ("opp-list", 2),
    ("opp-search", 2),
    ("task-list", 2),
    ("timeline", 1),
)
LEAD_SEARCHES = ack_vs_bolt.SEARCHES
RATES = (25, 40, 60, 90, 130, 200, 300, 450, 650, 950)
HELD = 0.95
TASKS = 10_000
BURST_RATE = 40 / 900


def one(kind: str, n: int, verifier: SignatureVerifier, fake: FakeSlack, opportunity: int) -> Prepared:
    """The n-th request of a kind; `kind` on the request is the receipt it waits for ('' : the ack)."""
    if kind == "home":
        return surfaces.home_opened(verifier)
    if kind == "timeline":
        return surfaces.timeline_click(verifier, opportunity)
    name, what = kind.split("-")
    if what == "list":
        text = "list"
    else:
        texts = LEAD_SEARCHES if name == "lead" else surfaces.SEARCHES
        text = texts[n % len(texts)]
    request = surfaces.command(verifier, fake, text, name=f"/{name}")
    request.kind = ""
    return request


def mixed(
    count: int, verifier: SignatureVerifier, fake: FakeSlack, opportunity: int, kinds: frozenset[str]
) -> list[Prepared]:
    """`count` requests in the mix's proportions, interleaved (a cycle of the weights, repeated)."""
    cycle = [kind for kind, weight in MIX if kind in kinds for _ in range(weight)]
    return [one(cycle[(n * 7) % len(cycle)], n // len(cycle), verifier, fake, opportunity) for n in range(count)]


def ramp(contestant: Contestant, fake: Any, make: Any, args: argparse.Namespace) -> dict[str, float]:
    """The highest rate held (0 if none), its p99 and the workers' CPU per request at it, and the first
    rate not held with what was achieved there."""
    held: dict[str, float] = {"capacity": 0.0, "p99_ms_at_capacity": float("nan"), "cpu_ms_at_capacity": float("nan")}
    for rate in RATES:
        workers = children(contestant.process.pid)
        before = [cpu_seconds(pid) for pid in workers]
        result = surfaces.fixed_rate(contestant, fake, make(int(rate * args.seconds)), rate, args.clients)
        cpu = sum(cpu_seconds(pid) - b for pid, b in zip(workers, before, strict=True))
        answered = result["rate_achieved"] * args.seconds
        if result["rate_achieved"] < HELD * rate or result["rate_p99_ms"] > args.p99_ms:
            held.update(failed_at=float(rate), achieved_there=result["rate_achieved"])
            return held
        held.update(capacity=float(rate), p99_ms_at_capacity=result["rate_p99_ms"],
                    cpu_ms_at_capacity=cpu / max(1.0, answered) * 1000)  # fmt: skip
    held.update(failed_at=float("nan"), achieved_there=float("nan"))
    return held


def prepare(url: str, args: argparse.Namespace) -> int:
    """bench/ack_surfaces.py's workspace, plus the rep's open tasks (bench/ack_cpu.py's); the Timeline's deal."""
    opportunity = surfaces.prepare_database(url, args.schema, args.leads)
    add_tasks(url)
    return opportunity


def add_tasks(url: str) -> None:
    """The rep's TASKS open tasks, once. `--before`'s copy gets only these (the task table is the same in
    every checkout so far): the rest of its data is bench/ack_surfaces.py's as its own code left it
    (`--seed-only` run in that checkout), its text indexes not tidied by this checkout's upkeep."""
    if surfaces.meta_value(url, "rep_day") != f"tasks={TASKS}":
        from bench.ack_cpu import seed_tasks
        from bot.config import load_settings
        from bot.deps import build_deps

        settings = load_settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SIGNING_SECRET,
                                 database_url=url, slack_app_token=None)  # fmt: skip
        deps = build_deps(settings)
        with deps.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM task WHERE team_id = :t"), {"t": TEAM})
        seed_tasks(deps, TASKS)
        with deps.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM bench_meta WHERE key = 'rep_day'"))
            connection.execute(sa.text("INSERT INTO bench_meta (key, value) VALUES ('rep_day', :v)"),
                               {"v": f"tasks={TASKS}"})  # fmt: skip
        deps.engine.dispose()


REPORTED = (
    ("mixed closed loop, req/s", "closed_rps"),
    ("mixed closed loop, p99 ms", "closed_p99_ms"),
    ("capacity: highest fixed rate held, req/s", "capacity"),
    ("p99 ms at that rate", "p99_ms_at_capacity"),
    ("worker CPU ms per request at that rate", "cpu_ms_at_capacity"),
    ("first rate not held, req/s", "failed_at"),
    ("achieved there, req/s", "achieved_there"),
    ("reps served at the 9:00 burst (capacity / 0.044)", "reps"),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=650, help="mixed closed-loop requests per round")
    parser.add_argument("--concurrency", type=int, default=20, help="closed-loop clients")
    parser.add_argument("--clients", type=int, default=64, help="fixed-rate client threads")
    parser.add_argument("--seconds", type=float, default=4.0, help="per rate of the ramp")
    parser.add_argument("--p99-ms", type=float, default=500.0, help="a rate is held if p99 stays under this")
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sqlite", default="/tmp/salesbot-bench-acks-1m.db")
    parser.add_argument("--database-url", default=None, help="PostgreSQL (the database, e.g. bench)")
    parser.add_argument("--schema", default="acks_1m", help="PostgreSQL: the kept schema")
    parser.add_argument("--before", type=Path, default=None, help="another checkout measured as `before`")
    parser.add_argument("--before-sqlite", default=None, help="`before`'s copy of the data")
    parser.add_argument("--before-schema", default=None, help="PostgreSQL: `before`'s kept schema")
    parser.add_argument("--kinds", default="", help="comma-separated kinds of MIX to send (default: all)")
    parser.add_argument("--seed-only", action="store_true")
    return parser.parse_args()


def start(stack: ExitStack, args: argparse.Namespace, fake: surfaces.ReceiptSlack, url: str) -> list[Contestant]:
    """salesbot of this checkout, `--before`'s on its own copy of the data, and the bare app: serving."""
    tmp = Path(tempfile.mkdtemp(prefix="rep-day-"))
    env = surfaces.server_env(fake, url)
    run = ["-m", "bot", "run", "--no-scheduler", "--workers", str(args.workers), "--host", "127.0.0.1", "--port"]
    port = free_port()
    contestants = [stack.enter_context(served("salesbot", [sys.executable, *run, str(port)], ROOT, env, port,
                                              tmp / "salesbot.log"))]  # fmt: skip
    if args.before:
        contestants.append(stack.enter_context(surfaces._before(args, fake, run, tmp)))
    port = free_port()
    bare = [sys.executable, "-m", "bench.bare_bolt", "--workers", str(args.workers), "--port", str(port)]
    contestants.append(stack.enter_context(served("bare Bolt", bare, ROOT, env, port, tmp / "bare.log")))
    return contestants


def main() -> int:
    args = parse_args()
    pg = args.database_url
    url = pipeline.postgres_schema(pg, args.schema) if pg else f"sqlite:///{args.sqlite}"
    opportunity = prepare(url, args)
    if args.before:
        before_schema = args.before_schema or f"{args.schema}_before"
        add_tasks(pipeline.postgres_schema(pg, before_schema) if pg else f"sqlite:///{args.before_sqlite}")
    if args.seed_only:
        return 0
    fake = surfaces.ReceiptSlack(team_id=TEAM)
    fake.start()
    verifier = SignatureVerifier(SIGNING_SECRET)
    kinds = frozenset(args.kinds.split(",") if args.kinds else (kind for kind, _ in MIX))
    make = functools.partial(mixed, verifier=verifier, fake=fake, opportunity=opportunity, kinds=kinds)
    with ExitStack() as stack:
        contestants = start(stack, args, fake, url)
        for contestant in contestants:
            wait_ready(contestant, one("opp-list", 0, verifier, fake, opportunity), args.workers)
            surfaces.closed_loop(contestant, fake, make(140), args.concurrency)  # warm-up, not counted
        for fact in machine_facts(url, ""):
            print(f"- {fact[0]}: {fact[1]}")
        print(f"- mix: {', '.join(f'{k} ×{w}' for k, w in MIX)}; load average before: {load_average()}")
        for number in range(args.rounds):
            for contestant in contestants[number % len(contestants) :] + contestants[: number % len(contestants)]:
                result = surfaces.closed_loop(contestant, fake, make(args.requests), args.concurrency)
                result.update(ramp(contestant, fake, make, args))
                result["reps"] = result["capacity"] / BURST_RATE
                contestant.rounds.append(result)
                print(f"round {number + 1} {contestant.name}: "
                      + ", ".join(f"{k}={v:,.2f}" for k, v in result.items()), flush=True)  # fmt: skip
        print(f"- load average after: {load_average()}\n")
        ack_vs_bolt.report(contestants, contestants[-1], REPORTED)
        medians = {c.name: statistics.median(r["reps"] for r in c.rounds) for c in contestants}
        print("\nreps served (median): " + ", ".join(f"{k} {v:,.0f}" for k, v in medians.items()))
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
