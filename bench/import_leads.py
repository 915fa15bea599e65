"""Benchmark: import 100,000 generated leads (10 % duplicates, 1 % bad rows) through the code path of
`/lead import` (bot.imports.leads.import_leads over a streamed file), on SQLite and PostgreSQL, and compare
with a bare sqlite3.executemany of the same rows into the same table.

    python bench/import_leads.py [--rows 100000] [--postgres URL]

Each import runs in a fresh child process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def child(csv_path: str, url: str) -> None:
    """Import the file into a fresh database and print the figures as JSON."""
    import sqlalchemy as sa

    from bot.imports.leads import import_leads
    from store.db import make_engine, upgrade

    if url.startswith("postgresql"):
        admin = sa.create_engine(url.split("?")[0])
        with admin.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS bench_import CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA bench_import"))
        admin.dispose()
        url = f"{url}?options=-csearch_path%3Dbench_import"
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


def bare_executemany(csv_path: str, tmp: Path) -> dict[str, float]:
    """The physical limit: the same prepared rows, constants included, bound by one raw sqlite3
    executemany into the same table."""
    from bot.domain.leads import columns_parser
    from bot.imports.lead_rows import chunks, map_header, prepare_chunk, read_records, text_stream
    from bot.imports.leads import INSERT_COLUMNS, ImportJob
    from store.db import make_engine, upgrade

    database = tmp / "bare.db"
    upgrade(make_engine(f"sqlite:///{database}"))
    job = ImportJob("T1", "U1", datetime.now(UTC), True)
    constants = [str(v.replace(tzinfo=None)) if isinstance(v, datetime) else v for v in job.constants().values()]
    with open(csv_path, "rb") as binary:
        records = read_records(text_stream(binary))
        columns, _, _ = map_header(next(records)[1] or [])
        parse = columns_parser(columns)
        rows = [
            (*row, *constants)
            for chunk in chunks(records)
            for row in prepare_chunk(parse, len(columns), True, chunk)[0]
        ]
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    statement = f"INSERT INTO lead ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
    started = time.perf_counter()
    connection.executemany(statement, rows)
    connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return {"rows": len(rows), "seconds": elapsed, "rows_per_second": len(rows) / elapsed}


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
    bare = bare_executemany(str(csv_path), tmp)
    worker_rss = worker_peak_rss_mb(csv_path)
    print(f"\nbare sqlite3.executemany of the {bare['rows']:,} prepared rows: {bare['rows_per_second']:,.0f} rows/s")
    print(
        "\n| database | rows/s | seconds | created | duplicates | rejected | peak RSS (MB) "
        "importer + worker | % of bare |"
    )
    print("|---|---|---|---|---|---|---|---|")
    targets = [("SQLite", f"sqlite:///{tmp / 'import.db'}")] + (
        [("PostgreSQL", args.postgres)] if args.postgres else []
    )
    for name, url in targets:
        if url.startswith("sqlite"):
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        result = run_child(csv_path, url)
        rate = result["rows"] / result["seconds"]
        counts = (result["created"], result["duplicates"], result["rejected"])
        assert counts == (expected["unique"], expected["duplicates"], expected["bad"]), result
        rss = f"{result['peak_rss_mb']:.0f} + {worker_rss:.0f}"
        share = f"{100 * rate / bare['rows_per_second']:.0f} %" if name == "SQLite" else "–"
        print(
            f"| {name} | {rate:,.0f} | {result['seconds']:.2f} | {result['created']:,} | "
            f"{result['duplicates']:,} | {result['rejected']:,} | {rss} | {share} |"
        )


if __name__ == "__main__":
    main()
