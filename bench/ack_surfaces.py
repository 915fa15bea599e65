"""App Home, the Timeline, `/opp list` and `/opp TEXT` of `salesbot run --workers N` against a bare Bolt
app on the same server, in the same run, in a workspace of 1,000,000 opportunities.

The sibling of bench/ack_vs_bolt.py (its contestants, servers, per-worker CPU and report): the bare app
(bench/bare_bolt.py) acks `/opp` with a static text, publishes a static Home view on `app_home_opened`
and opens a static modal on a `record_timeline` click. Surfaces (`--surfaces`, comma-separated):
  opp-list    signed `/opp list`, answered in the ack: timed until the ack;
  opp-search  signed `/opp TEXT` (SEARCHES, in turn), answered in the ack: timed until the ack;
  home        an `app_home_opened` event: timed until the fake Slack receives the `views.publish`;
  timeline    a click on the Timeline button of an opportunity shown in the Home tab: timed until the
              fake Slack receives the `views.open` (by the click's trigger_id).
Home requests all come from the one rep, so a `views.publish` is matched to the oldest Home request
still waiting (first come, first served): throughput is exact, a single latency may be its neighbour's.

The database: bench/pipeline.py's 1,000,000 opportunities and ~1.95M stage changes (50 owners, 80 %
open; loaded once with its fast loader and kept: `--sqlite` file, or a `--schema` of the PostgreSQL
database `bench`), then the rep who asks (U1) gets owner U000's ~20,000 opportunities (~16,000 open),
`--leads` leads and 40 timeline entries on one opportunity. A `bench_meta` row marks each step, so a
later run reuses the data (and upgrades the schema to the head).

Each round runs, for every surface and contestant in turn (the order rotates by round), a closed loop
(`--requests` from `--concurrency` clients, each waiting for its answer) and a fixed-rate open loop
(`--rate` requests/s for `--seconds`, latency from the scheduled send time). `--before DIR` adds another
checkout (e.g. a worktree of main) as a third contestant in the same rounds, on its own copy of the data
(`--before-sqlite`, or `--before-schema` on PostgreSQL) seeded by its own code (`--seed-only` run there).

    python bench/ack_surfaces.py --rounds 3
    python bench/ack_surfaces.py --rounds 3 --surfaces opp-list,opp-search --sqlite /tmp/opp1m/mine.db \\
        --before /work/wt-opp1m-base --before-sqlite /tmp/opp1m/base.db
    python bench/ack_surfaces.py --rounds 3 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        --schema homeack_1m
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import threading
import time
from collections import deque
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bench import ack_vs_bolt, pipeline  # noqa: E402
from bench.ack_latency import (  # noqa: E402
    SIGNING_SECRET,
    TEAM,
    USER,
    Clients,
    Prepared,
    load_average,
    machine_facts,
    seed_leads,
    signed,
)
from bench.ack_vs_bolt import Contestant, free_port, served, wait_ready  # noqa: E402
from bench.ack_vs_bolt import fixed_rate as open_loop  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.deps import build_deps  # noqa: E402
from bot.ids import RECORD_TIMELINE  # noqa: E402
from store.counter_slots import fold  # noqa: E402
from store.db import make_engine  # noqa: E402
from store.models import Activity  # noqa: E402
from store.text_upkeep import tidy_text_indexes  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

SURFACES = ("opp-list", "opp-search", "home", "timeline")
# Searched texts of the seed (search_text is `deal <id>`): in ~11,000 deals of the workspace (~220 of the
# rep's), in 111 (~2 of the rep's), in ~1,111 (~22), in ~111,000 (~2,200), and in none.
SEARCHES = ("deal 12", "4711", "31415", "999", "nordlicht")
OWNER = "U000"  # bench/pipeline.py's owner whose deals become the asking rep's
TIMELINE_ENTRIES = 40
RECEIPT_TIMEOUT = 15.0


class ReceiptSlack(FakeSlack):
    """The fake Slack Web API noting when each `views.publish` (by user) and `views.open` (by trigger)
    arrives, without keeping or validating the calls (the load generator shares this process)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: dict[str, deque[float]] = {}
        self.arrived = threading.Condition()

    def _record(self, method: str, args: dict[str, Any], token: str | None) -> list[str]:
        key = receipt_key(method, args)
        if key:
            with self.arrived:
                self.arrivals.setdefault(key, deque()).append(time.perf_counter())
                self.arrived.notify_all()
        return []

    def wait(self, key: str, timeout: float = RECEIPT_TIMEOUT) -> float | None:
        """When the oldest unclaimed call with this key arrived (perf_counter), or None at the timeout."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while not self.arrivals.get(key):
                left = deadline - time.monotonic()
                if left <= 0 or not self.arrived.wait(left):
                    return None
            return self.arrivals[key].popleft()

    def reset(self) -> None:
        with self.arrived:
            self.arrivals.clear()


def receipt_key(method: str, args: dict[str, Any]) -> str:
    if method == "views.publish":
        return f"publish:{args.get('user_id')}"
    if method in ("views.open", "views.push"):
        return f"open:{args.get('trigger_id')}"
    return ""


# --- requests -------------------------------------------------------------------------------------------

_counter = iter(range(10**9))
# Event ids unique across runs: salesbot skips an event_id it has seen (redelivery dedupe, kept in the
# database), so a second run reusing the first run's ids would get no Home published at all.
RUN = f"{int(time.time()):x}"


def command(verifier: SignatureVerifier, fake: FakeSlack, text: str, name: str = "/opp") -> Prepared:
    n = next(_counter)
    fields = {
        "token": "legacy", "team_id": TEAM, "team_domain": "example", "channel_id": "C1", "channel_name": "sales",
        "user_id": USER, "user_name": "u1", "command": name, "text": text, "api_app_id": "A1",
        "is_enterprise_install": "false", "response_url": fake.response_url(), "trigger_id": f"{n}.1.trigger",
    }  # fmt: skip
    return signed(urlencode(fields), "application/x-www-form-urlencoded", verifier)


def home_opened(verifier: SignatureVerifier) -> Prepared:
    n = next(_counter)
    envelope = {
        "token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
        "event": {"type": "app_home_opened", "user": USER, "channel": f"D{USER}", "tab": "home",
                  "event_ts": f"{time.time():.6f}"},
        "event_id": f"EvBench{RUN}{n:09d}", "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": "UBOT", "is_bot": True,
                            "is_enterprise_install": False}],
    }  # fmt: skip
    prepared = signed(json.dumps(envelope), "application/json", verifier)
    prepared.kind = f"publish:{USER}"
    return prepared


def timeline_click(verifier: SignatureVerifier, opportunity_id: int) -> Prepared:
    """The Timeline button of an opportunity card shown in the Home tab: salesbot opens a modal."""
    n = next(_counter)
    trigger = f"{n}.1.bench"
    action = {
        "action_id": RECORD_TIMELINE, "block_id": f"b{n}", "text": {"type": "plain_text", "text": "Timeline"},
        "value": f"opportunity:{opportunity_id}", "type": "button", "action_ts": f"{time.time():.6f}",
    }  # fmt: skip
    payload = {
        "type": "block_actions", "user": {"id": USER, "username": "u1", "name": "u1", "team_id": TEAM},
        "api_app_id": "A1", "token": "legacy", "trigger_id": trigger, "team": {"id": TEAM, "domain": "example"},
        "enterprise": None, "is_enterprise_install": False, "actions": [action],
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "blocks": [], "state": {"values": {}}, "team_id": TEAM},
    }  # fmt: skip
    prepared = signed("payload=" + quote(json.dumps(payload)), "application/x-www-form-urlencoded", verifier)
    prepared.kind = f"open:{trigger}"
    return prepared


def batch(surface: str, count: int, verifier: SignatureVerifier, fake: FakeSlack, opportunity: int) -> list[Prepared]:
    """`count` requests of a surface; a request's `kind` is the receipt it waits for ('' : the ack)."""
    found = []
    for n in range(count):
        if surface == "home":
            found.append(home_opened(verifier))
        elif surface == "timeline":
            found.append(timeline_click(verifier, opportunity))
        else:
            request = command(verifier, fake, "list" if surface == "opp-list" else SEARCHES[n % len(SEARCHES)])
            request.kind = ""
            found.append(request)
    return found


