"""A workspace's lifecycle rows (installed, uninstalled, data deleted), the token refresh claim, and the
queries that export or delete everything a workspace stored. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from store.counter_slots import FOLD_LOCK
from store.installations import Workspace, slack_tables
from store.models import Activity, Lead, Opportunity, Outbox, SlackUser
from store.prepared import unindexed_team

# Tables that are not a workspace's data: the workspace row itself (kept, marked deleted), slack-sdk's
# installation tables (its installation store owns them), the playground's clock.
NOT_DATA = frozenset({"workspace", "clock_offset", *(table.name for table in slack_tables())})
KEPT_BY_TRIGGERS = frozenset({"owner_count", "pipeline_month"})  # migrations 0024, 0025: after the rows they count
# The tables `salesbot workspace list` counts, and where it reads the last activity
COUNTED = {"leads": Lead, "opportunities": Opportunity, "users": SlackUser}


@dataclass(frozen=True)
class WorkspaceSummary:
    team_id: str
    name: str
    enterprise_id: str | None
    installed_at: datetime | None
    uninstalled_at: datetime | None
    data_deleted_at: datetime | None
    counts: dict[str, int]
    last_activity: datetime | None


def get_workspace(session: Session, *, team_id: str) -> Workspace | None:
    return session.get(Workspace, team_id)


def record_install(
    session: Session, *, team_id: str, enterprise_id: str | None, name: str, installer: str, now: datetime
) -> tuple[Workspace, bool]:
    """Create or revive the workspace's row; returns it and whether it starts afresh (a first install,
    or one after its data was deleted)."""
    workspace = session.get(Workspace, team_id)
    first = workspace is None or workspace.data_deleted_at is not None
    if workspace is None:
        workspace = Workspace(team_id=team_id, installed_at=now, installed_by=installer)
    workspace.enterprise_id, workspace.name = enterprise_id, name[:200]
    workspace.uninstalled_at = workspace.data_deleted_at = None
    session.add(workspace)
    session.flush()
    return workspace, first


def mark_uninstalled(session: Session, *, team_id: str, now: datetime) -> None:
    workspace = session.get(Workspace, team_id) or Workspace(team_id=team_id, installed_at=now)
    if workspace.uninstalled_at is None:
        workspace.uninstalled_at = now
    session.add(workspace)


def uninstalled_teams(session: Session, team_ids: set[str]) -> set[str]:
    """Which of `team_ids` have a workspace row marked uninstalled (one query for a batch)."""
    if not team_ids:
        return set()
    query = select(Workspace.team_id).where(
        col(Workspace.team_id).in_(team_ids), col(Workspace.uninstalled_at).is_not(None)
    )
    return set(session.exec(query))


def cancel_pending_outbox(session: Session, *, team_id: str, reason: str) -> int:
    """Cancel every pending delivery of the workspace (reminders, digests, alerts…), with the reason."""
    statement = (
        sa.update(Outbox)
        .where(col(Outbox.team_id) == team_id, col(Outbox.status) == "pending")
        .values(status="cancelled", last_error=reason[:500])
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def due_for_deletion(session: Session, *, uninstalled_before: datetime) -> list[str]:
    query = select(Workspace.team_id).where(
        col(Workspace.uninstalled_at) <= uninstalled_before, col(Workspace.data_deleted_at).is_(None)
    )
    return list(session.exec(query))


def mark_data_deleted(session: Session, *, team_id: str, now: datetime) -> None:
    workspace = session.get(Workspace, team_id)
    if workspace is not None:
        workspace.data_deleted_at = now
        session.add(workspace)


# --- a workspace's data, table by table -----------------------------------------------------------


def data_tables() -> list[sa.Table]:
    """Every table holding a workspace's rows (a `team_id` column), children before parents, and last the
    counts the others' triggers keep (PostgreSQL's triggers would count their rows' deletion into new slots,
    store/counter_slots.py)."""
    tables = [t for t in SQLModel.metadata.sorted_tables if "team_id" in t.c and t.name not in NOT_DATA]
    return sorted(reversed(tables), key=lambda table: table.name in KEPT_BY_TRIGGERS)


def delete_batch(session: Session, table: sa.Table, *, team_id: str, batch: int) -> int:
    """Delete up to `batch` of the workspace's rows of `table`; returns how many went. The counters' (PostgreSQL)
    after the fold's advisory lock: a fold deletes slots then updates slot 0, this deletes both in its own order,
    and the two would deadlock over the slots the workspace's last deletions wrote (store/counter_slots.py)."""
    if table.name in KEPT_BY_TRIGGERS and session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(FOLD_LOCK)))
    if "id" not in table.c:
        return int(session.execute(table.delete().where(table.c.team_id == team_id)).rowcount or 0)  # type: ignore[attr-defined]
    ids = sa.select(table.c.id).where(table.c.team_id == team_id).limit(batch).scalar_subquery()
    return int(session.execute(table.delete().where(table.c.id.in_(ids))).rowcount or 0)  # type: ignore[attr-defined]


