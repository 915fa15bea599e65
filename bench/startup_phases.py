"""Where `salesbot run`'s start-up goes, in one process (no fork, no server): for docs/performance.md.

    python -m bench.startup_phases phases [--runs 7]   # ms per phase, min / median / max, and share
    UNDER="valgrind --tool=callgrind --callgrind-out-file=/dev/null" python -m bench.startup_phases path MODE

`phases` runs `salesbot run`'s path phase by phase in fresh interpreters (the same imports in the order the path
needs them, each phase charged with what it imports first, collection off as in `run`), then a worker's app and one
signed `/lead list` through the WSGI stack. `path MODE` runs one server's whole path to that answer for counting
instructions: `bare` (bench.bare_bolt's app), `bare_sa` (the same, the database opened through SQLAlchemy first),
`floor` (bare_sa, then salesbot's settings, tables, mappers and one ORM read: `bench.bare_bolt --models`),
`salesbot` (`run`'s supervisor path, then a worker's app), `pass` (the interpreter alone), run under the
command in UNDER (valgrind's "Collected" line is the count).
Both start a fake Slack and a migrated SQLite database of their own (in a temporary directory).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import hmac
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
SECRET = "startup-phases-secret"


def answer_one_list(wsgi: Callable[..., Any]) -> None:
    """One signed `/lead list` through `wsgi`; it must answer 200."""
    fields = {"team_id": "T1", "user_id": "U1", "command": "/lead", "text": "list", "trigger_id": "1.1.t",
              "response_url": os.environ["SLACK_API_URL"] + "x", "channel_id": "C1"}  # fmt: skip
    body = urlencode(fields).encode()
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "", "SERVER_NAME": "x",
               "SERVER_PORT": "1", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body), "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
               "HTTP_X_SLACK_SIGNATURE": signature}  # fmt: skip
    status: list[str] = []
    b"".join(wsgi(environ, lambda line, _headers, *_: status.append(line)))
    if status != ["200 OK"]:
        raise SystemExit(f"/lead list answered {status}")


def phases(started: float) -> dict[str, float]:
    """`salesbot run`'s path, ms per phase (imports inside on purpose: they are what is timed)."""
    marks: list[tuple[str, float]] = [("", started)]

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter()))

    gc.disable()
    from bot import cli

    mark("typer, bot.cli")
    import pydantic  # noqa: F401

    mark("pydantic")
    from bot import config

    mark("pydantic-settings + bot.config")
    from bot.logs import configure_logging

    settings = config.load_settings()
    configure_logging(settings.log_level_number)
    mark("settings read, logging configured")
    import slack_bolt  # noqa: F401
    import waitress.server  # noqa: F401

    from bot import server

    mark("slack_bolt, waitress, bot.server (the bare app's imports)")
    import sqlalchemy  # noqa: F401

    mark("SQLAlchemy Core")
    import sqlalchemy.orm  # noqa: F401
    import sqlmodel  # noqa: F401

    mark("SQLAlchemy ORM + SQLModel")
    from store.db import make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    mark("store.db, database at head?")
    import store.models  # noqa: F401

    mark("store.models (the tables)")
    from bot import app as bot_app

    mark("bot.app (services, views, domain, the rest of store/)")
    import handlers  # noqa: F401

    mark("handlers")
    bot_app.preload()
    mark("preload()")
    gc.enable()
    worker_app, _drain = cli._worker_app(settings)
    wsgi = server.wsgi_app(worker_app)
    mark("worker: deps, create_app (auth.test), WSGI stack")
    answer_one_list(wsgi)
    mark("worker: first /lead list")
    return {name: round((t - marks[i][1]) * 1000, 1) for i, (name, t) in enumerate(marks[1:])}


def path(mode: str) -> None:
    """One server's path to its first `/lead list` answer (for valgrind: count its instructions)."""
    if mode == "pass":
        return
    from bot.server import wsgi_app

    if mode in ("bare", "bare_sa", "floor"):
        from bench import bare_bolt

        if mode in ("bare_sa", "floor"):
            bare_bolt.open_database(os.environ["DATABASE_URL"])
        if mode == "floor":
            bare_bolt.open_models(os.environ["DATABASE_URL"])
        answer_one_list(wsgi_app(bare_bolt.bare_app()[0]))
        return
    from bot import cli

    with cli._no_collection():
        settings = cli._ready_to_serve(with_scheduler=False)
    answer_one_list(wsgi_app(cli._worker_app(settings)[0]))


def environment(tmp: Path) -> tuple[dict[str, str], Any]:
    sys.path.insert(0, str(ROOT))
    from tests.slack.fake_slack import FakeSlack

    fake = FakeSlack(team_id="T1").start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.api_url,
               DATABASE_URL=f"sqlite:///{tmp / 'phases.db'}", PYTHONPATH=str(ROOT))  # fmt: skip
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return env, fake


def report(runs: list[dict[str, float]]) -> None:
    total = statistics.median(sum(run.values()) for run in runs)
    print("| phase | ms min / median / max | share of the median total |\n|---|---|---|")
    for name in runs[0]:
        values = [run[name] for run in runs]
        low, middle, high = min(values), statistics.median(values), max(values)
        print(f"| {name} | {low:,.0f} / {middle:,.0f} / {high:,.0f} | {100 * middle / total:.0f} % |")
    print(f"| total (median of the runs' totals) | {total:,.0f} | |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["phases", "path", "one-run"])
    parser.add_argument("mode", nargs="?", default="salesbot", choices=["bare", "bare_sa", "floor", "salesbot", "pass"])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.what == "one-run":  # a child of `phases`, started below
        print(json.dumps(phases(STARTED)))
        os._exit(0)
    with tempfile.TemporaryDirectory(prefix="startup-phases-") as tmp:
        env, fake = environment(Path(tmp))
        try:
            if args.what == "path":
                command = [*os.environ.get("UNDER", "").split(), sys.executable, "-m", "bench.startup_phases", "-"]
                subprocess.run([c for c in command if c], cwd=ROOT, env={**env, "PATH_MODE": args.mode}, check=True)
                return 0
            runs = []
            for _ in range(args.runs):
                done = subprocess.run([sys.executable, "-m", "bench.startup_phases", "one-run"], cwd=ROOT, env=env,
                                      check=True, capture_output=True, text=True)  # fmt: skip
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            report(runs)
        finally:
            fake.stop()
    return 0


STARTED = time.perf_counter()

if __name__ == "__main__":
    if sys.argv[1:] == ["-"]:  # the counted child of `path`
        path(os.environ["PATH_MODE"])
        os._exit(0)  # no exit-time collection or thread joins counted
    sys.exit(main())
