"""Start-up: `salesbot --help` and `salesbot run` to its first 200, against references in the same run.

Interleaved rounds of:
  import slack_bolt     `python -c 'import slack_bolt'` (the reference for --help)
  salesbot --help       `python -m bot --help` of this checkout
  before --help         the same from another checkout (`--before DIR`), if given
  bare Bolt first 200   bench/bare_bolt.py with one worker: process start to the first signed /lead answered
  bare Bolt + SQLAlchemy first 200
                        the same app opening salesbot's SQLite file through SQLAlchemy before serving
                        (create_engine, one SELECT, dispose: `bench.bare_bolt --database`)
  bare Bolt + SQLAlchemy + settings + tables first 200
                        the same, then salesbot's settings read, its tables imported and mapped, one ORM
                        read (`--models`): the floor no lazy import of salesbot's own modules can lower
  salesbot first 200    `python -m bot run --no-scheduler --workers 1`: the same (SQLite, migrated beforehand)
  before first 200      the same from the `--before` checkout, if given
  ... with the scheduler
                        with `--scheduler`: `python -m bot run --workers 1` (the scheduler process too), and before
Each server is started once, untimed, before the rounds (what a first start writes, written).

    python bench/startup.py --rounds 5 [--before /tmp/before] [--scheduler]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bench import figures  # noqa: E402
from bench.ack_latency import SIGNING_SECRET, Clients, signed  # noqa: E402
from bench.ack_vs_bolt import free_port  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402


def timed_command(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def first_200(command: list[str], env: dict[str, str], port: int, fake: FakeSlack, cwd: Path = ROOT) -> float:
    """Seconds from starting `command` to the first signed `/lead list` answered 200 on `port`."""
    body = urlencode({"team_id": "T1", "user_id": "U1", "command": "/lead", "text": "list",
                      "response_url": fake.response_url(), "trigger_id": "1.1.t", "channel_id": "C1"})  # fmt: skip
    verifier = SignatureVerifier(SIGNING_SECRET)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 60:
            clients = Clients(f"http://127.0.0.1:{port}/slack/events", keep_alive=False, timeout=5)
            try:
                if clients.send(signed(body, "application/x-www-form-urlencoded", verifier)).status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            finally:
                clients.close()
            time.sleep(0.01)
        raise SystemExit(f"no 200 within 60 s from {command}")
    finally:
        process.terminate()
        process.wait(timeout=30)


spread = functools.partial(figures.spread, digits=0, thousands=True, scale=1000)  # seconds, shown in ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--scheduler", action="store_true", help="also time `salesbot run` with its scheduler")
    args = parser.parse_args()
    fake = FakeSlack(team_id="T1").start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url,
               DATABASE_URL=f"sqlite:///{tmp / 'startup.db'}", PYTHONPATH=str(ROOT))  # fmt: skip
    python = sys.executable
    # as a deployment runs: bytecode compiled once (PYTHONDONTWRITEBYTECODE, set on some machines,
    # would otherwise charge every start with compiling salesbot's ~200 modules)
    subprocess.run([python, "-m", "compileall", "-q", "bot", "store", "handlers", "scheduler"], cwd=ROOT, check=True)
    subprocess.run([python, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    measures: dict[str, Callable[[], float]] = {
        "import slack_bolt": lambda: timed_command([python, "-c", "import slack_bolt"], ROOT, env),
        "salesbot --help": lambda: timed_command([python, "-m", "bot", "--help"], ROOT, env),
    }
    if args.before:
        subprocess.run([python, "-m", "compileall", "-q", "bot", "store", "handlers", "scheduler"], cwd=args.before,
                       check=True)  # fmt: skip
        # its own database, migrated by its own code (it may not know this checkout's newest migration)
        before_env = {**env, "PYTHONPATH": str(args.before), "DATABASE_URL": f"sqlite:///{tmp / 'before.db'}"}
        subprocess.run([python, "-m", "bot", "db", "upgrade"], cwd=args.before, env=before_env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        measures["before --help"] = lambda: timed_command([python, "-m", "bot", "--help"], args.before, before_env)
    port = free_port()
    bare = [python, "-m", "bench.bare_bolt", "--workers", "1", "--port", str(port)]
    run = [python, "-m", "bot", "run", "--no-scheduler", "--workers", "1", "--host", "127.0.0.1", "--port", str(port)]
    measures["bare Bolt first 200"] = lambda: first_200(bare, env, port, fake)
    bare_sqlalchemy = [*bare, "--database", env["DATABASE_URL"]]
    measures["bare Bolt + SQLAlchemy first 200"] = lambda: first_200(bare_sqlalchemy, env, port, fake)
    floor = [*bare_sqlalchemy, "--models"]
    measures["bare Bolt + SQLAlchemy + settings + tables first 200"] = lambda: first_200(floor, env, port, fake)
    measures["salesbot first 200"] = lambda: first_200(run, env, port, fake)
    if args.before:
        measures["before first 200"] = lambda: first_200(run, before_env, port, fake, args.before)
    if args.scheduler:
        with_scheduler = [c for c in run if c != "--no-scheduler"]
        measures["salesbot first 200, with the scheduler"] = lambda: first_200(with_scheduler, env, port, fake)
        if args.before:
            measures["before first 200, with the scheduler"] = lambda: first_200(
                with_scheduler, before_env, port, fake, args.before
            )
    # one untimed start of each server first, as after a deployment's first start: the OS's file cache warm
    for name, measure in measures.items():
        if name.endswith("first 200"):
            measure()
    results: dict[str, list[float]] = {name: [] for name in measures}
    print("load average at the start: " + " / ".join(f"{x:.2f}" for x in os.getloadavg()))
    for _ in range(args.rounds):
        for name, measure in measures.items():
            results[name].append(measure())
    print("load average at the end: " + " / ".join(f"{x:.2f}" for x in os.getloadavg()) + "\n")
    print("| measure | ms min / median / max |\n|---|---|")
    for name, values in results.items():
        print(f"| {name} | {spread(values)} |")
    print("\n| ratio (per round) | min / median / max |\n|---|---|")
    with_sqlalchemy = "bare Bolt + SQLAlchemy first 200"
    with_tables = "bare Bolt + SQLAlchemy + settings + tables first 200"
    pairs = [("salesbot --help", "import slack_bolt"), ("before --help", "import slack_bolt"),
             ("salesbot first 200", "bare Bolt first 200"), ("before first 200", "bare Bolt first 200"),
             ("salesbot first 200", with_sqlalchemy), ("before first 200", with_sqlalchemy),
             ("salesbot first 200", with_tables), ("before first 200", with_tables),
             (with_tables, "bare Bolt first 200"),
             (with_sqlalchemy, "bare Bolt first 200"), ("salesbot first 200", "before first 200"),
             ("salesbot first 200, with the scheduler", "bare Bolt first 200"),
             ("before first 200, with the scheduler", "bare Bolt first 200"),
             ("salesbot first 200, with the scheduler", "before first 200, with the scheduler")]  # fmt: skip
    for measured, reference in pairs:
        if measured in results and reference in results:
            ratios = [m / r for m, r in zip(results[measured], results[reference], strict=True)]
            print(f"| {measured} / {reference} | " + " / ".join(f"{r:.2f}" for r in
                  (min(ratios), statistics.median(ratios), max(ratios))) + " |")  # fmt: skip
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
