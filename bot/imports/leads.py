"""Bulk lead import from CSV: streamed, validated, de-duplicated and inserted a chunk at a time.

The same function serves `/lead import`, a CSV sent to the bot in DM and `salesbot import leads`.
A bad row is rejected with its row number and reason; it never stops the file. Reading and
validating run in a child process (bot/imports/lead_rows.py) while this one de-duplicates and inserts.
"""

from __future__ import annotations

import contextlib
import csv
import marshal
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.imports.lead_rows import EMAIL_KEY, IDENTITY_KEY, VARIABLE_COLUMNS, OwnerCell, Row, read_frame
from store.bulk import settle_after_bulk_insert
from store.kinds import RecordType
from store.models import Activity, Lead
from store.text_upkeep import tidy_text_indexes

if TYPE_CHECKING:
    from bot.imports.owners import ImportRouter, OwnerResolver

# Commit every ~10k rows: on SQLite a commit per 2,000 rows cost 25 % of the insert rate (measured),
# while a single transaction would hold the one write lock for the whole file.
COMMIT_EVERY = 10_000
REJECTIONS_KEPT = 200
FRAMES_AHEAD = 4  # chunks the reader may hold while the database catches up: bounds memory

Progress = Callable[["ImportReport"], None]


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


def import_leads(
    binary: IO[bytes],
    *,
    engine: Engine,
    team_id: str,
    owner_id: str,
    now: datetime,
    progress: Progress | None = None,
    file_name: str = "",
    rejected_to: IO[str] | None = None,
    owners: OwnerResolver | None = None,
    router: ImportRouter | None = None,
) -> ImportReport:
    """Import every row of the CSV file `binary` (raw bytes, streamed: memory stays flat). Each lead
    created gets a "Lead imported" timeline entry naming `file_name`. Rejected rows are written to
    `rejected_to` as CSV: Row, Reason, then the file's own columns, so the user can fix them and
    import that file again (Row and Reason are ignored then). A row's `Owner` (email or user id)
    owns it, through `owners` (unknown: the row is rejected); rows without one are `owner_id`'s, or
    with a `router` go where the routing rules say."""
    report = ImportReport()
    job = ImportJob(team_id, owner_id, now, engine.dialect.name == "sqlite", file_name, owners, router)
    with RowWorker(binary, engine.dialect.name) as frames:
        header = next(frames, None)
        if header is None:
            report.error = "the import stopped before reading the file; please try again"
            return report
        _, report.unknown_columns, report.error, names = header
        if report.error:
            return report
        rejected = RejectedRows(rejected_to, names)
        finished = _insert_frames(frames, engine, job, report, progress, rejected)
    for table in ("lead", "activity"):  # each created lead has its "Lead imported" entry
        settle_after_bulk_insert(engine, table, report.created)
    if router is not None and router.channel:
        _post_unassigned(engine, job, router)
    if not finished:
        report.error = f"the import stopped after {report.rows:,} rows ({report.created:,} created); please try again"
    elif progress:
        progress(report)
    if report.created:
        # the rows came in as many text index segments (SQLite) or a full pending list (PostgreSQL): searches
        # read them all until merged (store/text_upkeep.py)
        tidy_text_indexes(engine, records=(RecordType.LEAD,), max_pages=None)
    return report


