"""Benchmark: the assistant's planning over a workspace of 1,000,000 opportunities (bench/pipeline.py's
kept databases: 50 owners, 80 % open, close dates over 3 years), against the bare SQL of the same
statements in the same run.

    python bench/planner.py [--rounds 5] [--sqlite PATH] [--postgres URL | --postgres ''] [--no-sqlite]

Two cases, each what the scheduler runs once a minute or once a morning:
  nudges        scheduler.planner.nudges for the whole workspace (overdue tasks, deals past their close
                date, stale deals: at most NUDGES_PER_KIND of each kind per owner)
  team digest   scheduler.digests.build_digest for a manager of 10 reps (sections of 15 items, the rest
                counted)
Each runs interleaved with the bare SQL it sent (captured, replayed through the driver's cursor), over
`--rounds` rounds after a warm-up; min / median / max of each and of the per-round ratio.
`--tasks N` gives each of the ten reps N open tasks (due from 30 days ago to 6 days ahead): the digest's
"Due today" and "Overdue" sections then read tasks too.
The databases are loaded (or reused) by bench/pipeline.py's loader; the manager and reps are added as
users of the workspace if missing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import pipeline as seeded  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.domain.assistant import local_date  # noqa: E402
from scheduler.digests import build_digest  # noqa: E402
from scheduler.planner import nudges  # noqa: E402
from store.db import make_engine, session_factory, transaction  # noqa: E402
from store.models import Outbox, SlackUser, Task  # noqa: E402

MANAGER, REPS = "UM", [f"U{n:03d}" for n in range(10)]
TZ = "Europe/Rome"


def add_team(engine: sa.Engine) -> None:
    """A manager and ten reps, as users of the seeded workspace (kept for the next run)."""
    with transaction(session_factory(engine)) as session:
        known = {u.user_id for u in session.query(SlackUser).filter(SlackUser.team_id == seeded.TEAM)}  # type: ignore[arg-type]
        wanted = [SlackUser(team_id=seeded.TEAM, user_id=MANAGER, role="manager", tz=TZ)]
        wanted += [SlackUser(team_id=seeded.TEAM, user_id=rep, manager_id=MANAGER, tz=TZ) for rep in REPS]
        session.add_all([user for user in wanted if user.user_id not in known])


def add_tasks(engine: sa.Engine, per_rep: int) -> None:
    """`per_rep` open tasks for each rep, due from 30 days ago to 6 days ahead of the bench's now (overdue
    ones, today's and later), kept for the next run (a `bench_meta` row says how many)."""
    marker = f"tasks_per_rep={per_rep}"
    with engine.begin() as connection:
        if connection.execute(sa.text("SELECT 1 FROM bench_meta WHERE key = 'planner' AND value = :v"),
                              {"v": marker}).first():  # fmt: skip
            return
        connection.execute(sa.text("DELETE FROM task WHERE team_id = :t"), {"t": seeded.TEAM})
        start, span = seeded.NOW - timedelta(days=30), timedelta(days=36) / max(1, per_rep)
        rows = [{"team_id": seeded.TEAM, "owner_id": rep, "title": f"Call back {n}", "kind": "call",
                 "status": "open", "priority": 1 + n % 3, "due_at": start + span * n}
                for rep in REPS for n in range(per_rep)]  # fmt: skip
        connection.execute(sa.insert(Task), rows)
        connection.execute(sa.text("DELETE FROM bench_meta WHERE key = 'planner'"))
        connection.execute(sa.text("INSERT INTO bench_meta (key, value) VALUES ('planner', :v)"), {"v": marker})


def cases(engine: sa.Engine) -> dict[str, Callable[[], Any]]:
    new_session = session_factory(engine)
    settings = load_settings(slack_bot_token="xoxb-bench", slack_signing_secret="bench")
    day = local_date(seeded.NOW, TZ)
    row = Outbox(team_id=seeded.TEAM, recipient=MANAGER, kind="digest", dedupe_key="bench",
                 payload={"scope": "team", "day": day.isoformat()}, due_at=seeded.NOW)  # fmt: skip

    def planned() -> Any:
        with transaction(new_session) as session:
            return nudges(session, settings, seeded.TEAM, seeded.NOW)

    def digest() -> Any:
        with transaction(new_session) as session:
            return build_digest(session, settings, row, tz=TZ)

    return {"nudges": planned, "team digest": digest}


def detail(name: str, result: Any, statements: int) -> str:
    if name == "nudges":
        kinds = sorted({r["payload"]["nudge"] for r in result})
        return f"{len(result):,} nudges ({', '.join(kinds)}), {statements} queries"
    more = ", ".join(f"{heading}: {shown} shown + {result.more.get(heading, 0):,} counted"
                     for heading, items in result.sections if (shown := len(items)))  # fmt: skip
    return f"{more}; {statements} queries"


def measure(url: str, rounds: int, tasks: int = 0) -> list[tuple[str, list[float], list[float], str]]:
    engine = make_engine(url)
    add_team(engine)
    if tasks:
        add_tasks(engine, tasks)
    results = []
    for name, run in cases(engine).items():
        result, statements = seeded.captured_sql(engine, run)
        ours, bare = seeded.interleaved(run, seeded.bare_sql(engine, statements), rounds)
        results.append((name, ours, bare, detail(name, result, len(statements))))
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", default=seeded.DEFAULT_PG, help="PostgreSQL URL, or '' to skip")
    parser.add_argument("--sqlite", default="", help="the kept SQLite file (default: bench/pipeline.py's)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--tasks", type=int, default=0, help="open tasks per rep (0: none, as before)")
    args = parser.parse_args()
    args.rows, args.owners = 1_000_000, 50
    print(f"machine: {seeded.machine()}; now {seeded.NOW:%Y-%m-%d %H:%M} UTC, stale after 14 days")
    for name, url, schema in seeded._targets(args):
        key = seeded.load_key(args.rows, args.owners)
        if not seeded.loaded(url, key):
            if name == "SQLite":
                seeded.load_sqlite(Path(sa.engine.make_url(url).database or ""), args.rows, args.owners)
            else:
                seeded.load_postgres(url, schema, args.rows, args.owners)
            seeded.mark_loaded(url, key)
        print(f"\n{name} ({url})\n\n| case | bot ms min / median / max | bare SQL ms min / median / max "
              "| ratio per round min / median / max | detail |\n|---|---|---|---|---|")  # fmt: skip
        for case, ours, bare, what in measure(url, args.rounds, args.tasks):
            ratios = [o / b for o, b in zip(ours, bare, strict=True)]
            print(f"| {case} | {seeded._spread(ours, 1000)} | {seeded._spread(bare, 1000)} | "
                  f"{seeded._spread(ratios, 1, '.2f')} | {what} |")  # fmt: skip


if __name__ == "__main__":
    main()
