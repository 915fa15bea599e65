"""Benchmark: `/pipeline` queries over 1,000,000 opportunities (50 owners, 4 stages, close dates over
3 years, 80 % open / 12 % won / 8 % lost, ~1.95M stage changes) on SQLite and PostgreSQL, against the
bare SQL of the same queries on the same database, and the chart rendering time for 2,000 bubbles.

    python bench/pipeline.py [--rows 1000000] [--owners 50] [--rounds 5] [--postgres URL | --postgres '']
                             [--sqlite PATH] [--fresh] [--drop]

It times exactly what the bot runs after the ack (bot.services.pipeline.report: funnel + forecast
groups, won so far, stage moves, undated count) for one owner, a team of 10 and the whole workspace,
this quarter and this year, and the chart's data query (bot.services.pipeline.bubbles).
Each runs interleaved with the bare SQL of the same statements (captured from the bot's run, replayed
through the driver's cursor: the same database, plans and rows) over `--rounds` rounds after a
warm-up; a sample repeats a call for about 0.1 s (then ms are per call); the ratio of each round is
reported, min / median / max.

The loaded databases are kept and reused by the next run (a `bench_meta` row marks a complete load of
the same rows, owners and seed; the schema is upgraded to the head on reuse): a SQLite file under /tmp
(`--sqlite`) and a schema `pipeline_<rows>x<owners>` of the PostgreSQL database `bench` (created if
missing). `--fresh` reloads, `--drop` deletes them after the run. A load drops the tables' secondary
indexes and text-search triggers, inserts with raw sqlite3.executemany in big transactions
(journal off, synchronous off, for the load only) or psycopg COPY, then rebuilds them.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from store import prepared  # noqa: E402
from store.access import Viewer  # noqa: E402
from store.db import make_engine, session_factory, transaction, upgrade  # noqa: E402
from store.models import Opportunity  # noqa: E402
from store.owner_counts import rebuild_counts  # noqa: E402
from store.pipeline import rebuild_months  # noqa: E402
from store.text_upkeep import tidy_text_indexes  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
SEED = 20261123
CHUNK = 100_000
TABLES = ("opportunity", "stage_change")
TEAM = "T1"
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # the middle of the 3 years of close dates
FIRST_DAY = date(2025, 1, 1)
DAYS = (date(2028, 1, 1) - FIRST_DAY).days
STAGES = DEFAULT_PROCESS.stage_names
GRADES = ("A", "B", "C", "D", "")
CHART_TARGET_S = 1.5
SAMPLE_S = 0.1  # each timed sample repeats a call for about this long
ISO = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite dialect writes (naive UTC) datetimes

OPP_COLUMNS = (
    "id", "team_id", "owner_id", "topic", "account_name", "contact_name", "process_name", "stage", "status",
    "estimated_close_date", "estimated_revenue", "revenue_mode", "currency", "probability", "description",
    "purchase_timeframe", "purchase_process", "customer_need", "proposed_solution", "actual_revenue",
    "actual_close_date", "close_reason", "close_competitor", "close_description", "reopen_stage", "lead_score",
    "lead_grade", "search_text", "created_at", "updated_at",
)  # fmt: skip
CHANGE_COLUMNS = ("team_id", "opportunity_id", "owner_id", "from_stage", "to_stage", "kind", "user_id", "at")
Chunk = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


def generate(rows: int, owners: int, seed: int = SEED) -> Iterator[Chunk]:
    """Opportunity tuples (OPP_COLUMNS, ids 1…rows) and their stage-change tuples (CHANGE_COLUMNS), by
    chunks of CHUNK opportunities; the same seed gives the same rows."""
    rng = np.random.default_rng(seed)
    state = rng.random(rows)
    columns = {
        "owner": rng.integers(0, owners, rows),
        "stage": rng.integers(0, len(STAGES), rows),
        "close": rng.integers(0, DAYS, rows),
        "status": np.where(state < 0.80, 0, np.where(state < 0.92, 1, 2)),  # open, won, lost
        "cents": np.minimum(np.round(np.exp(rng.normal(9.0, 1.2, rows)) * 100), 99_999_999_99).astype(np.int64),
        "grade": rng.integers(0, len(GRADES), rows),
        "usd": rng.random(rows) < 0.05,
        "age": rng.integers(1, 200, rows),
    }
    days = [FIRST_DAY + timedelta(days=d) for d in range(DAYS)]
    owner_ids = [f"U{n:03d}" for n in range(owners)]
    for first in range(0, rows, CHUNK):
        values = zip(*(column[first : first + CHUNK].tolist() for column in columns.values()), strict=True)
        opps: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        for offset, row in enumerate(values):
            _one(first + offset + 1, row, days, owner_ids, opps, changes)
        yield opps, changes


def _one(
    opp_id: int, row: tuple[Any, ...], days: list[date], owner_ids: list[str], opps: list[Any], changes: list[Any]
) -> None:
    o, s, c, st, cents, g, dollar, age = row
    day, amount, owner = days[c], cents / 100, owner_ids[o]
    created = datetime(day.year, day.month, day.day, 9, tzinfo=UTC) - timedelta(days=age)
    moved = created + timedelta(days=age // 2, hours=s)
    won, status = st == 1, ("open", "won", "lost")[st]
    opps.append((
        opp_id, TEAM, owner, f"Deal {opp_id}", f"Account {opp_id % 5000}", "", DEFAULT_PROCESS.name, STAGES[s],
        status, day, amount, "user", "USD" if dollar else "EUR", 100 if won else 0 if st == 2 else (5, 20, 45, 80)[s],
        "", "", "", "", "", amount if won else None, day if st else None, "", "", "", "", None, GRADES[g],
        f"deal {opp_id}", created, moved,
    ))  # fmt: skip
    changes.append((TEAM, opp_id, owner, "", STAGES[0], "enter", owner, created))
    if s > 0:
        changes.append((TEAM, opp_id, owner, STAGES[s - 1], STAGES[s], "advance", owner, moved))
    if st:
        closed = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
        changes.append((TEAM, opp_id, owner, STAGES[s], "Won" if won else "Lost", status, owner, closed))


# --- the kept bench databases ---------------------------------------------------------------------------

META = "CREATE TABLE IF NOT EXISTS bench_meta (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200) NOT NULL)"


def load_key(rows: int, owners: int) -> str:
    return f"rows={rows} owners={owners} seed={SEED} chunk={CHUNK}"


def loaded(url: str, key: str) -> bool:
    """Whether the database holds a complete load of these rows (then it is upgraded to the head)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("bench_meta"):
                return False
            found = connection.execute(sa.text("SELECT value FROM bench_meta WHERE key = 'load'")).scalar()
        if found != key:
            return False
        upgrade(engine)  # a migration added since the load (e.g. an index) is applied to the kept rows
        return True
    finally:
        engine.dispose()