def _insert_frames(
    frames: Iterator[tuple[Any, ...]],
    engine: Engine,
    job: ImportJob,
    report: ImportReport,
    progress: Progress | None,
    rejected: RejectedRows,
) -> bool:
    """Insert the rows of each frame unless they duplicate a lead; True once the worker's end frame came."""
    seen_emails, seen_identities = _existing_keys(engine, job.team_id)
    finished = False
    with engine.connect() as connection:
        inserted = 0  # rows written in the open transaction, counted as created once committed
        after_id = _last_lead_id(connection)  # leads up to this id are not this import's, or have their entry
        for frame in frames:
            if frame[0] == "end":
                finished = True
                break
            _, rows, rejections, owner_cells = frame
            report.rows += len(rows) + len(rejections)
            for row_number, reason, fields in rejections:
                report.reject(row_number, reason)
                rejected.write(row_number, reason, fields)
            given = _given_owners(job, owner_cells, report, rejected)
            batch, owners = _new_leads(rows, given, job, report, (seen_emails, seen_identities))
            inserted += _insert_owned(connection, job, batch, owners)
            if inserted >= COMMIT_EVERY:
                after_id = _record_imported(connection, job, after_id)
                connection.commit()
                report.created, inserted = report.created + inserted, 0
                if progress:
                    progress(report)
        _record_imported(connection, job, after_id)
        connection.commit()
        report.created += inserted
    return finished


def _new_leads(
    rows: list[Any],
    given: dict[int, str | None],
    job: ImportJob,
    report: ImportReport,
    seen: tuple[set[object], set[object]],
) -> tuple[list[Any], list[str]]:
    """The frame's rows that duplicate no lead (seen so far or already in the workspace), with their owners;
    `seen` grows by the rows kept."""
    seen_emails, seen_identities = seen
    batch, owners = [], []
    for index, row in enumerate(rows):
        owner = given.get(index, job.owner_id)
        if owner is None:
            continue  # rejected: unknown owner
        email_key, identity_key = row[EMAIL_KEY], row[IDENTITY_KEY]
        if (email_key and email_key in seen_emails) or (identity_key and identity_key in seen_identities):
            report.duplicates += 1
            continue
        if email_key:
            seen_emails.add(email_key)
        if identity_key:
            seen_identities.add(identity_key)
        batch.append(row)
        owners.append(owner if index in given or job.router is None else ROUTED)
    return batch, owners


def _post_unassigned(engine: Engine, job: ImportJob, router: ImportRouter) -> None:
    """The routed rows left without an owner wait in the leads channel, each posted with Claim."""
    from sqlmodel import Session, select

    with Session(engine) as session:
        query = select(Lead).where(Lead.team_id == job.team_id, Lead.created_at == job.now, Lead.owner_id == "")
        router.post_unassigned(session, list(session.exec(query)), by=job.owner_id)
        session.commit()


ROUTED = "\0routed"  # placeholder owner of a row the router places


def _given_owners(
    job: ImportJob, cells: list[OwnerCell], report: ImportReport, rejected: RejectedRows
) -> dict[int, str | None]:
    """Row index -> the owner its Owner column names, or None when that owner is unknown (the row
    is rejected with the reason)."""
    found: dict[int, str | None] = {}
    for index, row_number, text, fields in cells:
        owner, reason = job.owners.resolve(text) if job.owners is not None else ("", "Owner: cannot be looked up")
        if not owner:
            report.reject(row_number, reason)
            rejected.write(row_number, reason, fields)
        found[index] = owner or None
    return found


def _insert_owned(connection: sa.Connection, job: ImportJob, rows: list[Row], owners: list[str]) -> int:
    """Insert rows whose owner may differ: one insert per owner (the common case, one owner, is one
    insert as before); the router's rows are placed first, in this transaction."""
    if job.router is not None and ROUTED in owners:
        routed = iter(job.router.owners(connection, [r for r, o in zip(rows, owners, strict=True) if o == ROUTED]))
        owners = [next(routed) if owner == ROUTED else owner for owner in owners]
    if all(owner == job.owner_id for owner in owners):
        return _insert(connection, job, rows)
    groups: dict[str, list[Row]] = defaultdict(list)
    for row, owner in zip(rows, owners, strict=True):
        groups[owner].append(row)
    return sum(_insert(connection, replace(job, owner_id=owner), group) for owner, group in groups.items())


class RejectedRows:
    """Rejected rows as CSV (Row, Reason, then the file's columns); the header comes with the first."""

    def __init__(self, out: IO[str] | None, names: list[str]) -> None:
        self.writer = csv.writer(out) if out is not None else None
        self.names = names
        self.started = False

    def write(self, row_number: int, reason: str, fields: list[str]) -> None:
        if self.writer is None:
            return
        if not self.started:
            self.writer.writerow(["Row", "Reason", *self.names])
            self.started = True
        self.writer.writerow([row_number, reason, *fields])


