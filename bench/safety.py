"""Safety figures: how long a New lead submission takes to be acked while another connection holds the
database's write lock (SQLite) or the lead table (PostgreSQL), against the same submission without the
lock, and how many posts a 429 storm lets through inside a cool-down.

    python bench/safety.py
    python bench/safety.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Ack: `--rounds` interleaved rounds (>= 3), each timing `--per-round` submissions without the lock (the
reference) and as many with it held; min/median/max per case and the ratio of the medians. The lock
is held for the whole timed submission (the issue's 8 s lock outlasts it). On PostgreSQL a schema of
its own is created and dropped. Storm: `--reminders` appointment reminders for `--users` users due at
once, 8 sending threads, a fake Slack answering one post in `--limited-every` with 429 Retry-After 3;
the dispatcher runs on a virtual clock (ticks every 0.5 s) until everything is sent, and the posts
Slack received inside a cool-down (a Retry-After it gave, or 1 s after the last post to that channel)
are counted. Results: docs/performance.md, "Safety under a held lock and a 429 storm".
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import time_machine  # noqa: E402

from bench import figures  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.deps import build_deps  # noqa: E402
from bot.server import EVENTS_PATH, make_http_server, run_until  # noqa: E402
from bot.slack_client import make_client  # noqa: E402
from scheduler.dispatcher import Dispatcher  # noqa: E402
from store.appointments import create_appointment  # noqa: E402
from store.db import transaction  # noqa: E402
from tests.conftest import SIGNING_SECRET, make_settings  # noqa: E402
from tests.safety.test_ack_budget import held_lock  # noqa: E402
from tests.safety.test_retry_after import T0, calls_inside_cool_downs  # noqa: E402
from tests.slack.driver import SlackDriver  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402


def database(kind: str, postgres_url: str) -> AbstractContextManager[str]:
    return scratch_database(kind, postgres_url, "safety")


def ack_figures(url: str, rounds: int, per_round: int) -> dict[str, list[float]]:
    fake = FakeSlack().start()
    deps = build_deps(make_settings(url, fake))
    app, _ = create_app(deps)
    server = make_http_server(app, "127.0.0.1", 0, threads=8)
    stop = threading.Event()
    threading.Thread(target=run_until, args=(server, stop), daemon=True).start()
    driver = SlackDriver(f"http://127.0.0.1:{server.effective_port}{EVENTS_PATH}", SIGNING_SECRET, fake, lambda: None)
    user = driver.as_user()
    user.command("/lead")
    deps.background.wait_idle()
    view = fake.last_view("views.open")
    times: dict[str, list[float]] = {"free": [], "locked": []}
    refused = 0
    try:
        for round_ in range(rounds):
            for case in ("free", "locked") if round_ % 2 == 0 else ("locked", "free"):
                for n in range(per_round):
                    fields = {"Topic": f"Bench {round_}-{case}-{n}", "Last name": f"Rossi {round_}{case}{n}"}
                    with held_lock(url) if case == "locked" else _nothing():
                        started = time.perf_counter()
                        response = user.submit(view, fields)
                        times[case].append(time.perf_counter() - started)  # the ack only: no settling
                    deps.background.wait_idle()
                    refused += case == "locked" and "errors" in (response.json or {})
        times["refused"] = [float(refused)]
    finally:
        deps.background.wait_idle()
        stop.set()
        deps.background.shutdown()
        deps.engine.dispose()
        fake.stop()
    return times


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def storm_figures(url: str, reminders: int, users: int, limited_every: int) -> tuple[int, int, int]:
    fake = FakeSlack().start()
    deps = build_deps(make_settings(url, fake))
    with transaction(deps.new_session) as session:
        for number in range(reminders):
            create_appointment(
                session, team_id="T1", record_type="lead", record_id=number + 1, owner_id=f"U{number % users}",
                subject=f"Visit {number}", start_at=T0 + timedelta(minutes=15), duration_minutes=30, attendees=[],
                location="", default_minutes_before=15, now=T0 - timedelta(hours=1),
            )  # fmt: skip
    fake.latency["users.info"] = 0.05
    fake.fail_next("chat.postMessage", status=429, retry_after=3, times=reminders // limited_every)
    client = make_client("xoxb-test-token", fake.api_url, inline_retries=False)
    dispatcher = Dispatcher(deps, client, threads=8, plan=False)
    try:
        for step in range(400):
            now = T0 + timedelta(seconds=step * 0.5)
            with time_machine.travel(now, tick=False):
                dispatcher.dispatch_once(now)
            if len([c for c in fake.calls_to("chat.postMessage") if not c.args.get("_failed")]) >= reminders:
                break
    finally:
        dispatcher.close()
        deps.engine.dispose()
        fake.stop()
    posts = fake.calls_to("chat.postMessage")
    limited = len([c for c in posts if c.args.get("_failed")])
    return len(posts) - limited, limited, len(calls_inside_cool_downs(fake.calls))


spread = functools.partial(figures.spread, digits=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-round", type=int, default=3)
    parser.add_argument("--reminders", type=int, default=120)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--limited-every", type=int, default=4)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.postgres_url else ["sqlite"]
    print("| database | ack s, no lock (min / median / max) | ack s, lock held | ratio | refused in the modal |")
    print("|---|---|---|---|---|")
    for kind in kinds:
        with database(kind, args.postgres_url) as url:
            times = ack_figures(url, args.rounds, args.per_round)
        ratio = statistics.median(times["locked"]) / statistics.median(times["free"])
        print(f"| {kind} | {spread(times['free'])} | {spread(times['locked'])} | {ratio:.1f}× | "
              f"{int(times['refused'][0])} of {len(times['locked'])} |")  # fmt: skip
    print()
    print("| database | posts sent | 429s answered | posts inside a cool-down |")
    print("|---|---|---|---|")
    for kind in kinds:
        with database(kind, args.postgres_url) as url:
            sent, limited, inside = storm_figures(url, args.reminders, args.users, args.limited_every)
        print(f"| {kind} | {sent} | {limited} | {inside} |")


if __name__ == "__main__":
    main()
