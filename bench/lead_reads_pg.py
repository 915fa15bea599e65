"""CPU of `/lead list` and `/lead TEXT`'s reads on PostgreSQL: the calling thread's and the server
backend's, per call, this checkout against another (`--before`), each on its own schema of the same data.

The closed loops of bench/ack_vs_bolt.py measure whole requests on a machine shared with the load
generator and PostgreSQL, so a server-side change shows there only as a few percent of a noisy
throughput. This calls the services the acks call (bot.services.leads.my_open_leads and search, the
rep U1 with 10,000 leads, as seeded by bench/ack_vs_bolt.py) in one thread, on the one connection the
reads keep, and reads the backend's CPU from /proc (the server must run on this machine): CPU time, not
wall time, so other processes' load changes the figures less. Rounds alternate the checkouts.

    python bench/lead_reads_pg.py --rounds 3 --before /work/wt-base \\
        --url 'postgresql+psycopg://postgres@127.0.0.1:5432/bench?options=-csearch_path%3Dmine' \\
        --before-url 'postgresql+psycopg://postgres@127.0.0.1:5432/bench?options=-csearch_path%3Dbase'
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ("list", "müller", "cafe centrale", "grinders", "nordlicht 12", "lumen")  # bench/ack_vs_bolt.py's


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(url: str, calls: int) -> None:
    """In the checkout's process: {text: [thread CPU ms, backend CPU ms]} per call, as JSON."""
    from bot.domain.text import fold
    from bot.services import leads
    from store.db import make_engine, session_factory
    from store.prepared import reading
    from store.users import Asker

    engine = make_engine(url)
    new_session = session_factory(engine)
    asker = Asker(team_id="T1", user_id="U1", admin_ids=frozenset())

    def call(text: str) -> object:
        if text == "list":
            return leads.my_open_leads(engine, team_id="T1", owner_id="U1", limit=20)
        return leads.search(engine, new_session, asker=asker, folded=fold(text), limit=10)

    call("list")
    with reading(engine) as reader:
        cursor = reader.connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    figures = {}
    for text in TEXTS:
        for _ in range(50):
            call(text)
        thread, backend = time.thread_time(), backend_cpu(pid)
        for _ in range(calls):
            call(text)
        figures[text] = [(time.thread_time() - thread) / calls * 1e3, (backend_cpu(pid) - backend) / calls * 1e3]
    print(json.dumps(figures))


def spread(values: list[float], digits: int = 3) -> str:
    return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / {max(values):.{digits}f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--url", required=True, help="this checkout's seeded schema")
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--before-url", required=True, help="`before`'s seeded schema")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.url, args.calls)
        return 0
    contestants = {"this": (ROOT, args.url), "before": (args.before, args.before_url)}
    results: dict[str, list[dict[str, list[float]]]] = {name: [] for name in contestants}
    for number in range(args.rounds):
        for name in list(contestants)[:: 1 if number % 2 == 0 else -1]:
            root, url = contestants[name]
            script = str(Path(__file__).resolve())
            command = [sys.executable, script, "--child", "--url", url, "--calls", str(args.calls),
                       "--before", str(root), "--before-url", url]  # fmt: skip
            env = {**os.environ, "PYTHONPATH": str(root)}
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, timeout=600, check=True)
            results[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"round {number + 1} {name}: {results[name][-1]}", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}\n")
    print("| read, ms CPU per call (min / median / max) | this | before | this / before (per round) |")
    print("|---|---|---|---|")
    for text in TEXTS:
        for part, label in ((0, "thread"), (1, "backend")):
            this = [r[text][part] for r in results["this"]]
            before = [r[text][part] for r in results["before"]]
            ratios = [a / b for a, b in zip(this, before, strict=True) if b]
            print(f"| `{text}` {label} | {spread(this)} | {spread(before)} | {spread(ratios, 2)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