def mark_loaded(url: str, key: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(META))
        connection.execute(sa.text("INSERT INTO bench_meta (key, value) VALUES ('load', :key)"), {"key": key})
    engine.dispose()


def load_sqlite(path: Path, rows: int, owners: int) -> dict[str, float]:
    """A fresh file: migrated, secondary indexes and triggers of the two tables dropped, rows inserted in
    big transactions without journal or fsync, then indexes, text index and triggers rebuilt."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    placeholders = ", ".join(["?"] * len(TABLES))
    ddl = connection.execute(
        f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({placeholders}) AND sql IS NOT NULL "
        "AND type IN ('index', 'trigger') ORDER BY type",
        TABLES,
    ).fetchall()
    for kind, name, _sql in ddl:
        connection.execute(f"DROP {kind.upper()} {name}")
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    started = time.perf_counter()
    for opps, changes in generate(rows, owners):
        connection.execute("BEGIN")
        connection.executemany(_insert("opportunity", OPP_COLUMNS), map(_sqlite_opp, opps))
        connection.executemany(_insert("stage_change", CHANGE_COLUMNS), map(_sqlite_change, changes))
        connection.execute("COMMIT")
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    for _kind, _name, sql in ddl:
        connection.execute(sql)  # indexes first, then the text-search triggers
    connection.execute("INSERT INTO opportunity_fts(opportunity_fts) VALUES ('rebuild')")
    indexed = time.perf_counter() - started
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    # `rebuild` leaves the text index in ~24 segments; a server's upkeep merges them (store/text_upkeep.py)
    engine = make_engine(f"sqlite:///{path}")
    tidy_text_indexes(engine, max_pages=None, whole=True)
    engine.dispose()
    _rebuild_months(f"sqlite:///{path}")
    return {"insert": inserted, "index": indexed, "mb": path.stat().st_size / 1e6}


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _sqlite_opp(row: tuple[Any, ...]) -> tuple[Any, ...]:
    closed = row[20].isoformat() if row[20] else None
    created, updated = row[28].strftime(ISO), row[29].strftime(ISO)
    return (*row[:9], row[9].isoformat(), *row[10:20], closed, *row[21:28], created, updated)


def _sqlite_change(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row[:7], row[7].strftime(ISO))


def postgres_schema(url: str, schema: str) -> str:
    """The URL of `schema` in the database of `url` (the database is created if missing)."""
    base = sa.engine.make_url(url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": base.database})
        if exists.scalar() is None:
            connection.execute(sa.text(f'CREATE DATABASE "{base.database}"'))
    admin.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def load_postgres(url: str, schema: str, rows: int, owners: int) -> dict[str, float]:
    """A fresh schema: migrated, secondary indexes dropped, rows COPYed, indexes rebuilt, then what
    autovacuum does after a bulk load (statistics and the visibility map for index-only scans)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    upgrade(engine)
    with engine.begin() as connection:
        ddl = connection.execute(
            sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :schema AND tablename IN :tables "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            ).bindparams(sa.bindparam("tables", expanding=True)),
            {"schema": schema, "tables": list(TABLES)},
        ).all()
        for name, _sql in ddl:
            connection.execute(sa.text(f"DROP INDEX {name}"))
        connection.execute(sa.text("ALTER TABLE opportunity DISABLE TRIGGER USER"))  # pipeline_month: rebuilt after
    started = time.perf_counter()
    _copy(engine, rows, owners)
    inserted = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE opportunity ENABLE TRIGGER USER"))
    _rebuild_months(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        for _name, sql in ddl:
            connection.execute(sa.text(sql))
        connection.execute(sa.text("SELECT setval(pg_get_serial_sequence('opportunity', 'id'), :n)"), {"n": rows})
    indexed = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in TABLES:
            connection.execute(sa.text(f"VACUUM ANALYZE {table}"))
    engine.dispose()
    return {"insert": inserted, "index": indexed, "mb": 0.0}


def _rebuild_months(url: str) -> None:
    """The triggers of `pipeline_month` (migration 0021) and `owner_count` (0024) did not see the bulk load:
    their groups from the rows."""
    engine = make_engine(url)
    with engine.begin() as connection:
        rebuild_months(connection)
        rebuild_counts(connection)
    engine.dispose()


def _copy(engine: sa.Engine, rows: int, owners: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor: Any = raw.cursor()
        for opps, changes in generate(rows, owners):
            with cursor.copy(f"COPY opportunity ({', '.join(OPP_COLUMNS)}) FROM STDIN") as copy:
                for row in opps:
                    copy.write_row(row)
            with cursor.copy(f"COPY stage_change ({', '.join(CHANGE_COLUMNS)}) FROM STDIN") as copy:
                for row in changes:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def drop_kept(name: str, url: str, schema: str) -> None:
    if name == "SQLite":
        path = sa.engine.make_url(url).database or ""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


# --- measuring ------------------------------------------------------------------------------------------


def captured_sql(engine: sa.Engine, fn: Callable[[], Any]) -> tuple[Any, list[tuple[str, Any]]]:
    """Run `fn` once and return its result and the SQL it sent (statement, parameters): through
    SQLAlchemy (its cursor events) and through store.prepared's readers (their statements as sent)."""
    statements: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        with _recording_readers(statements):
            result = fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return result, statements


@contextmanager
def _recording_readers(statements: list[tuple[str, Any]]) -> Iterator[None]:
    original = prepared.Reader.all

    def recorded(self: prepared.Reader, query: prepared.PreparedQuery, values: Any) -> list[tuple[Any, ...]]:
        statements.append(query.parameters(self.dialect, values))
        return original(self, query, values)

    prepared.Reader.all = recorded  # type: ignore[method-assign]
    try:
        yield
    finally:
        prepared.Reader.all = original  # type: ignore[method-assign]


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
    """Seconds per call of each, alternating, after a warm-up of both. A sample repeats the call until
    it lasts about SAMPLE_S (a few-ms query is otherwise at the mercy of one time slice of a shared CPU)."""
    first()
    started = time.perf_counter()
    second()
    repeat = max(1, math.ceil(SAMPLE_S / max(time.perf_counter() - started, 1e-6)))
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        for fn, samples in ((first, a), (second, b)):
            started = time.perf_counter()
            for _ in range(repeat):
                fn()
            samples.append((time.perf_counter() - started) / repeat)
    return a, b


Measured = tuple[str, str, str, list[float], list[float], str]
CASES = {
    "one owner": (frozenset({"U000"}), "mine"),
    "team of 10": (frozenset(f"U{n:03d}" for n in range(10)), "team"),
    "everyone": (None, "all"),
}


def measure(url: str, rounds: int, cases: list[str], periods: list[str], chart: bool) -> list[Measured]:
    """(case, period, what, seconds of the bot's code, seconds of the bare SQL of the same queries, detail)."""
    engine = make_engine(url)
    new_session = session_factory(engine)
    library = ProcessLibrary()
    results: list[Measured] = []
    for name in cases:
        owners, scope_name = CASES[name]
        scope = service.Scope(Viewer(TEAM, "U000", "admin"), scope_name, owners, "Europe/Rome")
        for key in periods:
            period = service.period_of(scope, key, NOW)

            def run(scope: service.Scope = scope, period: Any = period) -> Any:
                with transaction(new_session) as session:
                    return service.report(session, scope, period, library)

            report, statements = captured_sql(engine, run)
            ours, bare = interleaved(run, bare_sql(engine, statements), rounds)
            assert report.count == _open_count(engine, owners, period), (name, key, report.count)
            detail = f"{report.count:,} open, weighted {charts.compact(_eur(report))} EUR, {len(statements)} queries"
            results.append((name, key, "report", ours, bare, detail))
            if chart:
                results.append((name, key, "chart data", *_chart_data(engine, new_session, scope, period, rounds)))
    engine.dispose()
    return results


def _chart_data(
    engine: sa.Engine, new_session: Callable[[], Any], scope: service.Scope, period: Any, rounds: int
) -> tuple[list[float], list[float], str]:
    def run() -> Any:
        with transaction(new_session) as session:
            return service.bubbles(session, scope, period)

    bubbles, statements = captured_sql(engine, run)
    ours, bare = interleaved(run, bare_sql(engine, statements), rounds)
    return ours, bare, f"{len(bubbles):,} bubbles of {sum(b.count for b in bubbles):,} deals"


def _open_count(engine: sa.Engine, owners: frozenset[str] | None, period: Any) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(Opportunity)
                .where(
                    Opportunity.status == "open",  # type: ignore[arg-type]
                    Opportunity.estimated_close_date >= period.start,  # type: ignore[operator]
                    Opportunity.estimated_close_date < period.end,  # type: ignore[operator]
                    Opportunity.owner_id.in_(owners) if owners else sa.true(),  # type: ignore[attr-defined]
                )
            ).scalar_one()
        )


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
    parser.add_argument("--sqlite", default="", help="the kept SQLite file (default /tmp/salesbot-bench-pipeline-…)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--fresh", action="store_true", help="reload even when a kept database matches")
    parser.add_argument("--drop", action="store_true", help="delete the kept databases after the run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the bot's code and bare SQL")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of: {', '.join(CASES)}")
    parser.add_argument("--periods", default="this-quarter,this-year")
    parser.add_argument("--no-chart", action="store_true", help="skip the chart's data query and its drawing")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if not args.no_chart:
        drawn = chart_timing()
        verdict = "met" if drawn["pipeline"] < CHART_TARGET_S else "NOT met"
        print(f"pipeline chart, 2,000 bubbles: {drawn['pipeline'] * 1000:.0f} ms ({drawn['bytes'] / 1e3:.0f} kB PNG), "
              f"target < {CHART_TARGET_S} s {verdict}")  # fmt: skip
    for name, url, schema in _targets(args):
        key = load_key(args.rows, args.owners)
        if not args.fresh and loaded(url, key):
            print(f"\n{name}: reusing the loaded {url}")
        else:
            started = time.perf_counter()
            if name == "SQLite":
                figures = load_sqlite(Path(sa.engine.make_url(url).database or ""), args.rows, args.owners)
            else:
                figures = load_postgres(url, schema, args.rows, args.owners)
            mark_loaded(url, key)
            size = f", {figures['mb']:.0f} MB file" if figures["mb"] else ""
            print(f"\n{name}: loaded {url} in {time.perf_counter() - started:.0f} s (rows {figures['insert']:.0f} s, "
                  f"indexes {figures['index']:.0f} s{size})")  # fmt: skip
        _report(measure(url, args.rounds, args.cases.split(","), args.periods.split(","), not args.no_chart))
        if args.drop:
            drop_kept(name, url, schema)


def _targets(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """(name, URL, PostgreSQL schema) of each database to measure."""
    targets = []
    if not args.no_sqlite:
        path = args.sqlite or f"/tmp/salesbot-bench-pipeline-{args.rows}x{args.owners}.db"
        targets.append(("SQLite", f"sqlite:///{path}", ""))
    if args.postgres:
        schema = f"pipeline_{args.rows}x{args.owners}"
        targets.append(("PostgreSQL", postgres_schema(args.postgres, schema), schema))
    return targets


def _report(results: list[Measured]) -> None:
    print(
        "| case | period | what | bot ms min / median / max | bare SQL ms min / median / max "
        "| ratio per round min / median / max | detail |\n|---|---|---|---|---|---|---|"
    )
    for case, period, what, ours, bare, detail in results:
        ratios = [o / b for o, b in zip(ours, bare, strict=True)]
        print(f"| {case} | {period} | {what} | {_spread(ours, 1000)} | {_spread(bare, 1000)} | "
              f"{_spread(ratios, 1, '.2f')} | {detail} |")  # fmt: skip


if __name__ == "__main__":
    main()
