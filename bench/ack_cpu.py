"""CPU per ack in one process, without the server: the WSGI callable a worker serves (`bot.server.wsgi_app`,
the gate included) called with signed `/lead list` and `/lead TEXT` commands, against the bare Bolt app
(bench/bare_bolt.py behind the same gate) and, with `--before DIR`, the same code of another checkout.

Each contestant runs in a child process of its own (its checkout first on sys.path) on a copy of one
seeded database (a rep owning `--leads` leads). Per command: 20 calls of warm-up, then `--calls` calls in
10 batches; the figure is the request thread's CPU time per call (time.thread_time) of the cheapest
batch, which on a shared machine is the one least disturbed by other processes. Rounds alternate the
contestants; the table gives min / median / max over the rounds and the ratio to the bare app's
`/lead` per round. What this leaves out, on purpose: waitress and the HTTP client (bench/ack_vs_bolt.py
measures them), and the log writer thread's formatting (another thread).

`--event home` sends signed `app_home_opened` events instead (each with its own event_id: salesbot skips
a redelivered one), on `--database` (a seed of bench/ack_surfaces.py, which gains a dedupe row per event);
the after-ack work (salesbot's `publish_home`) runs inline on the request thread, so the figure is the ack
and the whole Home up to the `views.publish` call, like the bare app's listener, which publishes inline.

`--command /opp --database FILE` calls `/opp TEXT` instead, on a SQLite file seeded by bench/ack_surfaces.py
(1M opportunities, the rep U1 owning ~20,000; `--before-database` the other checkout's copy). Those are used
as they are (the calls only read), not copied. `--command /task --texts list` calls `/task list` of a rep
with `--tasks` open tasks (every other one on one of the rep's leads; the seed has them, so every contestant
does). `--profile FILE` writes a cProfile of salesbot's calls of the first text (one extra child, after the
rounds).

    python bench/ack_cpu.py --rounds 3 --before /tmp/before
    python bench/ack_cpu.py --rounds 3 --event home --database /tmp/home/mine.db \
        --before /work/wt-base --before-database /tmp/home/base.db
    python bench/ack_cpu.py --rounds 3 --command /task --texts list --before /work/wt-base
    python bench/ack_cpu.py --rounds 3 --command /opp --texts list "deal 12" 4711 31415 999 nordlicht \
        --database /tmp/opps/mine.db --before /work/wt-opps-base --before-database /tmp/opps/base.db
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
# Event ids unique across runs and children: salesbot skips an event_id it has seen (kept in the database).
RUN = f"{os.getpid():x}{int(time.time()):x}"
TEXTS = ("list", "müller", "cafe centrale", "grinders", "nordlicht 12", "lumen")


def child(args: argparse.Namespace) -> None:
    """In the contestant's process: build its app, call it, print {text: ms} as JSON (on PostgreSQL also
    {"text@backend": ms, "text@trips": round trips, "text@statements": statements} per call)."""
    sys.path.insert(0, args.root)
    postgres = args.database_url.startswith("postgresql")
    if postgres:
        os.environ["PGAPPNAME"] = f"ackcpu{os.getpid()}"  # this process's backends (bench/pg_backends.py)
        statements = _count_statements(args.statements)
    import logging

    from slack_sdk.signature import SignatureVerifier

    from bench.ack_latency import SIGNING_SECRET, TEAM
    from bot.config import load_settings
    from bot.logs import configure_logging, log_from_a_thread
    from bot.server import wsgi_app
    from tests.slack.fake_slack import FakeSlack

    fake = FakeSlack(team_id=TEAM).start()
    os.environ.update(SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url)
    configure_logging(logging.INFO)
    logging.getLogger().handlers[0].stream = open(os.devnull, "w")  # noqa: SIM115 (the process's life)
    stop_logs = log_from_a_thread()
    if args.bare:
        from bench.bare_bolt import bare_app

        app = bare_app()[0]
    else:
        from bot.app import create_app
        from bot.deps import build_deps

        settings = load_settings(
            _env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.api_url, database_url=args.database_url, slack_app_token=None,
        )  # fmt: skip
        deps = build_deps(settings)
        if args.event:
            deps.background = _Inline()  # type: ignore[assignment]
        app = create_app(deps)[0]
    application = wsgi_app(app)
    verifier = SignatureVerifier(SIGNING_SECRET)
    figures = {}
    for text in args.texts:
        requests = _requests(args, text, fake.response_url(), verifier)
        if args.profile:
            _profile(application, requests, args.calls, args.profile)
            break
        if postgres:
            figures.update(_pg_per_call(application, requests, args, text, statements))
        else:
            figures[text] = _cpu_per_call(application, requests, args.calls)
    if postgres and args.statements:
        _print_by_statement()
    if args.event and not args.profile and len(fake.calls_to("views.publish")) < args.calls:
        raise SystemExit(f"{len(fake.calls_to('views.publish'))} views.publish for {args.calls} events")
    stop_logs()
    fake.stop()
    print(json.dumps(figures))


class _Inline:
    """salesbot's after-ack work run on the request thread (`--event`), so its CPU is the request's."""

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        fn(*args, **kwargs)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return True


def _requests(args: argparse.Namespace, text: str, response_url: str, verifier: Any) -> Iterator[tuple[dict, bytes]]:
    """(WSGI environ, body) per call: the same signed command each time, or a new event (its own id)."""
    from bench.ack_latency import TEAM, signed

    user = args.user
    n = 0
    while True:
        n += 1
        if args.event:
            envelope = {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                        "event": {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home",
                                  "event_ts": f"{time.time():.6f}"},
                        "event_id": f"EvCpu{RUN}{n:09d}", "event_time": int(time.time()),
                        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": "UBOT",
                                            "is_bot": True, "is_enterprise_install": False}]}  # fmt: skip
            request = signed(json.dumps(envelope), "application/json", verifier)
        elif n == 1:
            fields = {"token": "legacy", "team_id": TEAM, "team_domain": "example", "channel_id": "C1",
                      "channel_name": "sales", "user_id": user, "user_name": "u1", "command": args.command,
                      "text": text, "api_app_id": "A1", "is_enterprise_install": "false",
                      "response_url": response_url, "trigger_id": "1.1.trigger"}  # fmt: skip
            request = signed(urlencode(fields), "application/x-www-form-urlencoded", verifier)
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "",
                   "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                   "wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1", "CONTENT_LENGTH": str(len(request.body)),
                   **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in request.headers.items()},
                   "CONTENT_TYPE": request.headers["Content-Type"]}  # fmt: skip
        yield environ, request.body


def _calls(application: Any, requests: Iterator[tuple[dict, bytes]], count: int) -> Callable[[], None]:
    """A call of the app per request; the requests are made (signed) before it is timed."""
    made = [next(requests) for _ in range(count)]
    index = iter(made)

    def call() -> None:
        environ, body = next(index)
        statuses: list[str] = []
        answer = b"".join(application({**environ, "wsgi.input": io.BytesIO(body)}, lambda s, h: statuses.append(s)))
        if statuses != ["200 OK"] or (not answer and environ["CONTENT_TYPE"] != "application/json"):
            raise SystemExit(f"answer {statuses} {answer[:200]!r}")

    return call


def _cpu_per_call(application: Any, requests: Iterator[tuple[dict, bytes]], calls: int) -> float:
    call = _calls(application, requests, 20 + calls // 10 * 10)
    for _ in range(20):
        call()
    batches = []
    for _ in range(10):
        started = time.thread_time()
        for _ in range(calls // 10):
            call()
        batches.append((time.thread_time() - started) / (calls // 10) * 1000)
    return min(batches)


def _this_checkouts(module: str) -> Any:
    """A module of this file's bench/ (a `--before` child has the other checkout's bench/ on sys.path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_bench_{module}", Path(__file__).with_name(f"{module}.py"))
    assert spec is not None and spec.loader is not None
    found = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(found)
    return found


