"""Channel alerts under a burst (issue 16): 10,000 timeline events fanned out to 50 subscriptions,
through the planner into the outbox, then through the dispatcher to a fake Slack.

Seeded once: 50 reps owning 200 opportunities each, 50 channels each subscribed (by an admin) to
`Stage changed` with `Owner` = one rep, and 10,000 stage moves (one per opportunity). Every event is
matched against all 50 subscriptions (500,000 checks) and reaches exactly one: 10,000 alerts.
Each round, interleaved, measures:

(a) planning: `plan_alerts` from the cursors to the outbox rows (reads, facts, matching, grouping,
    10,000 inserts) — vs two same-run references: (a0) the same 10,000 rows written with one
    `store.outbox.enqueue` call each, in one transaction (what the planner did before it inserted in
    bulk), and (a1) one bare multi-row INSERT of them (the floor of writing them);
(b) dispatching: the dispatcher claims, renders from the database, sends and settles (records the
    post for thread capture) the 10,000 alerts — vs (b0) the same-run reference: 10,000 bare
    `chat.postMessage` calls of pre-rendered messages through the same client, as many threads as the
    dispatcher's. The dispatcher's own overhead per alert (its time minus Slack's) is reported too.

The fake Slack (bench/dispatch.py's, in a process of its own) answers in `--latency` seconds and
does not rate-limit; the dispatcher's pacing of one message per second per channel is scaled away
(`--channel-interval`, default 0), as Slack's limits would otherwise make (b) last 200 s whatever the
code does. Between rounds the outbox is emptied and the cursors rewound.

    python -m bench.alerts_burst [--events 10000] [--subscriptions 50] [--rounds 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

import scheduler.dispatcher as dispatcher_module
from bench.dispatch import SlackProcess
from bot.config import load_settings
from bot.deps import Deps, build_deps
from bot.slack_client import make_client
from scheduler.alerts import plan_alerts
from scheduler.dispatcher import Dispatcher
from store.db import make_engine, transaction, upgrade
from store.models import AlertCursor, AlertSubscription, Opportunity, Outbox, Post, SlackUser, StageChange
from store.outbox import enqueue

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def seed(url: str, *, events: int, subscriptions: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        for table in (Post, Outbox, AlertCursor, AlertSubscription, StageChange, Opportunity, SlackUser):
            connection.execute(sa.delete(table))  # type: ignore[arg-type]
        users = [_user(f"U{n:03d}", "rep") for n in range(subscriptions)] + [_user("UADMIN", "admin")]
        connection.execute(sa.insert(SlackUser), users)
        opportunities = [
            {"team_id": "T1", "owner_id": f"U{n % subscriptions:03d}", "topic": f"Espresso machines {n}",
             "account_name": f"Caffè {n}", "currency": "EUR", "estimated_revenue": 1000 + n, "stage": "Develop",
             "process_name": "", "status": "open", "created_at": T0, "updated_at": T0}
            for n in range(events)
        ]  # fmt: skip
        ids = [row[0] for row in connection.execute(sa.insert(Opportunity).returning(Opportunity.id), opportunities)]  # type: ignore[arg-type]
        connection.execute(
            sa.insert(AlertSubscription),
            [{"team_id": "T1", "channel_id": f"C{n:03d}", "event": "stage_changed", "owner_id": f"U{n:03d}",
              "delivery": "now", "status": "active", "paused_reason": "", "team_name": "", "process_name": "",
              "lead_source": "", "created_by": "UADMIN", "created_at": T0} for n in range(subscriptions)],
        )  # fmt: skip
        connection.execute(
            sa.insert(StageChange),
            [{"team_id": "T1", "opportunity_id": opp_id, "owner_id": opportunities[n]["owner_id"], "kind": "advance",
              "from_stage": "Qualify", "to_stage": "Develop", "user_id": opportunities[n]["owner_id"],
              "at": T0 + timedelta(seconds=1 + n % 50)} for n, opp_id in enumerate(ids)],
        )  # fmt: skip
    engine.dispose()


def _user(user_id: str, role: str) -> dict[str, Any]:
    return {"team_id": "T1", "user_id": user_id, "name": "", "role": role, "is_slack_admin": False,
            "tz": "Europe/Rome", "profile_fetched_at": T0, "daily_summary": False, "digest_when_empty": False,
            "created_at": T0}  # fmt: skip


def reset(deps: Deps) -> None:
    """An empty outbox and the cursors back at the start: the next round plans the same 10,000 alerts."""
    with transaction(deps.new_session) as session:
        session.execute(sa.delete(Post))
        session.execute(sa.delete(Outbox))
        session.execute(sa.delete(AlertCursor))
        session.add(AlertCursor(team_id="T1", source="stage_change", last_id=0, updated_at=T0))
        session.add(AlertCursor(team_id="T1", source="activity", last_id=0, updated_at=T0))


def timed(work: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def plan(deps: Deps) -> int:
    now, added = T0 + timedelta(minutes=2), 0
    while True:
        more = plan_alerts(deps, now)
        if not more:
            return added
        added += more


def bare_enqueue(deps: Deps, events: int, subscriptions: int) -> int:
    with transaction(deps.new_session) as session:
        for n in range(events):
            enqueue(session, team_id="T1", kind="alert", recipient=f"C{n % subscriptions:03d}", due_at=T0,
                    dedupe_key=f"bare:{n}", record_type="opportunity", record_id=n + 1,
                    payload={"event": "stage_changed", "actor": "U000", "at": T0.isoformat(),
                             "from_stage": "Qualify", "to_stage": "Develop", "subscription_id": 1})  # fmt: skip
    return events


def bare_insert(deps: Deps, events: int, subscriptions: int) -> int:
    rows = [{"team_id": "T1", "kind": "alert", "recipient": f"C{n % subscriptions:03d}", "due_at": T0,
             "dedupe_key": f"bare:{n}", "record_type": "opportunity", "record_id": n + 1, "status": "pending",
             "attempts": 0, "last_error": "", "created_at": T0,
             "payload": {"event": "stage_changed", "actor": "U000", "at": T0.isoformat(), "from_stage": "Qualify",
                         "to_stage": "Develop", "subscription_id": 1}} for n in range(events)]  # fmt: skip
    with transaction(deps.new_session) as session:
        session.execute(sa.insert(Outbox), rows)
    return events


def dispatch(deps: Deps, api_url: str) -> tuple[int, float]:
    """Send every due alert; returns (alerts sent, the dispatcher's overhead ms per alert)."""
    dispatcher = Dispatcher(deps, make_client("xoxb-x", api_url, inline_retries=False), plan=False)
    now = T0 + timedelta(minutes=3)
    while True:
        dispatcher.tick(now)
        with transaction(deps.new_session) as session:
            left = session.exec(select(sa.func.count()).where(Outbox.status == "pending")).one()
            sent = session.exec(select(sa.func.count()).where(Outbox.status == "sent")).one()
        if not left:
            break
        now += timedelta(seconds=1)
    overhead = dispatcher.stats.overhead_ms_per_row
    dispatcher.close()
    return sent, overhead


def bare_send(api_url: str, events: int, subscriptions: int, threads: int) -> int:
    client = make_client("xoxb-x", api_url, inline_retries=False)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Stage changed*: Espresso machines"}}]

    def post(n: int) -> None:
        client.chat_postMessage(channel=f"C{n % subscriptions:03d}", text="Stage changed", blocks=blocks)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(post, range(events)))
    return events