class RowWorker:
    """The bot.imports.lead_rows child process, fed the file by one thread and read by another, so neither
    pipe ever waits on the database; as a context manager it yields the decoded frames."""

    def __init__(self, source: IO[bytes], dialect: str) -> None:
        root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.imports.lead_rows", dialect],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )
        self.frames: queue.Queue[bytes | None] = queue.Queue(maxsize=FRAMES_AHEAD)
        self.source_error: OSError | None = None
        self.feeder = threading.Thread(target=self._feed, args=(source,), name="import-feed", daemon=True)
        self.reader = threading.Thread(target=self._read, name="import-read", daemon=True)
        self.feeder.start()
        self.reader.start()

    def __enter__(self) -> Iterator[tuple[Any, ...]]:
        return self._decoded()

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None and exc[0] is not None:
            self.process.kill()
        while self.reader.is_alive():  # drain, so a reader blocked on a full queue sees the end
            with contextlib.suppress(queue.Empty):
                self.frames.get(timeout=0.1)
        self.process.wait()
        self.feeder.join()
        assert self.process.stdout is not None
        self.process.stdout.close()
        if self.source_error is not None and exc[0] is None:
            raise self.source_error

    def _decoded(self) -> Iterator[tuple[Any, ...]]:
        while (payload := self.frames.get()) is not None:
            yield marshal.loads(payload)

    def _feed(self, source: IO[bytes]) -> None:
        assert self.process.stdin is not None
        try:
            shutil.copyfileobj(source, self.process.stdin, 256 * 1024)
        except BrokenPipeError:
            pass  # the worker stopped early (a bad header, or it was killed): nothing more to send
        except OSError as error:
            self.source_error = error  # e.g. the download broke off: reported once the import ends
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while (payload := read_frame(self.process.stdout)) is not None:
            self.frames.put(payload)
        self.frames.put(None)


@dataclass(frozen=True)
class ImportJob:
    """The columns that are the same for every row of one import."""

    team_id: str
    owner_id: str  # who imports: owns the rows without an Owner (unless routed), authors the timeline entry
    now: datetime
    sqlite: bool
    file_name: str = ""
    owners: OwnerResolver | None = None
    router: ImportRouter | None = None

    def constants(self) -> dict[str, object]:
        fixed = {"team_id": self.team_id, "owner_id": self.owner_id, "created_at": self.now, "updated_at": self.now}
        return fixed | _DEFAULTS


_DEFAULTS: dict[str, object] = {
    "status": "open",
    "status_reason": "",
    "currency": "EUR",
    "process_name": "",
    "opportunity_id": None,
    "origin": "",
}
CONSTANT_COLUMNS = ("team_id", "owner_id", "created_at", "updated_at", *_DEFAULTS)


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


INSERT_COLUMNS = (*VARIABLE_COLUMNS, *CONSTANT_COLUMNS)
assert set(INSERT_COLUMNS) == {c.name for c in Lead.__table__.columns} - {"id"}  # type: ignore[attr-defined]


