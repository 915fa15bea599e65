"""Benchmark: import 100,000 generated leads (10 % duplicates, 1 % bad rows) through the code path of
`/lead import` (bot.imports.leads.import_leads over a streamed file), on SQLite and PostgreSQL, and compare
in the same run, over interleaved rounds, with the bare load of the same prepared rows into the same table:
one sqlite3.executemany (with the text index's triggers, and without them) and one psycopg COPY.

    python bench/import_leads.py [--rows 100000] [--rounds 3] [--postgres URL]

Each import runs in a fresh child process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def child(csv_path: str, url: str) -> None:
    """Import the file into a fresh database and print the figures as JSON."""
    import sqlalchemy as sa

    from bot.imports.leads import import_leads
    from store.db import make_engine, upgrade

    if url.startswith("postgresql"):
        url = _fresh_schema(url, "bench_import")
    engine = make_engine(url)
    upgrade(engine)
    started, cpu = time.perf_counter(), time.process_time()
    with open(csv_path, "rb") as binary:
        report = import_leads(binary, engine=engine, team_id="T1", owner_id="U1", now=datetime.now(UTC))
    elapsed = time.perf_counter() - started
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT count(*) FROM lead")).scalar_one()
    assert stored == report.created, f"{stored} rows stored, {report.created} reported"
    print(
        json.dumps(
            {
                "rows": report.rows,
                "created": report.created,
                "duplicates": report.duplicates,
                "rejected": report.rejected,
                "seconds": elapsed,
                "cpu_seconds": time.process_time() - cpu,
                "peak_rss_mb": _peak_rss_mb(),
            }
        )
    )


def _peak_rss_mb() -> float:
    """VmHWM of this process: unlike ru_maxrss it is not inherited from the parent across fork+exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepared_rows(csv_path: str) -> list[tuple[object, ...]]:
    """The file's valid rows as the importer prepares them, constants included (duplicates kept)."""
    from bot.domain.leads import columns_parser
    from bot.imports.lead_rows import chunks, map_header, prepare_chunk, read_records, text_stream
    from bot.imports.leads import ImportJob

    job = ImportJob("T1", "U1", datetime.now(UTC), True)
    constants = [str(v.replace(tzinfo=None)) if isinstance(v, datetime) else v for v in job.constants().values()]
    with open(csv_path, "rb") as binary:
        records = read_records(text_stream(binary))
        columns, _, _ = map_header(next(records)[1] or [])
        parse = columns_parser(columns)
        prepared = (prepare_chunk(parse, len(columns), True, chunk)[0] for chunk in chunks(records))
        return [(*row, *constants) for rows in prepared for row in rows]


def bare_executemany(rows: list[tuple[object, ...]], tmp: Path, *, text_index: bool) -> dict[str, float]:
    """The physical limit on SQLite: the prepared rows bound by one raw sqlite3 executemany into the
    migrated lead table, with its text index (FTS5 triggers, migration 0005) or with them dropped."""
    from bot.imports.leads import INSERT_COLUMNS
    from store.db import make_engine, upgrade

    database = tmp / "bare.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    upgrade(make_engine(f"sqlite:///{database}"))
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    if not text_index:
        for trigger in ("ai", "ad", "au"):
            connection.execute(f"DROP TRIGGER IF EXISTS lead_fts_{trigger}")
    statement = f"INSERT INTO lead ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
    started = time.perf_counter()
    connection.executemany(statement, rows)
    connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return {"rows": len(rows), "seconds": elapsed, "rows_per_second": len(rows) / elapsed}