def summary(name: str, values: list[float], unit: str = "s") -> str:
    return f"{name:<34} {min(values):9.3f} {statistics.median(values):9.3f} {max(values):9.3f} {unit}"


def ratios(name: str, top: list[float], bottom: list[float]) -> str:
    found = [a / b for a, b in zip(top, bottom, strict=True)]
    return f"ratio {name}: min {min(found):.2f} · median {statistics.median(found):.2f} · max {max(found):.2f}"


def run(args: argparse.Namespace, url: str) -> dict[str, list[float]]:
    dispatcher_module.CHANNEL_INTERVAL = timedelta(seconds=args.channel_interval)
    seed(url, events=args.events, subscriptions=args.subscriptions)
    fake = SlackProcess(scale=1e6, per_minute=None, latency=args.latency)
    deps = build_deps(load_settings(_env_file=None, database_url=url, slack_api_url=fake.url, slack_bot_token="xoxb-x"))
    found: dict[str, list[float]] = {key: [] for key in ("plan", "enqueue", "insert", "dispatch", "send", "overhead")}
    try:
        for round_number in range(args.rounds):
            reset(deps)
            seconds, count = timed(lambda: bare_enqueue(deps, args.events, args.subscriptions))
            found["enqueue"].append(seconds)
            reset(deps)
            seconds, count = timed(lambda: bare_insert(deps, args.events, args.subscriptions))
            found["insert"].append(seconds)
            reset(deps)
            seconds, count = timed(lambda: plan(deps))
            assert count == args.events, f"planned {count} alerts, expected {args.events}"
            found["plan"].append(seconds)
            seconds, (sent, overhead) = timed(lambda: dispatch(deps, fake.url))
            assert sent == args.events, f"sent {sent} alerts, expected {args.events}"
            found["dispatch"].append(seconds)
            found["overhead"].append(overhead)
            seconds, _ = timed(
                lambda: bare_send(fake.url, args.events, args.subscriptions, deps.settings.dispatcher_send_threads)
            )
            found["send"].append(seconds)
            print(f"round {round_number + 1}:", json.dumps({k: round(v[-1], 3) for k, v in found.items()}), flush=True)
    finally:
        deps.engine.dispose()
        fake.stop()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.002, help="the fake Slack's answer time, seconds")
    parser.add_argument("--channel-interval", type=float, default=0.0, help="dispatcher pacing per channel, s")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'alerts.db'}"
        found = run(args, url)
    print(f"python {platform.python_version()} · {platform.machine()} · {url.split(':', 1)[0]} · "
          f"{args.events} events × {args.subscriptions} subscriptions · {args.rounds} rounds, interleaved")  # fmt: skip
    print(f"{'case':<34} {'min':>9} {'median':>9} {'max':>9}")
    print(summary("(a) plan -> outbox", found["plan"]))
    print(summary("(a0) enqueue() per row (reference)", found["enqueue"]))
    print(summary("(a1) one bulk INSERT (reference)", found["insert"]))
    print(summary("(b) dispatcher -> fake Slack", found["dispatch"]))
    print(summary("(b0) bare chat.postMessage (ref.)", found["send"]))
    print(summary("dispatcher overhead per alert", found["overhead"], "ms"))
    per_alert = [seconds * 1e6 / args.events for seconds in found["plan"]]
    print(summary("planning per alert", per_alert, "µs"))
    print(ratios("(a) / (a0)", found["plan"], found["enqueue"]))
    print(ratios("(a) / (a1)", found["plan"], found["insert"]))
    print(ratios("(b) / (b0)", found["dispatch"], found["send"]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
