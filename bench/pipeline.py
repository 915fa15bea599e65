"""Benchmark: `/pipeline` queries over 1,000,000 opportunities (50 owners, 4 stages, close dates over
3 years, 80 % open / 12 % won / 8 % lost, ~1.75M stage changes) on SQLite and PostgreSQL, and the
chart rendering time for 2,000 bubbles.

    python bench/pipeline.py [--rows 1000000] [--owners 50] [--postgres URL | --postgres '']

It times exactly what the bot runs after the ack (bot.services.pipeline.report: funnel + forecast
groups, won so far, stage moves, undated count — five grouped queries over covering indexes) for
one owner and for the whole workspace, this quarter and this year, plus the chart's data query.
Rows go in with raw sqlite3.executemany / psycopg COPY, secondary indexes built afterwards.
PostgreSQL works in its own schema (`bench_pipeline`, dropped at the end unless --keep).
Each query set runs interleaved with the bare SQL of the same statements (captured from the bot's
run, replayed through the driver's cursor: the same database, plans and rows) over `--rounds` rounds
after a warm-up; the ratio of each round is reported, min / median / max.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bot.domain.process import DEFAULT_PROCESS, ProcessLibrary  # noqa: E402
from bot.services import pipeline as service  # noqa: E402
from bot.views import charts  # noqa: E402
from store.access import Viewer  # noqa: E402
from store.db import make_engine, session_factory, transaction, upgrade  # noqa: E402
from store.models import Opportunity, StageChange  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_pipeline"
TEAM = "T1"
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # the middle of the 3 years of close dates
FIRST_DAY = date(2025, 1, 1)
DAYS = (date(2028, 1, 1) - FIRST_DAY).days
STAGES = DEFAULT_PROCESS.stage_names
GRADES = ("A", "B", "C", "D", "")
TARGETS = {"one owner": 0.020, "all": 0.500, "chart": 1.5}

OPP_COLUMNS = (
    "team_id", "owner_id", "topic", "account_name", "contact_name", "process_name", "stage", "status",
    "estimated_close_date", "estimated_revenue", "revenue_mode", "currency", "probability", "description",
    "purchase_timeframe", "purchase_process", "customer_need", "proposed_solution", "actual_revenue",
    "actual_close_date", "close_reason", "close_competitor", "close_description", "reopen_stage", "lead_score",
    "lead_grade", "search_text", "created_at", "updated_at",
)  # fmt: skip
CHANGE_COLUMNS = ("team_id", "opportunity_id", "owner_id", "from_stage", "to_stage", "kind", "user_id", "at")


def generate(rows: int, owners: int, seed: int = 20261123) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Opportunity tuples (OPP_COLUMNS) and stage-change tuples (CHANGE_COLUMNS, opportunity id = row + 1)."""
    rng = np.random.default_rng(seed)
    owner = rng.integers(0, owners, rows)
    stage = rng.integers(0, len(STAGES), rows)
    close = rng.integers(0, DAYS, rows)
    state = rng.random(rows)
    status = np.where(state < 0.80, 0, np.where(state < 0.92, 1, 2))  # open, won, lost
    cents = np.minimum(np.round(np.exp(rng.normal(9.0, 1.2, rows)) * 100), 99_999_999_99).astype(np.int64)
    grade = rng.integers(0, len(GRADES), rows)
    usd = rng.random(rows) < 0.05
    age = rng.integers(1, 200, rows)
    probability = (5, 20, 45, 80)  # the default process, multiply mode
    owner_ids = [f"U{n:03d}" for n in range(owners)]
    days = [FIRST_DAY + timedelta(days=d) for d in range(DAYS)]
    opps: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    statuses = ("open", "won", "lost")
    for i, (o, s, c, st, money, g, dollar, a) in enumerate(
        zip(
            owner.tolist(),
            stage.tolist(),
            close.tolist(),
            status.tolist(),
            cents.tolist(),
            grade.tolist(),
            usd.tolist(),
            age.tolist(),
            strict=True,
        )  # fmt: skip
    ):
        day = days[c]
        amount = money / 100
        created = datetime(day.year, day.month, day.day, 9, tzinfo=UTC) - timedelta(days=a)
        moved = created + timedelta(days=a // 2, hours=s)
        won = st == 1
        opps.append((
            TEAM, owner_ids[o], f"Deal {i}", f"Account {i % 5000}", "", DEFAULT_PROCESS.name, STAGES[s],
            statuses[st], day, amount, "user", "USD" if dollar else "EUR",
            100 if won else 0 if st == 2 else probability[s], "", "", "", "", "", amount if won else None,
            day if st else None, "", "", "", "", None, GRADES[g], f"deal {i}", created, moved,
        ))  # fmt: skip
        changes.append((TEAM, i + 1, owner_ids[o], "", STAGES[0], "enter", owner_ids[o], created))
        if s > 0:
            changes.append((TEAM, i + 1, owner_ids[o], STAGES[s - 1], STAGES[s], "advance", owner_ids[o], moved))
        if st:
            label = "Won" if won else "Lost"
            closed = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
            changes.append((TEAM, i + 1, owner_ids[o], STAGES[s], label, statuses[st], owner_ids[o], closed))
    return opps, changes


def _secondary_indexes() -> list[sa.Index]:
    return [*Opportunity.__table__.indexes, *StageChange.__table__.indexes]  # type: ignore[attr-defined]


def load_sqlite(path: Path, opps: list[tuple[Any, ...]], changes: list[tuple[Any, ...]]) -> dict[str, float]:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as connection:
        for index in _secondary_indexes():
            connection.execute(sa.text(f"DROP INDEX IF EXISTS {index.name}"))
    engine.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    # the formats SQLAlchemy's SQLite dialect writes: ISO dates, naive UTC datetimes with microseconds
    iso = "%Y-%m-%d %H:%M:%S.%f"
    started = time.perf_counter()
    connection.executemany(
        f"INSERT INTO opportunity ({', '.join(OPP_COLUMNS)}) VALUES ({', '.join('?' * len(OPP_COLUMNS))})",
        (
            (*row[:8], row[8].isoformat(), *row[9:19], row[19].isoformat() if row[19] else None, *row[20:27],
             row[27].strftime(iso), row[28].strftime(iso))
            for row in opps
        ),
    )  # fmt: skip
    connection.executemany(
        f"INSERT INTO stage_change ({', '.join(CHANGE_COLUMNS)}) VALUES ({', '.join('?' * len(CHANGE_COLUMNS))})",
        ((*row[:7], row[7].strftime(iso)) for row in changes),
    )
    connection.commit()
    inserted = time.perf_counter() - started
    connection.close()
    engine = make_engine(f"sqlite:///{path}")
    started = time.perf_counter()
    with engine.begin() as bind:
        for index in _secondary_indexes():
            index.create(bind)
    indexed = time.perf_counter() - started
    engine.dispose()
    return {"insert": inserted, "index": indexed, "mb": path.stat().st_size / 1e6}


def load_postgres(url: str, opps: list[tuple[Any, ...]], changes: list[tuple[Any, ...]]) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        for index in _secondary_indexes():
            connection.execute(sa.text(f"DROP INDEX IF EXISTS {index.name}"))
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY opportunity ({', '.join(OPP_COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in opps:
                copy.write_row(row)
        with cursor.copy(f"COPY stage_change ({', '.join(CHANGE_COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in changes:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as bind:
        for index in _secondary_indexes():
            index.create(bind)
    indexed = time.perf_counter() - started
    # what autovacuum does after a bulk load: statistics and the visibility map (index-only scans)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE opportunity"))
        connection.execute(sa.text("VACUUM ANALYZE stage_change"))
    engine.dispose()
    return {"insert": inserted, "index": indexed, "mb": 0.0}


def captured_sql(engine: sa.Engine, fn: Callable[[], Any]) -> tuple[Any, list[tuple[str, Any]]]:
    """Run `fn` once and return its result and the SQL it sent (statement, parameters), in order."""
    statements: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        result = fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return result, statements


def bare_sql(engine: sa.Engine, statements: list[tuple[str, Any]]) -> Callable[[], None]:
    """The same statements through the driver's own cursor (no SQLAlchemy, no ORM, no Python rules)."""

    def run() -> None:
        raw: Any = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            raw.rollback()
        finally:
            raw.close()

    return run


def interleaved(first: Callable[[], Any], second: Callable[[], Any], rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of each, alternating, after a warm-up of both."""
    first(), second()
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        for fn, samples in ((first, a), (second, b)):
            started = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - started)
    return a, b


Measured = tuple[str, str, list[float], list[float], str]


def measure(url: str, rounds: int) -> list[Measured]:
    """(case, period, seconds of the bot's report, seconds of the bare SQL of the same queries, detail)."""
    engine = make_engine(url)
    new_session = session_factory(engine)
    library = ProcessLibrary()
    results = []
    cases = [
        ("one owner", frozenset({"U000"}), "mine"),
        ("team of 10", frozenset(f"U{n:03d}" for n in range(10)), "team"),
        ("all", None, "all"),
    ]
    for name, owners, scope_name in cases:
        scope = service.Scope(Viewer(TEAM, "U000", "admin"), scope_name, owners, "Europe/Rome")
        for key in ("this-quarter", "this-year"):
            period = service.period_of(scope, key, NOW)

            def run(scope: service.Scope = scope, period: Any = period) -> Any:
                with transaction(new_session) as session:
                    return service.report(session, scope, period, library)

            report, statements = captured_sql(engine, run)
            ours, bare = interleaved(run, bare_sql(engine, statements), rounds)
            with engine.connect() as connection:
                expected = connection.execute(
                    sa.select(sa.func.count())
                    .select_from(Opportunity)
                    .where(
                        Opportunity.status == "open",  # type: ignore[arg-type]
                        Opportunity.estimated_close_date >= period.start,  # type: ignore[operator]
                        Opportunity.estimated_close_date < period.end,  # type: ignore[operator]
                        Opportunity.owner_id.in_(owners) if owners else sa.true(),  # type: ignore[attr-defined]
                    )
                ).scalar_one()
            assert report.count == expected, (name, key, report.count, expected)
            detail = f"{report.count:,} open, weighted {charts.compact(_eur(report))} EUR, {len(statements)} queries"
            results.append((name, key, ours, bare, detail))
    engine.dispose()
    return results


def _spread(values: list[float], scale: float, fmt: str = ",.1f") -> str:
    return " / ".join(format(v * scale, fmt) for v in (min(values), statistics.median(values), max(values)))


def _eur(report: Any) -> Any:
    return report.weighted.get("EUR", 0)


def chart_timing() -> dict[str, float]:
    rng = np.random.default_rng(7)
    period = service.period_of(service.Scope(Viewer(TEAM, "U1"), "mine", frozenset({"U1"}), "UTC"), "this-quarter", NOW)
    bubbles = [
        charts.Bubble(
            period.start + timedelta(days=int(d)),
            STAGES[int(s)],
            GRADES[int(g)],
            Decimal(int(r)),
            "EUR",
            1,
            f"Deal {n}",
            n + 1,
        )  # fmt: skip
        for n, (d, s, g, r) in enumerate(
            zip(
                rng.integers(0, 91, 2000),
                rng.integers(0, 4, 2000),
                rng.integers(0, 5, 2000),
                np.exp(rng.normal(9, 1.2, 2000)),
                strict=True,
            )  # fmt: skip
        )
    ]
    charts.pipeline_chart(bubbles[:10], stages=STAGES, period=period, title="warm-up")
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        png = charts.pipeline_chart(bubbles, stages=STAGES, period=period, title="Your pipeline · Q2 2026")
        samples.append(time.perf_counter() - started)
    return {"pipeline": statistics.median(samples), "bytes": len(png)}


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--owners", type=int, default=50)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="PostgreSQL URL, or '' to skip")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file and the PostgreSQL schema")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of report and bare SQL")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    started = time.perf_counter()
    opps, changes = generate(args.rows, args.owners)
    print(f"generated {len(opps):,} opportunities and {len(changes):,} stage changes in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    chart = chart_timing()
    print(f"pipeline chart, 2,000 bubbles: {chart['pipeline'] * 1000:.0f} ms ({chart['bytes'] / 1e3:.0f} kB PNG)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    targets: list[tuple[str, str]] = [("SQLite", f"sqlite:///{tmp / 'pipeline.db'}")]
    if args.postgres:
        admin = sa.create_engine(args.postgres)
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        separator = "&" if "?" in args.postgres else "?"
        targets.append(("PostgreSQL", f"{args.postgres}{separator}options=-csearch_path%3D{SCHEMA}"))
    try:
        for name, url in targets:
            if name == "SQLite":
                loaded = load_sqlite(tmp / "pipeline.db", opps, changes)
            else:
                loaded = load_postgres(url, opps, changes)
            size = f", {loaded['mb']:.0f} MB file" if loaded["mb"] else ""
            if args.keep:
                print(f"kept: {url}")
            print(f"\n{name}: loaded in {loaded['insert']:.1f} s, indexes built in {loaded['index']:.1f} s{size}")
            print(
                "| case | period | report ms min / median / max | bare SQL ms min / median / max "
                "| ratio per round min / median / max | detail |\n|---|---|---|---|---|---|"
            )
            for case, period, ours, bare, detail in measure(url, args.rounds):
                ratios = [o / b for o, b in zip(ours, bare, strict=True)]
                print(f"| {case} | {period} | {_spread(ours, 1000)} | {_spread(bare, 1000)} | "
                      f"{_spread(ratios, 1, '.2f')} | {detail} |")  # fmt: skip
    finally:
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                (tmp / f"pipeline.db{suffix}").unlink(missing_ok=True)
            if args.postgres:
                with admin.begin() as connection:
                    connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    verdict = "met" if chart["pipeline"] < TARGETS["chart"] else "NOT met"
    print(f"\nchart target < 1.5 s: {verdict} ({chart['pipeline'] * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