def bare_copy(rows: list[tuple[object, ...]], url: str) -> dict[str, float]:
    """The physical limit on PostgreSQL: one psycopg COPY of the prepared rows into the migrated lead
    table (its indexes, the pg_trgm one included) of a scratch schema."""
    import sqlalchemy as sa

    from bot.imports.leads import INSERT_COLUMNS
    from store.db import make_engine, upgrade

    scoped = _fresh_schema(url, "bench_import_bare")
    engine = make_engine(scoped)
    upgrade(engine)
    with engine.connect() as connection:
        raw: Any = connection.connection.driver_connection
        started = time.perf_counter()
        with raw.cursor() as cursor, cursor.copy(f"COPY lead ({', '.join(INSERT_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
        elapsed = time.perf_counter() - started
        assert connection.execute(sa.text("SELECT count(*) FROM lead")).scalar_one() == len(rows)
    engine.dispose()
    return {"rows": len(rows), "seconds": elapsed, "rows_per_second": len(rows) / elapsed}


def _fresh_schema(url: str, schema: str) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(url.split("?")[0])
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    return f"{url}?options=-csearch_path%3D{schema}"


def worker_peak_rss_mb(csv_path: Path) -> float:
    """Peak RSS of the bot.imports.lead_rows worker alone on the file (measured inside it: a fork's
    RUSAGE_CHILDREN figure would count the parent's pages shared before exec)."""
    code = (
        "import sys; from pathlib import Path; from bot.imports.lead_rows import main; main(['sqlite']); "
        "print([l for l in Path('/proc/self/status').read_text().splitlines() if l.startswith('VmHWM')][0], "
        "file=sys.stderr)"
    )
    with csv_path.open("rb") as source:
        done = subprocess.run(
            [sys.executable, "-c", code], stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
        )
    return int(done.stderr.split()[-2]) / 1024


def run_child(csv_path: Path, url: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(csv_path), url],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default=DEFAULT_PG, help="PostgreSQL URL, or '' to skip")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1])
        return
    from bench.lead_csv import generate

    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    csv_path = tmp / "leads.csv"
    expected = generate(csv_path, args.rows)
    print(f"machine: {machine()}")
    print(f"file: {args.rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB; expected {expected}")
    rows = prepared_rows(str(csv_path))
    print(f"worker peak RSS: {worker_peak_rss_mb(csv_path):.0f} MB")
    results: dict[str, list[float]] = {}
    for round_number in range(args.rounds):  # interleaved: every measure once per round
        measures = {
            "SQLite bare executemany, text index": lambda: bare_executemany(rows, tmp, text_index=True),
            "SQLite bare executemany, no text index": lambda: bare_executemany(rows, tmp, text_index=False),
            "SQLite import": lambda: _import(csv_path, f"sqlite:///{tmp / 'import.db'}", expected),
        }
        if args.postgres:
            measures["PostgreSQL bare COPY"] = lambda: bare_copy(rows, args.postgres)
            measures["PostgreSQL import"] = lambda: _import(csv_path, args.postgres, expected)
        for name, measure in measures.items():
            result = measure()
            results.setdefault(name, []).append(result["rows_per_second"])
            extra = f", peak RSS {result['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in result else ""
            print(f"round {round_number + 1}: {name}: {result['rows_per_second']:,.0f} rows/s{extra}", flush=True)
    _report(results)


def _import(csv_path: Path, url: str, expected: dict[str, int]) -> dict[str, float]:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    result = run_child(csv_path, url)
    counts = (result["created"], result["duplicates"], result["rejected"])
    assert counts == (expected["unique"], expected["duplicates"], expected["bad"]), result
    return {**result, "rows_per_second": result["rows"] / result["seconds"]}


def _report(results: dict[str, list[float]]) -> None:
    def spread(values: list[float], fmt: str) -> str:
        return " / ".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))

    print("\n| measure | rows/s min / median / max |")
    print("|---|---|")
    for name, rates in results.items():
        print(f"| {name} | {spread(rates, ',.0f')} |")
    ratios = [
        ("SQLite import / bare executemany, text index", "SQLite import", "SQLite bare executemany, text index"),
        ("SQLite import / bare executemany without it", "SQLite import", "SQLite bare executemany, no text index"),
        ("PostgreSQL import / bare COPY", "PostgreSQL import", "PostgreSQL bare COPY"),
    ]
    print("\n| ratio (per round) | min / median / max |")
    print("|---|---|")
    for label, measured, reference in ratios:
        if measured in results:
            per_round = [m / r for m, r in zip(results[measured], results[reference], strict=True)]
            print(f"| {label} | {spread(per_round, '.2f')} |")


if __name__ == "__main__":
    main()
