"""Memory of `salesbot run --workers 2` under ten minutes of mixed load, against a bare Bolt app in the same run.

Both servers run at the same time, each with its own clients at the same fixed rate (`--rate`
requests/s): salesbot gets a mix of `/lead list` (40 %), `/lead TEXT` searches (30 %), `Open`
clicks that post a card after the ack (20 %) and `app_home_opened` events that publish Home
(10 %), as a rep's day does; the bare app (bench/bare_bolt.py, which only knows `/lead`) gets the
same number of `/lead` commands. A rep owning `--leads` leads asks everything.

Every `--sample` seconds the script records the total PSS (proportional set size: shared pages
split between the processes sharing them) of each server's supervisor and workers, from
/proc/PID/smaps_rollup. It reports PSS at minute 5 and at the end, the growth between them (the
target: within ±5 %), the total at the end (target ≤ 150 MB) and its ratio to the bare app's.

    python bench/memory_soak.py --minutes 10
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bench.ack_latency import SIGNING_SECRET, TEAM, USER, Clients, Prepared, click_request, seed_leads, signed  # noqa: E402
from bench.ack_vs_bolt import children, free_port, pss_mb, requests, served, wait_ready  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.deps import build_deps  # noqa: E402
from store.db import upgrade  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402


def home_event(verifier: SignatureVerifier, n: int) -> Prepared:
    body = {
        "token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
        "event_id": f"EvSoak{n}", "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": USER, "channel": "D1", "tab": "home",
                  "event_ts": f"{time.time():.6f}"},
    }  # fmt: skip
    prepared = signed(json.dumps(body), "application/json", verifier)
    prepared.kind = "home"
    return prepared


def salesbot_mix(fake: FakeSlack, verifier: SignatureVerifier, lead_id: int, count: int, start: int) -> list[Prepared]:
    """`count` requests in the 4:3:2:1 mix; events get ids from `start` on (never redelivered)."""
    commands = iter(requests(fake, verifier, count))  # list and search alternately
    batch = []
    for n in range(start, start + count):
        slot = n % 10
        if slot < 7:
            batch.append(next(commands))
        elif slot < 9:
            batch.append(click_request(fake, verifier, lead_id, n))
        else:
            batch.append(home_event(verifier, n))
    return batch


def drive(url: str, make_batch: object, rate: float, until: float, sent: list[int]) -> None:
    """Send batches at `rate` requests/s (4 client threads) until the monotonic time `until`."""
    clients = Clients(url, keep_alive=True)
    lock = threading.Lock()
    counter = itertools.count()

    def client() -> None:
        while time.monotonic() < until:
            with lock:
                n = next(counter)
            due = started + n / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            batch = make_batch(n)  # type: ignore[operator]
            clients.send(batch)
            sent[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    clients.close()


def sample(contestants: dict[str, object], seconds: float, until: float) -> dict[str, list[tuple[float, float]]]:
    series: dict[str, list[tuple[float, float]]] = {name: [] for name in contestants}
    start = time.monotonic()
    while time.monotonic() < until:
        time.sleep(min(seconds, max(0.0, until - time.monotonic())))
        for name, contestant in contestants.items():
            pid = contestant.process.pid  # type: ignore[attr-defined]
            series[name].append((time.monotonic() - start, pss_mb([pid, *children(pid)])))
        elapsed = time.monotonic() - start
        print(f"{elapsed / 60:5.1f} min: " + ", ".join(f"{n} {s[-1][1]:.1f} MB" for n, s in series.items()), flush=True)
    return series


def at(series: list[tuple[float, float]], seconds: float) -> float:
    return min(series, key=lambda point: abs(point[0] - seconds))[1]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=40.0, help="requests/s to each server")
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between PSS samples")
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="memory-soak-"))
    fake = FakeSlack(team_id=TEAM).start()
    verifier = SignatureVerifier(SIGNING_SECRET)
    url = f"sqlite:///{tmp / 'soak.db'}"
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SIGNING_SECRET,
                             slack_api_url=fake.api_url, database_url=url, slack_app_token=None)  # fmt: skip
    deps = build_deps(settings)
    upgrade(deps.engine)
    lead_id = seed_leads(deps, args.leads, owners=1)
    deps.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url,
               LOG_LEVEL="INFO", DATABASE_URL=url, PYTHONPATH=str(ROOT))  # fmt: skip
    probe = requests(fake, verifier, 1)[0]
    with ExitStack() as stack:
        port = free_port()
        run = [sys.executable, "-m", "bot", "run", "--no-scheduler", "--workers", str(args.workers)]
        salesbot = stack.enter_context(served("salesbot", [*run, "--host", "127.0.0.1", "--port", str(port)],
                                              ROOT, env, port, tmp / "salesbot.log"))  # fmt: skip
        bare_port = free_port()
        bare_command = [sys.executable, "-m", "bench.bare_bolt", "--workers", str(args.workers)]
        bare_command += ["--port", str(bare_port)]
        bare = stack.enter_context(served("bare Bolt", bare_command, ROOT, env, bare_port, tmp / "bare.log"))
        for contestant in (salesbot, bare):
            wait_ready(contestant, probe, args.workers)
        idle = {c.name: pss_mb([c.process.pid, *children(c.process.pid)]) for c in (salesbot, bare)}
        print(f"idle PSS: salesbot {idle['salesbot']:.1f} MB, bare Bolt {idle['bare Bolt']:.1f} MB")
        until = time.monotonic() + args.minutes * 60
        chunk = 500
        cache: dict[int, list[Prepared]] = {}

        def salesbot_request(n: int) -> Prepared:
            block = n // chunk
            if block not in cache:
                cache.clear()
                cache[block] = salesbot_mix(fake, verifier, lead_id, chunk, block * chunk)
            return cache[block][n % chunk]

        def bare_request(n: int) -> Prepared:
            return requests(fake, verifier, 1)[0]

        sent = {"salesbot": [0], "bare Bolt": [0]}
        drivers = [
            threading.Thread(target=drive, args=(salesbot.url, salesbot_request, args.rate, until, sent["salesbot"])),
            threading.Thread(target=drive, args=(bare.url, bare_request, args.rate, until, sent["bare Bolt"])),
        ]
        for thread in drivers:
            thread.start()
        series = sample({"salesbot": salesbot, "bare Bolt": bare}, args.sample, until)
        for thread in drivers:
            thread.join()
        report(args, idle, series, sent)
    fake.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def report(args: argparse.Namespace, idle: dict[str, float], series: dict, sent: dict[str, list[int]]) -> None:
    end = args.minutes * 60
    half = end / 2
    print(f"\n{args.minutes:g} minutes at {args.rate:g} req/s each; requests sent: "
          + ", ".join(f"{n} {s[0]:,}" for n, s in sent.items()))  # fmt: skip
    print("| server | idle PSS MB | PSS at half time | PSS at the end | growth, half → end | max |")
    print("|---|---|---|---|---|---|")
    for name, points in series.items():
        middle, last = at(points, half), points[-1][1]
        peak = max(p[1] for p in points)
        growth = (last - middle) / middle * 100
        print(f"| {name} | {idle[name]:.1f} | {middle:.1f} | {last:.1f} | {growth:+.1f} % | {peak:.1f} |")
    ratios = [s[1] / b[1] for s, b in zip(series["salesbot"], series["bare Bolt"], strict=False)]
    print(f"\nsalesbot / bare Bolt PSS, per sample: min {min(ratios):.2f} · median "
          f"{statistics.median(ratios):.2f} · max {max(ratios):.2f}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
