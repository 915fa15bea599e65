"""A workspace's life in OAuth mode: installed (first admin, welcome DM), uninstalled (deliveries
cancelled, data kept for UNINSTALL_RETENTION_DAYS), deleted (every table, in batches); and its data
exported as a zip of CSVs (Slack's `Export data` and `salesbot workspace export` alike)."""

from __future__ import annotations

import csv
import io
import json
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session, SQLModel

from bot.services.teams import set_roles
from store.db import SessionFactory, transaction
from store.outbox import enqueue
from store.users import users_with_role
from store.workspaces import (
    WorkspaceSummary,
    cancel_pending_outbox,
    data_tables,
    delete_batch,
    due_for_deletion,
    known_team_ids,
    mark_data_deleted,
    mark_uninstalled,
    record_install,
    rows_of,
    summarise,
)

log = logging.getLogger("salesbot.workspaces")
WELCOME = "welcome"
UNINSTALLED_REASON = "workspace uninstalled: salesbot no longer has a token there"
NOT_INSTALLED_REASON = "workspace has no active installation"
DELETE_BATCH = 1000
# The export: a CSV per table, named for people; tables a deployment does not have are left out.
EXPORTED = (
    ("leads.csv", "lead"),
    ("opportunities.csv", "opportunity"),
    ("opportunity_lines.csv", "opportunity_line"),
    ("quotes.csv", "quote"),
    ("quote_lines.csv", "quote_line"),
    ("orders.csv", "sales_order"),
    ("accounts.csv", "account"),
    ("contacts.csv", "contact"),
    ("activities.csv", "activity"),
    ("tasks.csv", "task"),
    ("appointments.csv", "appointment"),
    ("users_and_roles.csv", "slack_user"),
    ("teams.csv", "sales_team"),
    ("team_members.csv", "sales_team_member"),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


@dataclass(frozen=True)
class Installed:
    team_id: str
    enterprise_id: str | None
    name: str
    installer: str


def record_installed(session: Session, install: Installed, *, now: datetime) -> bool:
    """Remember the workspace; the installer becomes its first salesbot admin (when it has none) and
    gets a welcome DM through the outbox. Returns whether this was the workspace's first install."""
    _, first = record_install(
        session, team_id=install.team_id, enterprise_id=install.enterprise_id, name=install.name,
        installer=install.installer, now=now,
    )  # fmt: skip
    if install.installer and not users_with_role(session, team_id=install.team_id, role="admin"):
        set_roles(session, team_id=install.team_id, users=[install.installer], role="admin",
                  actor=install.installer, now=now)  # fmt: skip
    if install.installer:
        enqueue(
            session, team_id=install.team_id, kind=WELCOME, recipient=install.installer, due_at=now,
            dedupe_key=f"welcome:{install.installer}:{now.isoformat()}", payload={"first": first},
        )  # fmt: skip
    log.info("workspace installed team=%s enterprise=%s first=%s", install.team_id, install.enterprise_id, first)
    return first


def record_uninstalled(session: Session, *, team_id: str, now: datetime) -> int:
    """Cancel the workspace's pending deliveries and mark it uninstalled; returns how many were cancelled."""
    cancelled = cancel_pending_outbox(session, team_id=team_id, reason=UNINSTALLED_REASON)
    mark_uninstalled(session, team_id=team_id, now=now)
    log.info("workspace uninstalled team=%s pending_deliveries_cancelled=%d", team_id, cancelled)
    return cancelled


def stop_deliveries(session: Session, *, team_id: str) -> int:
    """The dispatcher found no active installation for the workspace: cancel its pending rows."""
    return cancel_pending_outbox(session, team_id=team_id, reason=NOT_INSTALLED_REASON)


def delete_data(
    new_session: SessionFactory, team_id: str, *, now: datetime, batch: int = DELETE_BATCH
) -> dict[str, int]:
    """Delete every row the workspace stored, table by table, `batch` rows per transaction (no long lock);
    returns the count per table that had any. The workspace row stays, marked deleted."""
    deleted: dict[str, int] = {}
    for table in data_tables():
        while True:
            with transaction(new_session) as session:
                count = delete_batch(session, table, team_id=team_id, batch=batch)
            if count:
                deleted[table.name] = deleted.get(table.name, 0) + count
            if count < batch:
                break
    with transaction(new_session) as session:
        mark_data_deleted(session, team_id=team_id, now=now)
    log.info("workspace data deleted team=%s %s", team_id, " ".join(f"{k}={v}" for k, v in deleted.items()) or "none")
    return deleted


def purge_uninstalled(new_session: SessionFactory, *, retention_days: int, now: datetime) -> dict[str, dict[str, int]]:
    """Housekeeping: delete the data of workspaces uninstalled more than `retention_days` ago (0: never)."""
    if retention_days <= 0:
        return {}
    with transaction(new_session) as session:
        teams = due_for_deletion(session, uninstalled_before=now - timedelta(days=retention_days))
    return {team: delete_data(new_session, team, now=now) for team in teams}


def list_workspaces(session: Session) -> list[WorkspaceSummary]:
    return summarise(session, known_team_ids(session))


def export_zip(session: Session, team_id: str, target: IO[bytes]) -> dict[str, int]:
    """Write the workspace's data as a zip of CSVs to `target`; returns rows per file. Each CSV is
    streamed into the archive as its rows are read (a batch at a time): a workspace of 1,000,000
    opportunities is never held in memory as text."""
    tables = SQLModel.metadata.tables
    counts: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for filename, name in EXPORTED:
            if name in tables:
                with archive.open(filename, "w", force_zip64=True) as member:
                    counts[filename] = _write_csv(session, tables[name], team_id, member)
    return counts


def export_file(session: Session, team_id: str, target: Path) -> dict[str, int]:
    """`export_zip` into the file `target` (an upload reads it from there)."""
    with target.open("wb") as out:
        return export_zip(session, team_id, out)


def export_filename(team_id: str, today: date) -> str:
    return f"salesbot-{team_id}-{today.isoformat()}.zip"


def _write_csv(session: Session, table: Any, team_id: str, member: IO[bytes]) -> int:
    columns = [column.name for column in table.columns]
    with io.TextIOWrapper(member, encoding="utf-8", newline="") as text:
        writer = csv.writer(text)
        writer.writerow(columns)
        count = 0
        for row in rows_of(session, table, team_id=team_id):
            writer.writerow([_cell(row[column]) for column in columns])
            count += 1
    return count


CELL: dict[type, Callable[[Any], str]] = {
    bool: lambda v: "true" if v else "false",
    datetime: lambda v: v.isoformat(),
    date: lambda v: v.isoformat(),
    Decimal: str,
    dict: lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True),
    list: lambda v: json.dumps(v, ensure_ascii=False),
}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    convert = CELL.get(type(value))
    if convert is not None:
        return convert(value)
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_STARTS) else text