def rows_of(session: Session, table: sa.Table, *, team_id: str, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """The workspace's rows of `table` as plain dicts, in id order, read `batch` at a time."""
    key = table.c.id if "id" in table.c else table.c.team_id
    last: Any = None
    # Each batch continues along the primary key (SQLite read and sorted the workspace's whole index on
    # team_id for every batch: 167 ms a batch at 1M opportunities).
    team = unindexed_team(table) if "id" in table.c else table.c.team_id
    while True:
        query = sa.select(table).where(team == team_id).order_by(key).limit(batch)
        if last is not None and "id" in table.c:
            query = query.where(key > last)
        rows = [dict(row) for row in session.execute(query).mappings()]
        yield from rows
        if len(rows) < batch or "id" not in table.c:
            return
        last = rows[-1]["id"]


# --- `salesbot workspace list` --------------------------------------------------------------------


def known_team_ids(session: Session) -> list[str]:
    """Installed or uninstalled workspaces, and (single-token mode) those the data names."""
    teams = set(session.exec(select(Workspace.team_id)))
    for model in COUNTED.values():
        teams.update(session.exec(select(model.team_id).distinct()))  # type: ignore[attr-defined]
    return sorted(teams)


def summarise(session: Session, team_ids: list[str]) -> list[WorkspaceSummary]:
    """One summary per workspace: its row (when installed by OAuth), record counts, last activity."""
    rows = {w.team_id: w for w in session.exec(select(Workspace).where(col(Workspace.team_id).in_(team_ids)))}
    counts: dict[str, dict[str, int]] = {team: {} for team in team_ids}
    for label, model in COUNTED.items():
        query = (
            select(model.team_id, sa.func.count())  # type: ignore[attr-defined]
            .where(col(model.team_id).in_(team_ids))  # type: ignore[attr-defined]
            .group_by(model.team_id)  # type: ignore[attr-defined]
        )
        for team, count in session.exec(query):
            counts[team][label] = int(count)
    last_query = (
        select(Activity.team_id, sa.func.max(Activity.occurred_at))
        .where(col(Activity.team_id).in_(team_ids))
        .group_by(Activity.team_id)
    )
    last = dict(session.exec(last_query).all())
    return [_summary(team, rows.get(team), counts[team], last.get(team)) for team in team_ids]


def _summary(team: str, row: Workspace | None, counts: dict[str, int], last: Any) -> WorkspaceSummary:
    return WorkspaceSummary(
        team_id=team, name=row.name if row else "", enterprise_id=row.enterprise_id if row else None,
        installed_at=row.installed_at if row else None, uninstalled_at=row.uninstalled_at if row else None,
        data_deleted_at=row.data_deleted_at if row else None,
        counts={label: counts.get(label, 0) for label in COUNTED}, last_activity=last,
    )  # fmt: skip


# --- the token refresh claim ----------------------------------------------------------------------


def claim_refresh(session: Session, *, team_id: str, worker: str, now: datetime, until: datetime) -> bool:
    """Take the right to refresh the workspace's bot token (one conditional UPDATE: of several workers
    finding the token about to expire at the same moment, one wins); the caller commits at once."""
    table: sa.Table = Workspace.__table__  # type: ignore[attr-defined]
    free = sa.or_(table.c.refresh_claimed_until.is_(None), table.c.refresh_claimed_until < now)
    statement = (
        table.update()
        .where(table.c.team_id == team_id, free)
        .values(refresh_claimed_by=worker, refresh_claimed_until=until)
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def release_refresh(session: Session, *, team_id: str, worker: str) -> None:
    table: sa.Table = Workspace.__table__  # type: ignore[attr-defined]
    statement = (
        table.update()
        .where(table.c.team_id == team_id, table.c.refresh_claimed_by == worker)
        .values(refresh_claimed_by=None, refresh_claimed_until=None)
    )
    session.execute(statement)
