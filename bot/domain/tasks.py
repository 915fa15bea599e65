"""Ad-hoc tasks (`Add task`, `/task`): what a valid task is. Pure: no database, no Slack.

Sequence steps are tasks too (kind call/email/…, an enrollment); an ad-hoc task is one without an
enrollment. Both keep `priority` as 1 (High), 2 (Normal), 3 (Low).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

PRIORITIES: dict[str, int] = {"High": 1, "Normal": 2, "Low": 3}
PRIORITY_LABELS: dict[int, str] = {number: label for label, number in PRIORITIES.items()}
SUBJECT_MAX = 300
DESCRIPTION_MAX = 2000
PAST_GRACE = timedelta(minutes=1)  # the picker has minute precision: "now" is not in the past

Errors = dict[str, str]


@dataclass(frozen=True)
class TaskDraft:
    subject: str
    due_at: datetime
    assignee: str
    priority: int
    description: str


def priority_label(priority: int) -> str:
    return PRIORITY_LABELS.get(priority, "Normal")


def validate_task(
    values: Mapping[str, Any], *, now: datetime, me: str, previous_due: datetime | None = None
) -> tuple[TaskDraft | None, Errors]:
    """The modal's values (`subject`, `due`, `assignee`, `priority`, `description`) as a draft, or field
    errors. A new task may not be due in the past; an edited one may keep its (past) due time."""
    errors: Errors = {}
    subject = str(values.get("subject") or "").strip()
    if not subject:
        errors["subject"] = "Enter what there is to do."
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = f"Keep the subject under {SUBJECT_MAX} characters."
    due_at = _due(values.get("due"), now, previous_due, errors)
    priority_text = str(values.get("priority") or "Normal")
    if priority_text not in PRIORITIES:
        errors["priority"] = "Choose High, Normal or Low."
    description = str(values.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"Keep the description under {DESCRIPTION_MAX} characters."
    assignee = str(values.get("assignee") or me)
    if errors or due_at is None:
        return None, errors
    return TaskDraft(subject, due_at, assignee, PRIORITIES[priority_text], description), {}


def _due(raw: object, now: datetime, previous: datetime | None, errors: Errors) -> datetime | None:
    if raw in (None, ""):
        errors["due"] = "Pick when the task is due."
        return None
    try:
        due_at = datetime.fromtimestamp(int(str(raw)), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        errors["due"] = "Pick when the task is due."
        return None
    if due_at < now - PAST_GRACE and (previous is None or abs((due_at - previous).total_seconds()) >= 60):
        errors["due"] = "That time has passed; pick a time from now on."
        return None
    return due_at
