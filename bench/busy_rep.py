"""The surfaces a rep or a manager touches, in a busy workspace: which of them read more as the data grows.

`--seed FILE` adds to a SQLite file seeded by bench/ack_surfaces.py (1M opportunities, the rep U1 with ~20,000
deals and 10,000 leads) what no other bench seeds, at a busy workspace's scale (Core inserts, the same rows
for every checkout; the file is left at its schema, each contestant upgrades its copy with its own code):
  appointments  U1 owns 3,000 over the last and next 60 days (the past half marked done), attends 1,000 of
                50 colleagues', who have 6,000 more among themselves;
  quotes        400 waiting for the manager UMGR's approval, 200 of U1's Active quotes expired, 40 revisions
                on one deal;
  posts         200,000 posted card copies (a card per record created from Slack), 3 of one deal;
  contacts      10,000, one of them the contact of 500 of U1's deals and a stakeholder on 50;
  sequences     30, with 20,000 records enrolled (10,000 active);
  alerts        50 subscriptions of UMGR in 10 channels; 300 open deal rooms and 2,700 archived ones;
  timeline      5,000 entries on one deal and 5,000 on one of U1's open leads (Qualify copies them).
UMGR manages U1 (so UMGR's digest is the team's). Each part is marked in `bench_meta`: seeding a file again
adds only the parts it lacks.

Then, per contestant (this checkout, `--before DIR` on its own copy), in a child with its checkout first on
sys.path: each surface's read called in-process (the service or store function its listener calls), warm,
`--calls` times; the figures are CPU ms per call (time.thread_time, the cheapest of 5 batches), SQL
statements per call and ORM objects built per call (Qualify's copy runs in a transaction rolled back after
each call). App Home is measured through its real listener by
bench/ack_cpu.py (`--event home --user U1|UMGR` on the same files).

    python bench/busy_rep.py --seed /tmp/audit/busy.db
    python bench/busy_rep.py --rounds 3 --sqlite /tmp/audit/mine.db --before /work/wt-base \\
        --before-sqlite /tmp/audit/before.db
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEAM, USER, MANAGER = "T1", "U1", "UMGR"
COLLEAGUES = [f"UC{n:02d}" for n in range(50)]
SURFACES = ("contact card", "card refresh: posted copies", "opportunity card data", "sequence list",
            "alert subscriptions (DM)", "timeline page, 5,000 entries", "deal room of a deal",
            "digest: manager's team", "digest: rep's own", "work queue (U1)", "channel message: a deal room?",
            "qualify: carry 5,000 entries over")  # fmt: skip


# --- the seed -------------------------------------------------------------------------------------


def seed(path: Path) -> None:
    """Each part once (a `bench_meta` row marks it), so a file seeded by an earlier version gains the new ones."""
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{path}")
    for part, rows_of in (("busy", _rows), ("busy-rooms-lead", _more_rows)):
        with engine.begin() as connection:
            if connection.execute(sa.text("SELECT 1 FROM bench_meta WHERE key = :k"), {"k": part}).first():
                continue
            opps = _opportunities(connection)
            for table, rows in rows_of(connection, opps, datetime.now(UTC).replace(microsecond=0)):
                keys = {key for row in rows for key in row}  # one statement: every row with every key
                connection.execute(sa.insert(table), [{key: row.get(key) for key in keys} for row in rows])
            if part == "busy":
                _links(connection, opps)
            connection.execute(sa.text("INSERT INTO bench_meta (key, value) VALUES (:k, '')"), {"k": part})
    engine.dispose()


def _opportunities(connection: Any) -> list[int]:
    """U1's first 1,000 deals (by id): the records the seed attaches things to."""
    import sqlalchemy as sa

    query = "SELECT id FROM opportunity WHERE team_id = :t AND owner_id = :u ORDER BY id LIMIT 1000"
    return [r[0] for r in connection.execute(sa.text(query), {"t": TEAM, "u": USER})]


def _busy_lead(connection: Any) -> int:
    import sqlalchemy as sa

    query = "SELECT min(id) FROM lead WHERE team_id = :t AND owner_id = :u AND status = 'open'"
    return int(connection.execute(sa.text(query), {"t": TEAM, "u": USER}).scalar())


def _more_rows(connection: Any, opps: list[int], now: datetime) -> list[tuple[Any, list[dict[str, Any]]]]:
    """2,700 archived deal rooms (a year of closed deals), and 5,000 timeline entries on one of U1's open leads."""
    from store import models as m

    rooms = [{**room, "opportunity_id": opps[n % len(opps)], "channel_id": f"COLD{n:05d}", "name": f"old-{n}",
              "status": "archived"} for n, room in enumerate(_rooms(opps) * 9)]  # fmt: skip
    lead = _busy_lead(connection)
    entries = [{**entry, "record_type": "lead", "record_id": lead} for entry in _timeline(lead, now)]
    return [(m.DealRoom, rooms), (m.Activity, entries)]


