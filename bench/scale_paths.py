"""Paths outside the lists at 1,000,000 opportunities, against the bare SQL of their own statements and,
with `--before DIR`, another checkout's code, in the same rounds:
  picker       the leads and opportunities "Log message to…" offers, for the rep U1 (~20,000 deals,
               10,000 leads) and for an admin;
  alert tick   the alert planner's reads of one tick past its cursors (scheduler.alerts._read_events,
               rolled back), the cursors 100 rows short of the end of the timeline and the stage changes;
  export       (`--export`, once per contestant) "Export data" of the workspace into a zip: seconds and the
               process's peak RSS.

The database: bench/ack_surfaces.py's SQLite seed (`--sqlite`, made with its `--seed-only`), shared by the
contestants: each child places the alert cursors first, and the tick's own writes are rolled back. Each
contestant runs in a child process of its own, its checkout first on sys.path; rounds alternate them. A
case's figure is the time per call of a sample repeating it for about 0.1 s; its bare SQL is the statements
it sent (captured once, replayed through the driver's cursor, bench/pipeline.py) in the same child,
interleaved.

    python bench/scale_paths.py --sqlite /tmp/final/1m.db --rounds 3 --before /work/wt-base [--export]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASES = ("picker, rep", "picker, admin", "alert tick")


def child(args: argparse.Namespace) -> None:
    """In the contestant's process: time each case and its bare SQL; print {case: [ms, bare ms]} as JSON."""
    sys.path.insert(0, args.root)
    from bench import pipeline as seeded
    from store.db import make_engine, session_factory

    engine = make_engine(f"sqlite:///{args.sqlite}")
    new_session = session_factory(engine)
    if args.export:
        print(json.dumps({"export": _export(engine, new_session)}))
        return
    figures = {}
    for name, run in _cases(engine, new_session).items():
        _, statements = seeded.captured_sql(engine, run)
        ours, bare = seeded.interleaved(run, seeded.bare_sql(engine, statements), 1)
        figures[name] = [ours[0] * 1000, bare[0] * 1000]
    print(json.dumps(figures))


def _cases(engine: Any, new_session: Any) -> dict[str, Any]:
    from bench.pipeline import NOW, TEAM
    from scheduler.alerts import _read_events
    from store.access import Viewer

    rep, admin = Viewer(TEAM, "U1", "rep"), Viewer(TEAM, "UADMIN", "admin")
    _place_cursors(engine, TEAM)

    def tick() -> Any:
        session = new_session()
        try:
            return _read_events(session, TEAM, NOW)
        finally:
            session.rollback()
            session.close()

    return {"picker, rep": _picker(engine, new_session, rep), "picker, admin": _picker(engine, new_session, admin),
            "alert tick": tick}  # fmt: skip


def _picker(engine: Any, new_session: Any, viewer: Any) -> Any:
    """The checkout's picker reads: `pickable_records` (this code) or `recent_visible` twice (before)."""
    from bot.services import records

    if hasattr(records, "pickable_records"):
        return lambda: records.pickable_records(engine, viewer)

    def before() -> Any:
        from store.db import transaction

        with transaction(new_session) as session:
            return [records.recent_visible(session, viewer, kind) for kind in ("lead", "opportunity")]

    return before


def _place_cursors(engine: Any, team: str) -> None:
    """Alert cursors 100 rows short of each table's end (a tick then reads what was written since)."""
    import sqlalchemy as sa

    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM alert_cursor")
        for source in ("activity", "stage_change"):
            last = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {source}").scalar_one()
            connection.execute(
                sa.text("INSERT INTO alert_cursor (team_id, source, last_id, updated_at) VALUES (:t, :s, :l, :u)"),
                {"t": team, "s": source, "l": max(0, last - 100), "u": "2026-06-15 12:00:00.000000"},
            )


def _export(engine: Any, new_session: Any) -> list[float]:
    """Seconds and peak RSS (MB) of exporting the workspace into a zip file (either checkout's API)."""
    import tempfile

    from bench.pipeline import TEAM
    from bot.services import workspaces
    from store.db import transaction

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, transaction(new_session) as session:
        target = Path(folder) / "export.zip"
        if hasattr(workspaces, "export_file"):
            workspaces.export_file(session, TEAM, target)
        else:
            target.write_bytes(workspaces.export_bytes(session, TEAM)[0])
        size = target.stat().st_size / 1e6
    return [time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, size]


def run_child(root: Path, args: argparse.Namespace, *, export: bool = False) -> dict[str, list[float]]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--root", str(root), "--sqlite", args.sqlite]
    if export:
        command.append("--export")
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{root}: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def spread(values: list[float], digits: int = 2) -> str:
    return " / ".join(f"{v:.{digits}f}" for v in (min(values), statistics.median(values), max(values)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", default="/tmp/salesbot-bench-acks-1m.db", help="bench/ack_surfaces.py's seed")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--export", action="store_true", help="also export the workspace, once per contestant")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    contestants = [("salesbot", ROOT)] + ([("before", args.before)] if args.before else [])
    results: dict[str, list[dict[str, list[float]]]] = {name: [] for name, _ in contestants}
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    for number in range(args.rounds):
        for name, root in contestants[number % 2 :] + contestants[: number % 2]:
            results[name].append(run_child(root, args))
            print(f"round {number + 1} {name}: {results[name][-1]}", flush=True)
    _report(contestants, results)
    if args.export:
        for name, root in contestants:
            seconds, rss, size = run_child(root, args, export=True)["export"]
            print(f"export, {name}: {seconds:.1f} s, peak RSS {rss:.0f} MB, zip {size:.1f} MB")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


def _report(contestants: list[tuple[str, Path]], results: dict[str, list[dict[str, list[float]]]]) -> None:
    print("\n| case | contestant | ms min / median / max | bare SQL ms | ÷ bare SQL per round | ÷ before per round |")
    print("|---|---|---|---|---|---|")
    for case in CASES:
        for name, _ in contestants:
            ours = [r[case][0] for r in results[name]]
            bare = [r[case][1] for r in results[name]]
            versus = "–"
            if name != "before" and "before" in results:
                versus = spread([o / b[case][0] for o, b in zip(ours, results["before"], strict=True)], 4)
            print(f"| {case} | {name} | {spread(ours)} | {spread(bare)} | "
                  f"{spread([o / b for o, b in zip(ours, bare, strict=True)])} | {versus} |")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
