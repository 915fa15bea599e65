"""Pure rules of the assistant: sequence steps, when things are due, local days and time zones.

No database, no Slack: every function takes what it needs (including `now`) and returns a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

STEP_KINDS: dict[str, str] = {"call": "Call", "email": "Email", "task": "Task", "linkedin": "LinkedIn"}
WAIT_UNITS: dict[str, int] = {"minute": 1, "hour": 60, "day": 24 * 60, "week": 7 * 24 * 60}
MAX_STEPS = 30
MAX_WAIT_MINUTES = 365 * 24 * 60
SNOOZE_TASK = timedelta(days=1)
SNOOZE_REMINDER = timedelta(minutes=10)
MAX_REMINDER_MINUTES = 24 * 60

_WAIT = re.compile(r"^wait\s+(\d{1,4})\s*(minute|min|hour|h|day|d|week|w)s?\b\.?\s*(.*)$", re.IGNORECASE)
_STEP = re.compile(r"^(call|email|e-mail|task|linkedin|linked in)\s*[:\-–—]\s*(.+)$", re.IGNORECASE)
_UNIT_ALIASES = {"min": "minute", "h": "hour", "d": "day", "w": "week"}
STEPS_HELP = (
    "One step a line: `call: Introduce yourself`, `email: Send the brochure`, `task: Prepare a demo`, "
    "`linkedin: Connect`, or a pause such as `wait 2 days` / `wait 4 hours`."
)


@dataclass(frozen=True)
class StepError(Exception):
    message: str


def parse_steps(text: str) -> list[dict[str, Any]]:
    """The steps a manager typed, one a line, as stored in `Sequence.steps`; raises StepError naming the line."""
    steps: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("-•*").strip()
        if not line:
            continue
        wait = _WAIT.match(line)
        if wait:
            amount, unit = int(wait.group(1)), wait.group(2).lower()
            unit = _UNIT_ALIASES.get(unit, unit)
            minutes = amount * WAIT_UNITS[unit]
            if minutes <= 0 or minutes > MAX_WAIT_MINUTES:
                raise StepError(f"Line {number}: a wait is between 1 minute and 365 days.")
            steps.append({"kind": "wait", "description": wait.group(3).strip()[:300], "wait_minutes": minutes})
            continue
        step = _STEP.match(line)
        if not step:
            raise StepError(f"Line {number} (“{line[:40]}”) is not a step. {STEPS_HELP}")
        kind = step.group(1).lower().replace("-", "").replace(" ", "")
        steps.append({"kind": kind, "description": step.group(2).strip()[:300], "wait_minutes": 0})
    if not any(s["kind"] != "wait" for s in steps):
        raise StepError(f"Add at least one call, email, task or LinkedIn step. {STEPS_HELP}")
    if len(steps) > MAX_STEPS:
        raise StepError(f"A sequence has at most {MAX_STEPS} steps.")
    return steps


def describe_step(step: dict[str, Any]) -> str:
    """`Call: Introduce yourself`, `Wait 2 days`."""
    if step.get("kind") == "wait":
        return f"Wait {format_duration(int(step.get('wait_minutes', 0)))}"
    label = STEP_KINDS.get(str(step.get("kind")), "Task")
    description = str(step.get("description") or "").strip()
    return f"{label}: {description}" if description else label


def steps_text(steps: list[dict[str, Any]]) -> str:
    """Steps back in the form `parse_steps` reads (to prefill an edit)."""
    lines = []
    for step in steps:
        if step.get("kind") == "wait":
            lines.append(f"wait {format_duration(int(step.get('wait_minutes', 0)))}")
        else:
            lines.append(f"{step.get('kind')}: {step.get('description', '')}")
    return "\n".join(lines)


def format_duration(minutes: int) -> str:
    for unit, size in (("week", WAIT_UNITS["week"]), ("day", WAIT_UNITS["day"]), ("hour", 60)):
        if minutes >= size and minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class NextStep:
    position: int
    due_at: datetime


def next_step(steps: list[dict[str, Any]], start: int, after: datetime) -> NextStep | None:
    """The first actionable step at or after `start`, due `after` plus the waits before it; None when done."""
    due = after
    for position in range(max(start, 0), len(steps)):
        step = steps[position]
        if step.get("kind") == "wait":
            due += timedelta(minutes=int(step.get("wait_minutes") or 0))
            continue
        return NextStep(position, due)
    return None


# --- Time zones and local days ---------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    """The user's IANA zone; UTC when unknown or malformed."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(moment: datetime, tz: str | None) -> date:
    return moment.astimezone(zone(tz)).date()


def day_bounds(day: date, tz: str | None) -> tuple[datetime, datetime]:
    """[local midnight of `day`, next local midnight) in UTC; DST days are 23 or 25 hours long."""
    z = zone(tz)
    start = datetime.combine(day, time(0), tzinfo=z).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=z).astimezone(UTC)
    return start, end


def local_at(day: date, hour: int, tz: str | None) -> datetime:
    """`hour`:00 local time on `day`, in UTC (an hour skipped by DST maps to the hour after it)."""
    return datetime.combine(day, time(hour), tzinfo=zone(tz)).astimezone(UTC)


# strftime's `%a` and `%b` in the C locale (Python never sets LC_TIME from the environment): three strftime
# calls were a third of formatting a due time, 15 of them per `/task list`.
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_local(moment: datetime, tz: str | None, *, with_date: bool = True) -> str:
    """`Mon 2 Mar, 09:30 CET` in the user's zone."""
    local = moment.astimezone(zone(tz))
    clock = f"{local.hour:02d}:{local.minute:02d}"
    abbreviation = local.tzname() or ""
    if with_date:
        clock = f"{_DAY_NAMES[local.weekday()]} {local.day} {_MONTH_NAMES[local.month]}, {clock}"
    return f"{clock} {abbreviation}".strip()


def reminder_due(start: datetime, minutes_before: int, now: datetime) -> datetime:
    """When to remind about something starting at `start`: never in the past (inside the window: at once)."""
    return max(start - timedelta(minutes=minutes_before), now)


def digest_due(now: datetime, tz: str | None, hour: int, *, window_hours: int = 6) -> date | None:
    """The local day whose morning digest is due at `now` (from `hour`:00 for `window_hours`), else None.

    The window lets a scheduler that was down at `hour` catch up, without a morning digest in the evening."""
    day = local_date(now, tz)
    start = local_at(day, hour, tz)
    if start <= now < start + timedelta(hours=window_hours):
        return day
    return None


def parse_reminder_minutes(text: str) -> int | None:
    """Minutes before an appointment for reminders: empty is None (the workspace default)."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if not cleaned.isdigit() or int(cleaned) > MAX_REMINDER_MINUTES:
        raise StepError(f"Enter a whole number of minutes from 0 to {MAX_REMINDER_MINUTES}.")
    return int(cleaned)