_BY_STATEMENT: dict[str, list[float]] = {}  # `--statements`: a statement's start -> [executions, backend seconds]


def _count_statements(by_statement: bool) -> list[str]:
    """The statements psycopg's cursors send from now on (their first 100 characters), appended to a list;
    with `by_statement`, each one's backend CPU too (its backend's /proc/PID/schedstat around it)."""
    import psycopg

    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(self: Any, query: Any, *rest: Any, **named: Any) -> Any:
        text = str(query if isinstance(query, str | bytes) else type(query).__name__)
        sent.append(text[:100])
        if not by_statement:
            return execute(self, query, *rest, **named)
        schedstat = Path(f"/proc/{self.connection.info.backend_pid}/schedstat")
        before = int(schedstat.read_text().split()[0])
        try:
            return execute(self, query, *rest, **named)
        finally:
            spent = _BY_STATEMENT.setdefault(" ".join(text.split())[:90], [0, 0.0])
            spent[0] += 1
            spent[1] += (int(schedstat.read_text().split()[0]) - before) / 1e9

    psycopg.Cursor.execute = counted  # type: ignore[method-assign]
    return sent


def _print_by_statement() -> None:
    """`--statements`: each statement's backend CPU per execution (the whole child: warm-up included)."""
    ranked = sorted(_BY_STATEMENT.items(), key=lambda item: -item[1][1])
    for text, (count, seconds) in ranked:
        print(f"  {seconds / count * 1000:7.3f} ms x {count:5.0f}  {text}", file=sys.stderr)


