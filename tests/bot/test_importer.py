"""The importer's two processes: header handling, a download that breaks off, a worker that dies."""

from __future__ import annotations

import io
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.lead_csv import generate
from bot.imports.leads import import_leads
from store.bulk import SETTLE_AFTER
from store.db import make_engine

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _import(url: str, source: io.RawIOBase | io.BytesIO):  # type: ignore[no-untyped-def]
    return import_leads(source, engine=make_engine(url), team_id="T1", owner_id="U1", now=NOW)


def _stored(url: str) -> list[tuple[object, ...]]:
    with make_engine(url).connect() as connection:
        query = "SELECT email, budget_amount, team_id, created_at FROM lead ORDER BY id"
        return [tuple(row) for row in connection.execute(sa.text(query))]


def test_a_field_named_twice_is_read_from_its_first_column(database_url: str) -> None:
    source = io.BytesIO(b'Topic,Email,E-mail,Company,Budget\nBeans,a@x.it,b@x.it,Roastery,"1,299.50"\n')
    report = _import(database_url, source)
    assert (report.created, report.unknown_columns) == (1, ["E-mail"])
    (email, budget, team, created), *_ = _stored(database_url)
    assert (email, float(budget), team) == ("a@x.it", 1299.5, "T1")
    assert str(created).startswith("2026-11-23 09:00:00")


class BreaksOff(io.RawIOBase):
    """A download whose connection drops after `limit` bytes."""

    def __init__(self, data: bytes, limit: int) -> None:
        self.data, self.limit, self.position = data, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        if self.position >= self.limit:
            raise ConnectionResetError("connection reset by peer")
        chunk = self.data[self.position : min(self.limit, self.position + len(buffer))]
        buffer[: len(chunk)] = chunk
        self.position += len(chunk)
        return len(chunk)


def test_a_download_that_breaks_off_is_an_error_not_a_short_import(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    generate(path, 3000)
    with pytest.raises(ConnectionResetError):
        _import(database_url, BreaksOff(path.read_bytes(), 100_000))


class KillsTheWorker(io.RawIOBase):
    """A file that, once `after` bytes were read, kills the import's worker process."""

    def __init__(self, data: bytes, after: int) -> None:
        self.source, self.after, self.killed = io.BytesIO(data), after, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        if not self.killed and self.source.tell() >= self.after:
            self.killed = _kill_children_running("bot.imports.lead_rows")
        return self.source.readinto(buffer)


def _kill_children_running(module: str) -> int:
    killed = 0
    for entry in Path("/proc").iterdir():
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid() and module.encode() in command:
            os.kill(int(entry.name), signal.SIGKILL)
            killed += 1
    return killed


def test_a_worker_that_dies_ends_the_import_with_what_was_committed(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    generate(path, 40_000)
    source = KillsTheWorker(path.read_bytes(), after=3_000_000)
    report = _import(database_url, source)
    assert source.killed == 1
    assert report.error.startswith(f"the import stopped after {report.rows:,} rows ({report.created:,} created)")
    assert 0 < report.rows < 40_000 and len(_stored(database_url)) == report.created


def test_a_large_import_leaves_statistics_and_no_pending_text_index_entries(database_url: str, tmp_path: Path) -> None:
    """PostgreSQL: after an import of SETTLE_AFTER rows or more the lead table is analyzed (its row estimate
    counts them) and pg_trgm's pending list is merged (nothing left for gin_clean_pending_list), where a server
    without autovacuum, or a table ten times the import, would leave every trigram search reading the pending
    list. SQLite gets no ANALYZE statistics (its plans are chosen without them)."""
    path = tmp_path / "leads.csv"
    expected = generate(path, SETTLE_AFTER + 200, seed=3)
    with path.open("rb") as source:
        assert _import(database_url, source).created == expected["unique"] >= SETTLE_AFTER
    with make_engine(database_url).connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).all() == []
            return
        estimate = connection.execute(sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('lead')"))
        assert estimate.scalar_one() == expected["unique"]
        pending = connection.execute(sa.text("SELECT gin_clean_pending_list(to_regclass('ix_lead_search_trgm'))"))
        assert pending.scalar_one() == 0
