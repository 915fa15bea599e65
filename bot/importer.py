"""Bulk lead import from CSV: streamed, validated row by row, de-duplicated, inserted in batches.

The same function serves `/lead import`, a CSV sent to the bot in DM and `salesbot import leads`.
A bad row is rejected with its row number and reason; it never stops the file.
"""

from __future__ import annotations

import csv
import io
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.domain.leads import LEAD_FIELDS, derived_keys, row_parser
from bot.domain.scoring import fit_score
from bot.domain.text import fold
from store.models import Lead

BATCH_SIZE = 2000
# Commit every ~10k rows: on SQLite a commit per 2,000 rows cost 25 % of the insert rate (measured),
# while a single transaction would hold the one write lock for the whole file.
COMMIT_EVERY = 10_000
REJECTIONS_KEPT = 200
MAX_FIELD = 10_000

Progress = Callable[["ImportReport"], None]
RowParser = Callable[[list[str]], tuple[dict[str, object] | None, dict[str, str]]]


@dataclass
class Rejection:
    row: int
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    rows: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    error: str = ""

    def reject(self, row: int, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < REJECTIONS_KEPT:
            self.rejections.append(Rejection(row, reason))

    def summary(self) -> str:
        if self.error:
            return f"Import failed: {self.error}"
        return (
            f"{self.created:,} created · {self.duplicates:,} duplicates skipped · {self.rejected:,} rejected "
            f"(of {self.rows:,} rows)"
        )


def _header_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for spec in LEAD_FIELDS:
        for name in (spec.key, spec.label, spec.label.replace(" ", "_")):
            aliases[_header_key(name)] = spec.key
    extra = {
        "phone": "business_phone",
        "employees": "employees",
        "budget": "budget_amount",
        "name": "last_name",
        "title": "job_title",
        "source": "lead_source",
        "revenue": "annual_revenue",
        "e-mail": "email",
        "timeframe": "purchase_timeframe",
        "notes": "description",
    }
    aliases.update({_header_key(k): v for k, v in extra.items()})
    return aliases


def _header_key(name: str) -> str:
    return fold(name).replace(" ", "_").replace("-", "_")


HEADER_ALIASES = _header_aliases()
LABELS = {spec.key: spec.label for spec in LEAD_FIELDS}


def text_stream(binary: IO[bytes]) -> io.TextIOWrapper:
    """UTF-8 with or without a BOM; undecodable bytes become U+FFFD instead of stopping the file."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")


def read_records(lines: Iterable[str]) -> Iterator[tuple[int, list[str] | None, str]]:
    """(row number, fields, problem): `;` or `,` picked from the header; blank lines skipped."""
    iterator = iter(lines)
    first = next(iterator, "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(itertools.chain([first], iterator), delimiter=delimiter, strict=True)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, None, f"malformed CSV ({error})"
            continue
        if fields and any(f.strip() for f in fields):
            yield reader.line_num, fields, ""


def import_leads(
    lines: Iterable[str],
    *,
    engine: Engine,
    team_id: str,
    owner_id: str,
    now: datetime,
    progress: Progress | None = None,
) -> ImportReport:
    """Import every row of `lines`, a chunk of BATCH_SIZE records at a time (memory stays flat).

    Validating chunks in worker processes was measured (bench/import_leads.py) and dropped: on this
    2-core machine reading the CSV and inserting keep the main process busy, and the pickling made
    the import slower, not faster."""
    report = ImportReport()
    records = read_records(lines)
    header = next(records, None)
    if header is None or header[1] is None:
        report.error = "the file is empty or its header row is unreadable"
        return report
    columns = [HEADER_ALIASES.get(_header_key(name)) for name in header[1]]
    report.unknown_columns = [name for name, key in zip(header[1], columns, strict=True) if key is None and name]
    if "topic" not in columns:
        report.error = "no Topic column (the header row must name the lead fields, e.g. Topic, Company, Email)"
        return report
    job = ChunkJob(columns, team_id, owner_id, now, engine.dialect.name == "sqlite")
    seen_emails, seen_identities = _existing_keys(engine, team_id)
    with engine.connect() as connection:
        inserted = 0  # rows written in the open transaction, counted as created once committed
        for prepared in (prepare_chunk(job, chunk) for chunk in _chunks(records)):
            batch = []
            for row_number, outcome, email_key, identity_key in prepared:
                report.rows += 1
                if isinstance(outcome, str):
                    report.reject(row_number, outcome)
                elif (email_key and email_key in seen_emails) or (identity_key and identity_key in seen_identities):
                    report.duplicates += 1
                else:
                    if email_key:
                        seen_emails.add(email_key)
                    if identity_key:
                        seen_identities.add(identity_key)
                    batch.append(outcome)
            inserted += _insert(connection, job.sqlite, batch)
            if inserted >= COMMIT_EVERY:
                connection.commit()
                report.created, inserted = report.created + inserted, 0
                if progress:
                    progress(report)
        connection.commit()
        report.created += inserted
    if progress:
        progress(report)
    return report


Record = tuple[int, list[str] | None, str]
Prepared = list[tuple[int, Any, str, str]]  # (row, insertable tuple or rejection reason, email key, identity key)


@dataclass(frozen=True)
class ChunkJob:
    """What turns raw CSV records into insertable rows for one import."""

    columns: list[str | None]
    team_id: str
    owner_id: str
    now: datetime
    sqlite: bool


def _chunks(records: Iterator[Record], size: int = BATCH_SIZE) -> Iterator[list[Record]]:
    while chunk := list(itertools.islice(records, size)):
        yield chunk


def prepare_chunk(job: ChunkJob, chunk: list[Record]) -> Prepared:
    """Validate, key and score each record; rejected rows carry their reason instead of a tuple."""
    parse_row = _row_parser(tuple(job.columns))
    width = len(job.columns)
    fixed = {"team_id": job.team_id, "owner_id": job.owner_id, "created_at": job.now, "updated_at": job.now}
    prepared: Prepared = []
    for row_number, fields, problem in chunk:
        if fields is None:
            prepared.append((row_number, problem, "", ""))
            continue
        if len(fields) != width:
            prepared.append((row_number, f"expected {width} columns, found {len(fields)}", "", ""))
            continue
        values, errors = parse_row(fields)
        if values is None:
            prepared.append((row_number, "; ".join(f"{LABELS[k]}: {msg}" for k, msg in errors.items()), "", ""))
            continue
        text: dict[str, Any] = values
        keys = derived_keys(text["first_name"], text["last_name"], text["company"], text["email"], text["topic"])
        score = fit_score(
            text["budget_amount"], text["purchase_timeframe"], text["employees"], text["purchase_process"]
        )
        values.update(keys)
        values.update(_DEFAULTS)
        values.update(fixed, score=score.value, grade=score.grade, score_reason=score.reason)
        row = row_tuple(values)
        prepared.append((row_number, _sqlite_row(row) if job.sqlite else row, keys["email_key"], keys["identity_key"]))
    return prepared


@lru_cache(maxsize=8)
def _row_parser(columns: tuple[str | None, ...]) -> RowParser:
    return row_parser(list(columns))


_DEFAULTS: dict[str, object] = {
    "status": "open",
    "status_reason": "",
    "currency": "EUR",
    "process_name": "",
    "opportunity_id": None,
}


def _existing_keys(engine: Engine, team_id: str) -> tuple[set[object], set[object]]:
    table = Lead.__table__  # type: ignore[attr-defined]
    query = sa.select(table.c.email_key, table.c.identity_key).where(
        table.c.team_id == team_id, table.c.status != "draft"
    )
    emails: set[object] = set()
    identities: set[object] = set()
    with engine.connect() as connection:
        for email_key, identity_key in connection.execute(query):
            if email_key:
                emails.add(email_key)
            if identity_key:
                identities.add(identity_key)
    return emails, identities


INSERT_COLUMNS = [c.name for c in Lead.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
MONEY_COLUMNS = [i for i, name in enumerate(INSERT_COLUMNS) if name in ("annual_revenue", "budget_amount")]
DATETIME_COLUMNS = [i for i, name in enumerate(INSERT_COLUMNS) if name in ("created_at", "updated_at")]
row_tuple = operator.itemgetter(*INSERT_COLUMNS)


def _insert(connection: sa.Connection, sqlite: bool, rows: list[Any]) -> int:
    """One raw executemany (SQLite) or COPY (PostgreSQL) per batch of prepared tuples: ORM objects cost
    ~50 µs each and Core's per-row bind processing ~15 µs (shared/notes; bench/import_leads.py)."""
    if not rows:
        return 0
    if not connection.in_transaction():
        connection.begin()  # COPY goes through the driver connection, which SQLAlchemy would not autobegin
    names = ", ".join(INSERT_COLUMNS)
    if sqlite:
        marks = ", ".join("?" * len(INSERT_COLUMNS))
        connection.exec_driver_sql(f"INSERT INTO lead ({names}) VALUES ({marks})", rows)
    else:
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY lead ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    return len(rows)


def _sqlite_row(row: tuple[object, ...]) -> tuple[object, ...]:
    """What SQLAlchemy would bind on SQLite: naive UTC datetimes, floats for Numeric columns."""
    values = list(row)
    for index in DATETIME_COLUMNS:
        values[index] = _sqlite_value(values[index])
    for index in MONEY_COLUMNS:
        if values[index] is not None:
            values[index] = float(values[index])  # type: ignore[arg-type]
    return tuple(values)


def _sqlite_value(value: object) -> object:
    """What SQLAlchemy would bind on SQLite: naive UTC datetimes, floats for Numeric columns."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    return value