# --- load -----------------------------------------------------------------------------------------------


def deliver(fake: ReceiptSlack, clients: Clients, request: Prepared) -> float | None:
    """Send; return when the answer arrived (perf_counter): the ack, or the fake Slack's receipt."""
    outcome = clients.send(request)
    if outcome.status != 200:
        return None
    if not request.kind:
        return time.perf_counter()
    return fake.wait(request.kind)


def closed_loop(
    contestant: Contestant, fake: ReceiptSlack, requests: list[Prepared], concurrency: int
) -> dict[str, float]:
    fake.reset()
    return ack_vs_bolt.closed_loop(contestant, requests, concurrency, send=functools.partial(deliver, fake))


def fixed_rate(
    contestant: Contestant, fake: ReceiptSlack, requests: list[Prepared], rate: float, concurrency: int
) -> dict[str, float]:
    """Open loop (bench/ack_vs_bolt.py's), each latency counted until the answer's arrival."""
    fake.reset()
    return open_loop(contestant, requests, rate, concurrency, send=functools.partial(deliver, fake))


# --- the database ---------------------------------------------------------------------------------------


def meta_value(url: str, key: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("bench_meta"):
                return None
            found = connection.execute(sa.text("SELECT value FROM bench_meta WHERE key = :k"), {"k": key})
            return found.scalar()
    finally:
        engine.dispose()


def prepare_database(url: str, schema: str, leads: int) -> int:
    """The kept 1M-opportunity database with the rep's share, leads and timeline; the timeline's deal."""
    key = pipeline.load_key(1_000_000, 50)
    if not pipeline.loaded(url, key):
        started = time.perf_counter()
        if url.startswith("sqlite"):
            pipeline.load_sqlite(Path(sa.engine.make_url(url).database or ""), 1_000_000, 50)
        else:
            pipeline.load_postgres(url, schema, 1_000_000, 50)
        pipeline.mark_loaded(url, key)
        print(f"loaded 1,000,000 opportunities in {time.perf_counter() - started:.0f} s")
    extras = f"rep={USER} leads={leads} timeline={TIMELINE_ENTRIES}"
    if meta_value(url, "acks") != extras:
        started = time.perf_counter()
        _seed_rep(url, leads)
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM bench_meta WHERE key = 'acks'"))
            connection.execute(sa.text("INSERT INTO bench_meta (key, value) VALUES ('acks', :v)"), {"v": extras})
        engine.dispose()
        print(f"seeded the rep's deals, {leads:,} leads and a timeline in {time.perf_counter() - started:.0f} s")
    _tidy(url)
    return timeline_opportunity(url)


def _tidy(url: str) -> None:
    """The text index upkeep this checkout's server runs (store/text_upkeep.py: every minute, and hourly into
    one segment), to the end: the kept data then has the index of a server whose reps wrote nothing since its
    last hourly run (nothing to do once done; a checkout without the upkeep runs none, `--seed-only` in its
    own code)."""
    started = time.perf_counter()
    engine = make_engine(url)
    merged = tidy_text_indexes(engine, max_pages=None, whole=True)
    engine.dispose()
    if merged:
        print(f"text index upkeep: {merged} in {time.perf_counter() - started:.1f} s")


def _seed_rep(url: str, leads: int) -> None:
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret=SIGNING_SECRET,
                             database_url=url, slack_app_token=None)  # fmt: skip
    deps = build_deps(settings)
    with deps.engine.begin() as connection:
        for table in ("opportunity", "stage_change"):
            connection.execute(
                sa.text(f"UPDATE {table} SET owner_id = :u WHERE owner_id = :o"), {"u": USER, "o": OWNER}
            )
        connection.execute(sa.text("DELETE FROM lead WHERE team_id = :t"), {"t": TEAM})
    seed_leads(deps, leads, owners=1)
    opp = timeline_opportunity(url)
    now = datetime.now(UTC)
    rows = [
        {"team_id": TEAM, "record_type": "opportunity", "record_id": opp, "kind": "note", "subject": f"Note {n}",
         "body": f"Bench timeline entry {n}", "author_id": USER, "occurred_at": now - timedelta(hours=n),
         "data": {}, "deleted": False, "created_at": now}
        for n in range(TIMELINE_ENTRIES)
    ]  # fmt: skip
    with deps.engine.begin() as connection:
        connection.execute(sa.insert(Activity), rows)
    if deps.engine.dialect.name == "postgresql":
        with deps.engine.begin() as connection:
            fold(connection)  # the counters' per-transaction slots, as a server folds them every minute
        with deps.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # pipeline_month too: the owner change above moved ~16,000 deals between its groups through
            # migration 0021's trigger, leaving two dead versions per live row, and this server runs
            # without autovacuum (Home's funnel read 1,022 buffers for its 24 rows, not 3); stage_change's
            # owner change alike (38,619 dead rows), and owner_count's slots (migration 0024) of the owner change
            for table in ("opportunity", "stage_change", "activity", "pipeline_month", "owner_count"):
                connection.execute(sa.text(f"VACUUM ANALYZE {table}"))
    deps.engine.dispose()