def _rows(_: Any, opps: list[int], now: datetime) -> list[tuple[Any, list[dict[str, Any]]]]:
    from store import models as m

    return [(m.SlackUser, _users(now)), (m.Appointment, _appointments(opps, now)), (m.Quote, _quotes(opps, now)),
            (m.Post, _posts(opps)), (m.Contact, _contacts()), (m.Sequence, _sequences()),
            (m.Enrollment, _enrollments(now)), (m.AlertSubscription, _subscriptions()),
            (m.DealRoom, _rooms(opps)), (m.Activity, _timeline(opps[0], now))]  # fmt: skip


def _users(now: datetime) -> list[dict[str, Any]]:
    people = [(USER, "rep", MANAGER), (MANAGER, "manager", None)] + [(c, "rep", None) for c in COLLEAGUES]
    return [{"team_id": TEAM, "user_id": user, "name": user, "role": role, "manager_id": manager, "tz": "UTC",
             "profile_fetched_at": now, "is_slack_admin": False, "daily_summary": False,
             "digest_when_empty": False, "created_at": now} for user, role, manager in people]  # fmt: skip


def _appointments(opps: list[int], now: datetime) -> list[dict[str, Any]]:
    def row(n: int, owner: str, attendees: list[str], span: int) -> dict[str, Any]:
        start = now - timedelta(days=60) + timedelta(minutes=n * 120 * 24 * 60 // span)
        done = start < now and n % 2 == 0
        return {"team_id": TEAM, "record_type": "opportunity", "record_id": opps[n % len(opps)], "owner_id": owner,
                "subject": f"Meeting {owner} {n}", "start_at": start, "duration_minutes": 30, "location": "",
                "attendees": attendees, "status": "done" if done else "scheduled", "outcome": "",
                "created_at": now}  # fmt: skip

    own = [row(n, USER, [COLLEAGUES[n % 50]], 3000) for n in range(3000)]
    attended = [row(n, COLLEAGUES[n % 50], [USER, COLLEAGUES[(n + 1) % 50]], 1000) for n in range(1000)]
    others = [row(n, COLLEAGUES[n % 50], [COLLEAGUES[(n + 7) % 50]], 6000) for n in range(6000)]
    return own + attended + others


def _quotes(opps: list[int], now: datetime) -> list[dict[str, Any]]:
    def row(n: int, status: str, **fields: Any) -> dict[str, Any]:
        return {"team_id": TEAM, "opportunity_id": opps[n % len(opps)], "number": n + 1, "revision": 1,
                "name": f"Quote {n}", "status": status, "owner_id": USER, "account_name": f"Account {n}",
                "currency": "EUR", "subtotal": 1000, "total": 1220, "version": 1, "created_at": now,
                "updated_at": now, "created_by": USER, **fields}  # fmt: skip

    waiting = [row(n, "in_review", approver_id=MANAGER, submitted_at=now - timedelta(hours=n)) for n in range(400)]
    expired = [row(400 + n, "active", valid_until=date.today() - timedelta(days=1 + n)) for n in range(200)]
    revisions = [{**row(600, "revised" if n < 39 else "draft"), "opportunity_id": opps[1], "revision": n + 1}
                 for n in range(40)]  # fmt: skip
    return waiting + expired + revisions


def _posts(opps: list[int]) -> list[dict[str, Any]]:
    rows = [{"team_id": TEAM, "record_type": "lead" if n % 2 else "opportunity", "record_id": 10_000_000 + n,
             "channel": f"D{n % 500:04d}", "ts": f"1700000000.{n:06d}", "kind": "card"}
            for n in range(200_000)]  # fmt: skip
    rows += [
        {**rows[n], "record_type": "opportunity", "record_id": opps[2], "ts": f"1800000000.{n:06d}"} for n in range(3)
    ]
    return rows


def _contacts() -> list[dict[str, Any]]:
    return [{"team_id": TEAM, "first_name": f"First{n}", "last_name": f"Last{n}", "email": f"c{n}@example.com",
             "email_key": f"c{n}@example.com", "job_title": "Buyer"} for n in range(10_000)]  # fmt: skip


def _sequences() -> list[dict[str, Any]]:
    steps = [
        {"kind": "call", "description": "Call"},
        {"kind": "wait", "days": 2},
        {"kind": "email", "description": "Mail"},
    ]
    return [{"team_id": TEAM, "name": f"Sequence {n}", "steps": steps, "created_by": MANAGER, "active": True}
            for n in range(30)]  # fmt: skip


def _enrollments(now: datetime) -> list[dict[str, Any]]:
    return [{"team_id": TEAM, "sequence_id": 1 + n % 30, "sequence_name": f"Sequence {n % 30}", "record_type": "lead",
             "record_id": 20_000_000 + n, "owner_id": USER, "steps": [], "position": 0,
             "status": "active" if n % 2 else "completed", "started_at": now} for n in range(20_000)]  # fmt: skip


def _subscriptions() -> list[dict[str, Any]]:
    events = ("lead_created", "opportunity_created", "stage_changed", "won", "lost")
    return [{"team_id": TEAM, "channel_id": f"CALERT{n % 10}", "event": events[n % 5], "delivery": "now",
             "status": "active", "created_by": MANAGER} for n in range(50)]  # fmt: skip


def _rooms(opps: list[int]) -> list[dict[str, Any]]:
    return [{"team_id": TEAM, "opportunity_id": opps[n], "channel_id": f"CROOM{n:04d}", "name": f"deal-{n}",
             "status": "open", "created_by": USER} for n in range(300)]  # fmt: skip


def _timeline(opp: int, now: datetime) -> list[dict[str, Any]]:
    return [{"team_id": TEAM, "record_type": "opportunity", "record_id": opp, "kind": "note", "subject": f"Note {n}",
             "body": f"Busy timeline entry {n}", "author_id": USER, "occurred_at": now - timedelta(minutes=n),
             "data": {}, "deleted": False, "created_at": now} for n in range(5_000)]  # fmt: skip


def _links(connection: Any, opps: list[int]) -> None:
    """The first contact is the contact of 500 of U1's deals and a stakeholder on 50 of them."""
    import sqlalchemy as sa

    contact = connection.execute(sa.text("SELECT min(id) FROM contact WHERE team_id = :t"), {"t": TEAM}).scalar()
    ids = ",".join(map(str, opps[:500]))
    connection.execute(sa.text(f"UPDATE opportunity SET contact_id = :c WHERE id IN ({ids})"), {"c": contact})
    connection.execute(sa.text(
        "INSERT INTO stakeholder (team_id, record_type, record_id, name, role, contact_id, created_by, created_at) "
        "SELECT :t, 'opportunity', id, 'First0 Last0', 'influencer', :c, :u, CURRENT_TIMESTAMP FROM opportunity "
        "WHERE id IN (" + ",".join(map(str, opps[:50])) + ")"), {"t": TEAM, "c": contact, "u": USER})  # fmt: skip


# --- the surfaces, in the contestant's child --------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """In the contestant's process: its app's reads on its copy, {surface: [cpu ms, statements, objects]}."""
    sys.path.insert(0, args.root)
    import sqlalchemy as sa
    from sqlalchemy.orm import Mapper

    from bot.config import load_settings
    from bot.deps import build_deps
    from store.db import upgrade

    settings = load_settings(_env_file=None, slack_bot_token="xoxb-bench", slack_signing_secret="s",
                             database_url=args.database_url, slack_app_token=None)  # fmt: skip
    deps = build_deps(settings)
    upgrade(deps.engine)
    counted = {"statements": 0, "objects": 0}
    sa.event.listen(
        deps.engine, "before_cursor_execute", lambda *_: counted.__setitem__("statements", counted["statements"] + 1)
    )
    sa.event.listen(Mapper, "load", lambda *_: counted.__setitem__("objects", counted["objects"] + 1))
    figures = {}
    for name, call in _surfaces(deps, settings).items():
        for _ in range(3):
            call()
        counted.update(statements=0, objects=0)
        call()
        once = dict(counted)
        figures[name] = [_cpu(call, args.calls), once["statements"], once["objects"]]
    deps.engine.dispose()
    print(json.dumps(figures))


def _cpu(call: Callable[[], object], calls: int) -> float:
    batches = []
    for _ in range(5):
        started = time.thread_time()
        for _ in range(calls):
            call()
        batches.append((time.thread_time() - started) / calls * 1000)
    return min(batches)


def _surfaces(deps: Any, settings: Any) -> dict[str, Callable[[], object]]:
    """Each surface's read as its listener or job calls it, in a transaction of its own."""
    import sqlalchemy as sa

    from bot.ids import RecordRef
    from bot.services import alerts, cards, contacts, deal_rooms, opportunities, records, sequences
    from store import deal_rooms as deal_rooms_store
    from store.access import Viewer
    from store.db import transaction
    from store.users import Asker

    with deps.engine.connect() as connection:
        opps = _opportunities(connection)
        contact = connection.execute(sa.text("SELECT min(id) FROM contact WHERE team_id = :t"), {"t": TEAM}).scalar()
        lead = _busy_lead(connection)

    def read(fn: Callable[..., object], *a: Any, **k: Any) -> Callable[[], object]:
        def call() -> object:
            with transaction(deps.new_session) as session:
                return fn(session, *a, **k)

        return call

    manager = Viewer(TEAM, MANAGER, "manager", frozenset({USER}))
    busy = RecordRef("opportunity", opps[0])  # 5,000 timeline entries
    asker = Asker(TEAM, USER, frozenset())
    return {
        SURFACES[0]: read(contacts.contact_card, team_id=TEAM, contact_id=contact),
        SURFACES[1]: read(cards.posted_copies, TEAM, RecordRef("opportunity", opps[2])),
        SURFACES[2]: read(opportunities.load_data, team=TEAM, opp_id=opps[1]),
        SURFACES[3]: read(sequences.sequences_with_counts, team_id=TEAM),
        SURFACES[4]: read(alerts.listing, manager, channel_id=""),
        SURFACES[5]: lambda: records.timeline_page(deps.engine, deps.new_session, asker, busy, 0),
        SURFACES[6]: read(deal_rooms.room_channel, team_id=TEAM, opportunity_id=opps[5]),
        SURFACES[7]: read(_digest, settings, MANAGER, "team"),
        SURFACES[8]: read(_digest, settings, USER, "self"),
        SURFACES[9]: _work_queue(deps),
        SURFACES[10]: read(deal_rooms_store.room_in_channel, team_id=TEAM, channel_id="CGENERAL"),
        SURFACES[11]: _qualify_copy(deps, lead),
    }  # fmt: skip


def _qualify_copy(deps: Any, lead_id: int) -> Callable[[], object]:
    """What Qualify copies onto the new deal (stakeholders, competitors, the timeline), rolled back each time."""
    from bot.services.leads import _carry_over
    from store.models import Lead

    def call() -> object:
        with deps.new_session() as session:
            lead = session.get(Lead, lead_id)
            _carry_over(session, lead, 1)
            session.rollback()
        return lead

    return call


def _digest(session: Any, settings: Any, user: str, scope: str) -> object:
    from scheduler.digests import build_digest
    from store.models import Outbox

    row = Outbox(team_id=TEAM, recipient=user, kind="digest", payload={"scope": scope, "day": date.today().isoformat()})
    return build_digest(session, settings, row, tz="UTC")


def _work_queue(deps: Any) -> Callable[[], object]:
    from bot.services.work_queue import queue
    from store.db import transaction
    from store.prepared import reading

    def call() -> object:
        now = datetime.now(UTC)
        end = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        with reading(deps.engine) as reader, transaction(deps.new_session) as session:
            return queue(session, reader, team_id=TEAM, user_id=USER, now=now, day_end=end, limit=15)

    return call


# --- the runs ---------------------------------------------------------------------------------------


def run_child(root: Path, path: Path, calls: int) -> dict[str, list[float]]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--root", str(root),
               "--database-url", f"sqlite:///{path}", "--calls", str(calls)]  # fmt: skip
    done = subprocess.run(command, cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{root}: {done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def spread(values: list[float], digits: int = 3) -> str:
    return " / ".join(f"{v:.{digits}f}" for v in (min(values), statistics.median(values), max(values)))


def report(results: dict[str, list[dict[str, list[float]]]]) -> None:
    names = list(results)
    header = ["surface"] + [f"{n}: CPU ms (min / median / max)" for n in names]
    header += [f"{n}: statements, objects" for n in names] + (
        [f"{names[0]} ÷ {names[1]} per round"] if len(names) > 1 else []
    )
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for surface in results[names[0]][0]:
        cells = [surface] + [spread([r[surface][0] for r in results[n]]) for n in names]
        cells += [f"{results[n][0][surface][1]:.0f}, {results[n][0][surface][2]:.0f}" for n in names]
        if len(names) > 1:
            cells.append(
                spread(
                    [a[surface][0] / b[surface][0] for a, b in zip(*(results[n] for n in names[:2]), strict=True)], 2
                )
            )
        print("| " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=Path, default=None, help="add the busy data to this SQLite file")
    parser.add_argument("--sqlite", type=Path, default=None, help="this checkout's seeded copy")
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--before-sqlite", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=20, help="calls per batch (5 batches)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    if args.seed:
        seed(args.seed)
        return 0
    contestants = [("salesbot", ROOT, args.sqlite)] + (
        [("before", args.before, args.before_sqlite)] if args.before else []
    )
    results: dict[str, list[dict[str, list[float]]]] = {name: [] for name, _, _ in contestants}
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    for number in range(args.rounds):
        shift = number % len(contestants)
        for name, root, path in contestants[shift:] + contestants[:shift]:
            results[name].append(run_child(root, path, args.calls))
            print(f"round {number + 1} {name}: {json.dumps(results[name][-1])}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