def _pg_per_call(
    application: Any, requests: Iterator[tuple[dict, bytes]], args: argparse.Namespace, text: str, sent: list[str]
) -> dict[str, float]:
    """`_cpu_per_call` on PostgreSQL: the request thread's CPU and this process's backends' CPU per call (the
    cheapest batch of each), their round trips (waits for the client) and the statements sent."""
    meter = _this_checkouts("pg_backends").BackendMeter(args.database_url, os.environ["PGAPPNAME"])
    call = _calls(application, requests, 21 + args.calls // 10 * 10)  # one more for `--statements`
    for _ in range(20):
        call()
    per_batch = args.calls // 10
    thread, backend, trips, count = [], [], [], []
    for _ in range(10):
        before = meter.read()
        sent_before, started = len(sent), time.thread_time()
        for _ in range(per_batch):
            call()
        thread.append((time.thread_time() - started) / per_batch * 1000)
        count.append((len(sent) - sent_before) / per_batch)  # before the meter's own read
        spent = meter.read() - before
        backend.append(spent.cpu_seconds / per_batch * 1000)
        trips.append(spent.waits / per_batch)
    meter.close()
    if args.statements:  # one more call's statements, on stderr
        sent_before = len(sent)
        call()
        print(f"{text}:", *sent[sent_before:], sep="\n  ", file=sys.stderr)
    return {text: min(thread), f"{text}@backend": min(backend), f"{text}@trips": statistics.median(trips),
            f"{text}@statements": statistics.median(count)}  # fmt: skip


def _profile(application: Any, requests: Iterator[tuple[dict, bytes]], calls: int, path: str) -> None:
    import cProfile

    call = _calls(application, requests, 20 + calls)
    for _ in range(20):
        call()
    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    for _ in range(calls):
        call()
    profile.disable()
    profile.dump_stats(path)


def seed(url: str, leads: int, tasks: int = 0) -> None:
    """The rep's leads (and tasks) as their bulk load left them: each contestant's copy then gets its own
    checkout's text index upkeep (`_database`)."""
    sys.path.insert(0, str(ROOT))
    from bench.ack_latency import seed_leads
    from bot.config import load_settings
    from bot.deps import build_deps
    from store.db import upgrade

    deps = build_deps(load_settings(_env_file=None, slack_bot_token="xoxb", slack_signing_secret="s",
                                    database_url=url, slack_app_token=None))  # fmt: skip
    upgrade(deps.engine)
    seed_leads(deps, leads, owners=1, tidy=False)
    if tasks:
        seed_tasks(deps, tasks)
    deps.engine.dispose()


def seed_tasks(deps: Any, count: int) -> None:
    """`count` open tasks of U1 due over the next 60 days, every other one on one of U1's leads."""
    import sqlalchemy as sa

    from bench.ack_latency import TEAM, USER
    from store.models import Lead, Task

    now = time.time()
    with deps.new_session() as session:
        leads = list(session.execute(sa.select(Lead.id).where(Lead.team_id == TEAM, Lead.owner_id == USER)).scalars())
        rows = [{"team_id": TEAM, "owner_id": USER, "title": f"Call back {n}", "kind": "call", "priority": 1 + n % 3,
                 "due_at": _utc(now + 60 * (n * 8640 // count)), "status": "open",
                 **({"record_type": "lead", "record_id": leads[n % len(leads)]} if n % 2 and leads else {})}
                for n in range(count)]  # fmt: skip
        session.execute(sa.insert(Task), rows)
        session.commit()
    if deps.engine.dialect.name == "postgresql":  # statistics, as autovacuum leaves them on a server in use
        with deps.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE task")


def _utc(seconds: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC)


def run_child(
    root: Path, url: str, args: argparse.Namespace, *, bare: bool = False, profile: str = ""
) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--root", str(root), "--database-url", url,
               "--calls", str(args.calls), "--command", args.command, "--user", args.user,
               "--texts", *(["list"] if bare and not args.event else args.texts)]  # fmt: skip
    if args.event:
        command += ["--event", args.event]
    if bare:
        command.append("--bare")
    if args.statements:
        command.append("--statements")
    if profile:
        command += ["--profile", profile]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{root}: {done.stderr[-2000:]}")
    if args.statements:
        print(done.stderr, file=sys.stderr)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def spread(values: list[float], digits: int = 3) -> str:
    return " / ".join(f"{v:.{digits}f}" for v in (min(values), statistics.median(values), max(values)))


def _database(tmp: Path, number: int, name: str, args: argparse.Namespace, root: Path | None) -> str:
    """The contestant's database: the given seeded file (read only), else a copy of the seed with the text
    index upkeep of the checkout at `root` (bench/ack_latency.py's `upkeep_as`; the bare app: none)."""
    if args.database is not None:
        if args.database.startswith("postgresql"):
            sys.path.insert(0, str(ROOT))
            from bench.pipeline import postgres_schema

            return postgres_schema(args.database, args.before_schema if name == "before" else args.schema)
        given = args.before_database if name == "before" and args.before_database else args.database
        return f"sqlite:///{given}"
    copy = tmp / f"{number}-{name.replace(' ', '-')}.db"
    shutil.copy(tmp / "seed.db", copy)
    if root is not None:
        from bench.ack_latency import upkeep_as

        upkeep_as(root, f"sqlite:///{copy}")
    return f"sqlite:///{copy}"


def _backend_table(args: argparse.Namespace, results: dict[str, list[dict[str, float]]], names: list[str]) -> None:
    """PostgreSQL: per call, the backends' CPU, round trips and statements of each contestant, and the
    request thread's and the backends' CPU together: salesbot's in ratio to the other's per round."""
    header = ["command", *[f"{n}: backend ms" for n in names], *[f"{n}: trips / statements" for n in names]]
    header += [f"{names[0]} / {n}, thread + backend (per round)" for n in names[1:]]
    print("\n| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for text in args.texts:
        cells = [f"`{args.event or args.command + ' ' + text}`"]
        cells += [spread([r[f"{text}@backend"] for r in results[n]]) for n in names]
        for n in names:
            trips = statistics.median(r[f"{text}@trips"] for r in results[n])
            cells.append(f"{trips:.1f} / {statistics.median(r[f'{text}@statements'] for r in results[n]):.1f}")
        for n in names[1:]:
            totals = [(r[text] + r[f"{text}@backend"]) / (b[text] + b[f"{text}@backend"])
                      for r, b in zip(results[names[0]], results[n], strict=True)]  # fmt: skip
            cells.append(spread(totals, 2))
        print("| " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=500, help="calls per command and round (10 batches)")
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--texts", nargs="+", default=list(TEXTS))
    parser.add_argument("--command", default="/lead", help="/lead (default), /opp or /task")
    parser.add_argument("--tasks", type=int, default=10_000, help="/task: open tasks of the rep")
    parser.add_argument("--event", default="", choices=["", "home"], help="home: app_home_opened events")
    parser.add_argument("--user", default="U1", help="who sends the commands and events (bench/busy_rep.py: UMGR)")
    parser.add_argument("--database", default=None, help="a seeded SQLite file, used as it is, or PostgreSQL's URL")
    parser.add_argument("--before-database", default=None, help="--before's seeded SQLite file")
    parser.add_argument("--schema", default="acks_1m", help="PostgreSQL: the seeded schema (bench/ack_surfaces.py's)")
    parser.add_argument("--before-schema", default=None, help="PostgreSQL: --before's seeded schema")
    parser.add_argument("--statements", action="store_true", help="PostgreSQL: print one call's statements")
    parser.add_argument("--profile", default="", help="write a cProfile of salesbot's first text here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    if args.event:
        args.texts = [args.event]
    tmp = Path(tempfile.mkdtemp(prefix="ack-cpu-"))
    if args.database is None:
        seed(f"sqlite:///{tmp / 'seed.db'}", args.leads, args.tasks if args.command == "/task" else 0)
    contestants = [("salesbot", ROOT, False)] + ([("before", args.before, False)] if args.before else [])
    contestants.append(("bare Bolt", ROOT, True))
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in contestants}
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    for number in range(args.rounds):
        shift = number % len(contestants)
        for name, root, bare in contestants[shift:] + contestants[:shift]:
            database = _database(tmp, number, name, args, None if bare else root)
            results[name].append(run_child(root, database, args, bare=bare))
            print(f"round {number + 1} {name}: {results[name][-1]}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    if args.profile:
        run_child(ROOT, _database(tmp, 0, "salesbot", args, ROOT), args, profile=args.profile)
    what = args.event or args.command
    bare_list = [r[args.event or "list"] for r in results["bare Bolt"]]
    print(f"bare Bolt `{what}` (static answer): {spread(bare_list)} ms CPU per call\n")
    header = ["command, ms CPU per call (min / median / max)"] + [n for n, _, _ in contestants[:-1]]
    header += [f"{n} / bare (per round)" for n, _, _ in contestants[:-1]]
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for text in args.texts:
        cells = [f"`{args.event or args.command + ' ' + text}`"]
        cells += [spread([r[text] for r in results[n]]) for n, _, _ in contestants[:-1]]
        for name, _, _ in contestants[:-1]:
            cells.append(spread([r[text] / b for r, b in zip(results[name], bare_list, strict=True)], 2))
        print("| " + " | ".join(cells) + " |")
    if args.database and args.database.startswith("postgresql"):
        _backend_table(args, results, [n for n, _, _ in contestants[:-1]])
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
