"""Bare SQL of `/opp list` and `/opp TEXT`'s reads on PostgreSQL, per statement: as `main` ran them
(`plan_cache_mode = auto`, psycopg's prepared statements) against as this branch runs them
(`force_generic_plan`; the text probe with its text inlined, planned for it). Wall time per execution
and the server backend's CPU per execution (read from /proc: the server must run on this machine), on
one connection per mode, the modes alternating by round; then how many generic and custom plans each
prepared statement got (pg_prepared_statements), and with `--plans` the generic plans.

The data: a schema seeded by bench/ack_surfaces.py (the rep U1 owning ~20,000 of 1,000,000 deals).

    python bench/opp_reads_pg.py --schema home_mine --rounds 5 --calls 400
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import figures  # noqa: E402
from store import opportunity_lists as ol  # noqa: E402
from store import process_libraries, users  # noqa: E402
from store.prepared import PreparedQuery  # noqa: E402
from store.text_search import query_value  # noqa: E402

DIALECT = sa.create_engine("postgresql+psycopg://").dialect
MODES = ("auto", "generic")


def connect(schema: str, generic: bool) -> psycopg.Connection[Any]:
    connection = psycopg.connect("host=127.0.0.1 user=postgres dbname=bench", options=f"-csearch_path={schema}")
    connection.autocommit = True
    if generic:
        connection.execute("SET plan_cache_mode = force_generic_plan")
    return connection


def cases(connection: psycopg.Connection[Any]) -> dict[str, tuple[PreparedQuery, dict[str, Any]]]:
    """The reads of `/opp list` and `/opp TEXT` (bench/ack_surfaces.py's texts) with the rep's values."""
    shown = [row[0] for row in connection.execute(
        "SELECT id FROM opportunity WHERE team_id = 'T1' AND owner_id = 'U1' AND status = 'open' "
        "ORDER BY estimated_close_date, id LIMIT 40")]  # fmt: skip
    base = {"team": "T1", "user": "U1", "limit": 10}
    probed = {}
    for text in ("4711", "31415"):
        sql, values = ol._PG_PROBE.parameters(DIALECT, {"query": query_value("postgresql", text)})
        probed[text] = [row[0] for row in connection.execute(sql, values)]
    return {
        "role (who asks)": (users._ROLE_SQL, {"team": "T1", "user": "U1"}),
        "process version": (process_libraries._VERSION, {"team": "T1"}),
        "list: dated page": (ol._DATED, {"team": "T1", "user": "U1", "limit": 200}),
        "list: open count": (ol._OPEN_COUNT, {"team": "T1", "user": "U1"}),
        "list: 40 by id": (ol._BY_IDS, {"team": "T1", "ids": shown}),
        "search: probe 'deal 12'": (ol._PG_PROBE, {"query": query_value("postgresql", "deal 12")}),
        "search: probe 'nordlicht'": (ol._PG_PROBE, {"query": query_value("postgresql", "nordlicht")}),
        "search: few '4711' (300)": (ol._FEW[ol.REP], {**base, "ids": probed["4711"]}),
        "search: few '31415' (20)": (ol._FEW[ol.REP], {**base, "ids": probed["31415"]}),
        "search: walk 'deal 12'": (ol._WALK, {**base, "text": "deal 12"}),
        "search: walk '999'": (ol._WALK, {**base, "text": "999"}),
        "search: any orders": (ol._WITH_ORDERS, {"team": "T1", "ids": probed["4711"]}),
        "manager: owner walk '999'": (ol._OWNER_WALK, {**base, "text": "999"}),
        "admin: team walk '999'": (ol._TEAM_WALK, {**base, "text": "999"}),
    }


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(
    connection: psycopg.Connection[Any], pid: int, sql: str, values: Any, inline: bool, calls: int
) -> tuple[float, float]:
    """Wall and backend CPU ms per execution, after 20 executions (psycopg prepares from the 5th)."""
    client = psycopg.ClientCursor(connection)

    def run() -> None:
        (client.execute(sql, values) if inline else connection.execute(sql, values, prepare=True)).fetchall()

    for _ in range(20):
        run()
    wall, cpu = time.perf_counter(), backend_cpu(pid)
    for _ in range(calls):
        run()
    return (time.perf_counter() - wall) / calls * 1e3, (backend_cpu(pid) - cpu) / calls * 1e3


def generic_plan(connection: psycopg.Connection[Any], sql: str, values: dict[str, Any]) -> list[str]:
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
    for number, name in enumerate(names, 1):
        sql = sql.replace(f"%({name})s", f"${number}")
    client = psycopg.ClientCursor(connection)
    client.execute("PREPARE generic_check AS " + sql)
    try:
        client.execute(f"EXPLAIN EXECUTE generic_check({', '.join(['%s'] * len(names))})", [values[n] for n in names])
        return [str(row[0]) for row in client.fetchall()]
    finally:
        client.execute("DEALLOCATE generic_check")


spread = functools.partial(figures.spread, digits=3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", default="home_mine")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--plans", action="store_true", help="print the generic plans and stop")
    args = parser.parse_args()
    connections = {mode: connect(args.schema, mode == "generic") for mode in MODES}
    reads = cases(connections["auto"])
    if args.plans:
        for name, (query, values) in reads.items():
            sql, bound = query.parameters(DIALECT, values)
            print(f"== {name}\n   " + "\n   ".join(generic_plan(connections["generic"], sql, bound)))
        return 0
    pids = {mode: int(c.execute("SELECT pg_backend_pid()").fetchone()[0]) for mode, c in connections.items()}  # type: ignore[index]
    results: dict[str, dict[str, list[tuple[float, float]]]] = {name: {m: [] for m in MODES} for name in reads}
    for number in range(args.rounds):
        for name, (query, values) in reads.items():
            sql, bound = query.parameters(DIALECT, values)
            for mode in MODES[:: 1 if number % 2 == 0 else -1]:
                inline = mode == "generic" and query is ol._PG_PROBE  # the branch's Reader.all_inlined
                results[name][mode].append(timed(connections[mode], pids[mode], sql, bound, inline, args.calls))
    for mode, connection in connections.items():
        plans = connection.execute(
            "SELECT generic_plans, custom_plans, left(statement, 50) FROM pg_prepared_statements"
        )
        print(mode, [row[:2] for row in plans.fetchall()])
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    print(
        "| read | wall ms, main (auto) | branch (generic) | branch / main per round "
        "| backend CPU ms, main | branch | ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, by_mode in results.items():
        row = [name]
        for part in (0, 1):
            old, new = ([r[part] for r in by_mode[m]] for m in MODES)
            ratios = [b / a for a, b in zip(old, new, strict=True) if a]
            row += [spread(old), spread(new), spread(ratios, digits=2) if ratios else "-"]
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