def _record_imported(connection: sa.Connection, job: ImportJob, after_id: int) -> int:
    """Give the leads this import wrote since `after_id` their "Lead imported" timeline entry, in one
    INSERT … SELECT (no row travels through Python); returns the highest lead id covered."""
    lead, activity = Lead.__table__, Activity.__table__  # type: ignore[attr-defined]
    last_id = _last_lead_id(connection)
    if last_id <= after_id:
        return after_id
    # Materialised first, the id range is read from the primary key; a plain WHERE let the planners
    # pick the owner index and rescan all of the owner's leads at every commit (0.9 s per 100k on PG).
    recent = (
        sa.select(lead.c.id, lead.c.team_id, lead.c.owner_id, lead.c.created_at)
        .where(lead.c.id > after_id, lead.c.id <= last_id)
        .cte("recent")
        .prefix_with("MATERIALIZED")
    )
    body = f"from {job.file_name}"[:4000] if job.file_name else ""
    rows = sa.select(
        recent.c.team_id,
        sa.literal("lead"),
        recent.c.id,
        sa.literal("status"),
        sa.literal(job.owner_id),
        recent.c.created_at,
        sa.literal("Lead imported"),
        sa.literal(body),
        sa.literal({}, sa.JSON),  # CAST(… AS JSON) is NUMERIC affinity on SQLite: it stored 0
        sa.false(),
        recent.c.created_at,
    ).where(
        recent.c.team_id == job.team_id,
        recent.c.created_at == job.now,  # this import's own timestamp: no other lead has it
    )
    names = ["team_id", "record_type", "record_id", "kind", "author_id", "occurred_at", "subject", "body", "data"]
    connection.execute(activity.insert().from_select([*names, "deleted", "created_at"], rows))
    return int(last_id)


def _last_lead_id(connection: sa.Connection) -> int:
    """The highest lead id of any workspace: read from the primary key, so it costs nothing."""
    table = Lead.__table__  # type: ignore[attr-defined]
    return int(connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0)


def _insert(connection: sa.Connection, job: ImportJob, rows: list[Row]) -> int:
    """One raw executemany (SQLite) or COPY (PostgreSQL) per batch of prepared rows: ORM objects cost
    ~50 µs each and Core's per-row bind processing ~15 µs (shared/notes; bench/import_leads.py).
    On SQLite the constant columns are SQL literals, so each row binds only its own values."""
    if not rows:
        return 0
    if not connection.in_transaction():
        connection.begin()  # COPY goes through the driver connection, which SQLAlchemy would not autobegin
    raw = connection.connection.driver_connection
    if job.sqlite:
        # Staged, then one INSERT … SELECT: the text index's trigger (store/text_search.py) then
        # flushes FTS5 once per batch; a per-row INSERT flushed it per row (5x slower, measured).
        raw.execute(STAGE_TABLE)  # type: ignore[union-attr]
        raw.executemany(STAGE_INSERT, rows)  # type: ignore[union-attr]
        raw.execute(sqlite_insert(job, connection.dialect))  # type: ignore[union-attr]
        raw.execute("DELETE FROM temp.lead_import_stage")  # type: ignore[union-attr]
    else:
        constants = tuple(job.constants().values())
        names = ", ".join(INSERT_COLUMNS)
        with raw.cursor() as cursor, cursor.copy(f"COPY lead ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row + constants)
    return len(rows)


STAGE_TABLE = f"CREATE TEMP TABLE IF NOT EXISTS lead_import_stage ({', '.join(VARIABLE_COLUMNS)})"
STAGE_INSERT = f"INSERT INTO temp.lead_import_stage VALUES ({', '.join('?' * len(VARIABLE_COLUMNS))})"


def sqlite_insert(job: ImportJob, dialect: sa.Dialect) -> str:
    """INSERT … SELECT of the staged variable columns, with the import's constants as SQL literals,
    each value first processed the way SQLAlchemy would bind it to its column (UTCDateTime: naive
    UTC text)."""
    table = Lead.__table__  # type: ignore[attr-defined]
    literals = []
    for name, value in job.constants().items():
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        literals.append(_sqlite_literal(processor(value) if processor else value))
    variables = ", ".join(VARIABLE_COLUMNS)
    return (
        f"INSERT INTO lead ({', '.join(INSERT_COLUMNS)}) "
        f"SELECT {variables}, {', '.join(literals)} FROM temp.lead_import_stage"
    )


def _sqlite_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return repr(int(value) if isinstance(value, bool) else value)
    if not isinstance(value, str):
        raise TypeError(f"no SQLite literal for {type(value).__name__}")
    return "'" + value.replace("'", "''") + "'"  # SQLite string literals have no other escapes
