"""Planning: turn the state of the database into outbox rows for nudges and digests.

Runs from the dispatcher's tick at most once a minute. Idempotent: every row has a dedupe key naming
its kind, record and local day, so planning again (or in two processes at once) adds nothing —
at most one nudge per record per kind per day, one digest per person per day.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.config import Settings
from bot.deps import Deps
from bot.domain.assistant import day_bounds, digest_due, local_at, local_date
from store import planning
from store.db import transaction
from store.models import Outbox
from store.opportunities import get_opportunity
from store.outbox import enqueue
from store.prepared import session_reader
from store.tasks import get_task
from store.workspaces import uninstalled_teams

log = logging.getLogger("salesbot.planner")


def plan_all(deps: Deps, now: datetime) -> int:
    """Plan every workspace the database knows; returns how many rows were added."""
    with transaction(deps.new_session) as session:
        teams = planning.teams_with_work(session)
        teams -= uninstalled_teams(session, teams)  # OAuth mode: nothing more for a workspace that left
    added = 0
    for team in sorted(teams):
        with transaction(deps.new_session) as session:
            wanted = nudges(session, deps.settings, team, now) + digests(session, deps.settings, team, now)
        added += _enqueue_missing(deps, team, wanted)
    return added + _plan_alerts(deps, now)


def _plan_alerts(deps: Deps, now: datetime) -> int:
    """Channel alerts (scheduler/alerts.py), apart: their failure must not stop nudges and digests."""
    from scheduler.alerts import plan_alerts

    try:
        return plan_alerts(deps, now)
    except Exception:
        log.exception("planning channel alerts failed")
        return 0


def _enqueue_missing(deps: Deps, team: str, wanted: list[dict[str, Any]]) -> int:
    if not wanted:
        return 0
    keys = [row["dedupe_key"] for row in wanted]
    with transaction(deps.new_session) as session:
        existing = planning.existing_keys(session, team_id=team, keys=keys)
    added = 0
    for row in wanted:
        if row["dedupe_key"] in existing:
            continue
        try:
            with transaction(deps.new_session) as session:
                enqueue(session, team_id=team, **row)
            added += 1
        except IntegrityError:  # another scheduler process planned the same row a moment ago
            continue
    return added


def _zones(session: Session, team: str) -> dict[str, str]:
    return planning.zones(session, team_id=team)


def _morning(now: datetime, day: date, tz: str, hour: int) -> datetime:
    """Nudges arrive with the morning digest, or at once when planned later in the day."""
    return max(now, local_at(day, hour, tz))


# --- Nudges ------------------------------------------------------------------------------------


NUDGES_PER_KIND = 10  # per person and day, the most overdue first; the digest counts the rest


def nudges(session: Session, settings: Settings, team: str, now: datetime) -> list[dict[str, Any]]:
    """Overdue tasks (one nudge per record or lone task), deals past their close date, stale deals: for
    each owner at most NUDGES_PER_KIND of each kind a day, read owner by owner in index order (a workspace
    of 1M deals reads its owners' first rows, not every open deal)."""
    zones, reader = _zones(session, team), session_reader(session)
    plan = _NudgePlan(now, settings.digest_hour)
    for owner in planning.owners_with_tasks(reader, team_id=team):
        day = plan.day_of(zones.get(owner, "UTC"))
        tasks = planning.overdue_tasks_of(reader, team_id=team, owner_id=owner, before=day.start, limit=NUDGES_PER_KIND)
        for task in tasks:
            subject = f"{task.record_type}:{task.record_id}" if task.record_id else f"task:{task.id}"
            plan.add("overdue_task", owner, day, task.record_type, task.record_id, subject, {"task_id": task.id})
    stale_before = now - timedelta(days=settings.stale_deal_days)
    for owner in planning.owners_with_deals(reader, team_id=team):
        day = plan.day_of(zones.get(owner, "UTC"))
        late = planning.past_close_dates(reader, team_id=team, owner_id=owner, day=day.date, limit=NUDGES_PER_KIND)
        for opp_id, close in late:
            plan.add("past_close", owner, day, "opportunity", opp_id, f"opportunity:{opp_id}", {"close_date": close})
        for opp_id in planning.stale_ids(
            reader, team_id=team, owner_id=owner, before=stale_before, limit=NUDGES_PER_KIND
        ):
            plan.add("stale", owner, day, "opportunity", opp_id, f"opportunity:{opp_id}", {})
    return plan.rows


class _LocalDay(NamedTuple):
    """A zone's local day at planning time: the day, its ISO text, its start (UTC) and the nudges' due time."""

    date: date
    iso: str
    start: datetime
    due: datetime


class _NudgePlan:
    """The nudge rows planned so far, one per kind, subject and local day."""

    def __init__(self, now: datetime, digest_hour: int) -> None:
        self.now, self.digest_hour = now, digest_hour
        self.rows: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        self.days: dict[str, _LocalDay] = {}  # per zone, worked out once per planning

    def day_of(self, tz: str) -> _LocalDay:
        found = self.days.get(tz)
        if found is None:
            day = local_date(self.now, tz)
            due = _morning(self.now, day, tz, self.digest_hour)
            found = _LocalDay(day, day.isoformat(), day_bounds(day, tz)[0], due)
            self.days[tz] = found
        return found

    def add(
        self,
        kind: str,
        recipient: str,
        day: _LocalDay,
        record_type: str | None,
        record_id: int | None,
        subject: str,
        payload: dict[str, Any],
    ) -> None:
        key = f"nudge:{kind}:{subject}:{day.iso}"
        if key in self.seen:
            return
        self.seen.add(key)
        payload = {"nudge": kind, **payload}
        self.rows.append({"kind": "nudge", "recipient": recipient, "due_at": day.due, "dedupe_key": key,
                          "record_type": record_type, "record_id": record_id, "payload": payload})  # fmt: skip


def nudge_still_applies(session: Session, row: Outbox, stale_days: int, now: datetime) -> bool:
    """Checked at send time: the task may be done, the deal closed or worked on since the nudge was planned."""
    kind = row.payload.get("nudge")
    if kind == "overdue_task":
        task_id = row.payload.get("task_id")
        task = get_task(session, team_id=row.team_id, task_id=task_id) if isinstance(task_id, int) else None
        return task is not None and task.status == "open" and task.due_at < now
    opp = get_opportunity(session, team_id=row.team_id, opportunity_id=row.record_id or 0)
    if opp is None or opp.status != "open":
        return False
    if kind == "past_close":
        return opp.estimated_close_date is not None and opp.estimated_close_date.isoformat() == row.payload.get(
            "close_date"
        )
    if kind == "stale":
        before = now - timedelta(days=stale_days)
        latest = planning.last_activity_at(session, team=row.team_id, opportunity_ids=[opp.id or 0]).get(opp.id or 0)
        return (latest or opp.created_at) < before
    return False


# --- Digests -----------------------------------------------------------------------------------


def digests(session: Session, settings: Settings, team: str, now: datetime) -> list[dict[str, Any]]:
    """Managers get their team digest, reps who asked get their own summary, at DIGEST_HOUR local time."""
    users = planning.users_of(session, team_id=team)
    managers = {u.manager_id for u in users if u.manager_id}
    rows: list[dict[str, Any]] = []
    for user in users:
        scopes = []
        if user.role == "manager" or user.user_id in managers:
            scopes.append("team")
        if user.daily_summary:
            scopes.append("self")
        if not scopes:
            continue
        day = digest_due(now, user.tz, settings.digest_hour)
        if day is None:
            continue
        for scope in scopes:
            rows.append(
                {
                    "kind": "digest",
                    "recipient": user.user_id,
                    "due_at": now,
                    "dedupe_key": f"digest:{scope}:{user.user_id}:{day.isoformat()}",
                    "payload": {"scope": scope, "day": day.isoformat()},
                }
            )
    return rows
