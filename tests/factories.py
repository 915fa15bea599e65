"""Builders for the rows tests seed: a valid row from the few fields a test is about.

Every builder takes `team` (default "T1") and passes any other column through, so a test names only
what it checks: `opportunity("U3", "Roastery upgrade", status="won")`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store.models import Activity, Appointment, Lead, Opportunity, SlackUser, StageChange, Task


def user(user_id: str, *, team: str = "T1", tz: str = "Europe/Rome", **columns: Any) -> SlackUser:
    return SlackUser(team_id=team, user_id=user_id, tz=tz, **columns)


def lead(owner: str, topic: str = "Espresso machines", *, team: str = "T1", **columns: Any) -> Lead:
    return Lead(team_id=team, owner_id=owner, topic=topic, **columns)


def opportunity(owner: str, topic: str = "Coffee bar", *, team: str = "T1", **columns: Any) -> Opportunity:
    return Opportunity(team_id=team, owner_id=owner, topic=topic, **columns)


def _about(record: Lead | Opportunity) -> dict[str, Any]:
    kind = "lead" if isinstance(record, Lead) else "opportunity"
    return {"team_id": record.team_id, "record_type": kind, "record_id": record.id or 0}


def activity(record: Lead | Opportunity, kind: str, author: str, at: datetime, **columns: Any) -> Activity:
    """A timeline entry on a flushed record (it needs the record's id)."""
    return Activity(**_about(record), kind=kind, author_id=author, occurred_at=at, **columns)


def appointment(record: Lead | Opportunity, owner: str, subject: str, start: datetime, **columns: Any) -> Appointment:
    return Appointment(**_about(record), owner_id=owner, subject=subject, start_at=start, **columns)


def task(owner: str, title: str, due: datetime, *, team: str = "T1", about: Lead | Opportunity | None = None,
         **columns: Any) -> Task:  # fmt: skip
    record = _about(about) if about is not None else {"team_id": team}
    return Task(**record, owner_id=owner, title=title, due_at=due, **columns)


def stage_change(opp: Opportunity, kind: str, at: datetime, *, from_stage: str = "", to_stage: str = "",
                 user_id: str = "") -> StageChange:  # fmt: skip
    return StageChange(
        team_id=opp.team_id, opportunity_id=opp.id or 0, owner_id=opp.owner_id, from_stage=from_stage or opp.stage,
        to_stage=to_stage or opp.stage, kind=kind, user_id=user_id or opp.owner_id, at=at,
    )  # fmt: skip


def askers(rep: str) -> list[SlackUser]:
    """Every kind of asker a search reads the role of, in workspace T1: the manager UM, `rep` (their rep), the
    Slack admin US, the admin by role UA; and `rep` as an admin of T2 (whose role must not leak into T1)."""
    return [SlackUser(team_id="T1", user_id="UM", role="manager"),
            SlackUser(team_id="T1", user_id=rep, manager_id="UM"),
            SlackUser(team_id="T1", user_id="US", is_slack_admin=True),
            SlackUser(team_id="T1", user_id="UA", role="admin"),
            SlackUser(team_id="T2", user_id=rep, role="admin")]  # fmt: skip