def timeline_opportunity(url: str) -> int:
    """The rep's open opportunity with the lowest id: the one whose Timeline is clicked."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT min(id) FROM opportunity WHERE team_id = :t AND owner_id = :u AND status = 'open'"),
            {"t": TEAM, "u": USER},
        ).scalar()
    engine.dispose()
    return int(found or 0)


# --- main -----------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--surfaces", default=",".join(SURFACES), help=f"comma-separated, of: {', '.join(SURFACES)}")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=600, help="closed-loop requests per round and contestant")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rate", type=float, default=300.0, help="fixed-rate requests/s")
    parser.add_argument("--seconds", type=float, default=3.0, help="fixed-rate duration per round")
    parser.add_argument("--leads", type=int, default=10_000, help="leads owned by the rep asking")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slack-latency-ms", type=float, default=0.0, help=ack_vs_bolt.SLACK_LATENCY_HELP)
    parser.add_argument("--sqlite", default="/tmp/salesbot-bench-acks-1m.db", help="the kept SQLite file")
    parser.add_argument("--database-url", default=None, help="PostgreSQL (the database, e.g. bench)")
    parser.add_argument("--schema", default="acks_1m", help="PostgreSQL: the kept schema")
    parser.add_argument("--seed-only", action="store_true", help="prepare the database and stop")
    parser.add_argument("--before", type=Path, default=None, help="another checkout (e.g. main) measured as `before`")
    parser.add_argument("--before-sqlite", default=None, help="`before`'s kept SQLite file (seeded by its code)")
    parser.add_argument("--before-schema", default=None, help="PostgreSQL: `before`'s kept schema")
    parser.add_argument("--read-reference", action="store_true", help=ack_vs_bolt.READ_REFERENCE_HELP)
    return parser.parse_args()


def server_env(fake: FakeSlack, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url,
               LOG_LEVEL="INFO", DATABASE_URL=url, PYTHONPATH=str(ROOT))  # fmt: skip
    return env


def _before(args: argparse.Namespace, fake: FakeSlack, run: list[str], tmp: Path) -> Any:
    """`salesbot run` of the `--before` checkout on its own copy of the data (seeded by its own code, so
    its schema is its own head: a later migration of this checkout is not applied to it)."""
    root = args.before.resolve()
    if args.database_url:
        url = pipeline.postgres_schema(args.database_url, args.before_schema or f"{args.schema}_before")
    else:
        url = f"sqlite:///{args.before_sqlite or args.sqlite + '.before'}"
    env = {**server_env(fake, url), "PYTHONPATH": str(root)}
    port = free_port()
    return served("before", [sys.executable, *run, str(port)], root, env, port, tmp / "before.log")


def main() -> int:
    args = parse_args()
    surfaces = [s for s in args.surfaces.split(",") if s]
    pg = args.database_url
    url = pipeline.postgres_schema(pg, args.schema) if pg else f"sqlite:///{args.sqlite}"
    opportunity = prepare_database(url, args.schema, args.leads)
    if args.seed_only:
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="ack-surfaces-"))
    fake = ReceiptSlack(team_id=TEAM).start()
    ack_vs_bolt.slow_slack(fake, args.slack_latency_ms)
    verifier = SignatureVerifier(SIGNING_SECRET)
    env = server_env(fake, url)
    run = ["-m", "bot", "run", "--no-scheduler", "--workers", str(args.workers), "--host", "127.0.0.1", "--port"]
    rounds: dict[tuple[str, str], list[dict[str, float]]] = {}
    with ExitStack() as stack:
        port = free_port()
        salesbot = stack.enter_context(served("salesbot", [sys.executable, *run, str(port)], ROOT, env, port,
                                              tmp / "salesbot.log"))  # fmt: skip
        contestants = [salesbot]
        if args.before:
            contestants.append(stack.enter_context(_before(args, fake, run, tmp)))
        contestants += ack_vs_bolt.references(stack, args, env, tmp, url)
        for contestant in contestants:
            wait_ready(contestant, command(verifier, fake, "list"), args.workers)
            for surface in surfaces:  # warm-up, not counted
                closed_loop(contestant, fake, batch(surface, 60, verifier, fake, opportunity), args.concurrency)
        for fact in machine_facts(url, ""):
            print(f"- {fact[0]}: {fact[1]}")
        print(
            f"- timeline of opportunity {opportunity}; Slack latency {args.slack_latency_ms:g} ms; "
            f"load average before: {load_average()}"
        )
        for number in range(args.rounds):
            for surface in surfaces:
                order = contestants[number % len(contestants) :] + contestants[: number % len(contestants)]
                for contestant in order:
                    requests = batch(surface, args.requests, verifier, fake, opportunity)
                    result = closed_loop(contestant, fake, requests, args.concurrency)
                    timed = batch(surface, int(args.rate * args.seconds), verifier, fake, opportunity)
                    result.update(fixed_rate(contestant, fake, timed, args.rate, ack_vs_bolt.fixed_clients(args)))
                    rounds.setdefault((surface, contestant.name), []).append(result)
                    print(f"round {number + 1} {surface} {contestant.name}: "
                          + ", ".join(f"{k}={v:,.2f}" for k, v in result.items()), flush=True)  # fmt: skip
        print(f"- load average after: {load_average()}")
        for surface in surfaces:
            print(f"\n### {surface}\n")
            shown = [Contestant(c.name, c.url, c.process, rounds[(surface, c.name)]) for c in contestants]
            ack_vs_bolt.report_against_references(shown)
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
