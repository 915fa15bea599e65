"""Validation of what reps record on a lead or opportunity: calls, notes, appointments, people."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.leads import DISQUALIFY_REASONS
from bot.domain.parsing import ParseError

DIRECTIONS = ("Incoming", "Outgoing")
CALL_OUTCOMES = ("Reached", "Left voicemail", "No answer", "Wrong number", "Call back later")
STAKEHOLDER_ROLES = (
    "Decision maker",
    "Economic buyer",
    "Influencer",
    "Champion",
    "Technical buyer",
    "Legal",
    "Other",
)
MAX_DURATION_MINUTES = 24 * 60

Errors = dict[str, str]


@dataclass(frozen=True)
class Call:
    subject: str
    direction: str
    outcome: str
    notes: str


@dataclass(frozen=True)
class AppointmentDraft:
    subject: str
    start_at: datetime
    duration_minutes: int
    attendees: tuple[str, ...]
    location: str


@dataclass(frozen=True)
class StakeholderDraft:
    slack_user_id: str | None
    name: str
    role: str


@dataclass(frozen=True)
class CompetitorDraft:
    name: str
    strengths: str
    weaknesses: str


def _text(values: Mapping[str, Any], key: str, label: str, limit: int, errors: Errors, *, required: bool) -> str:
    text = str(values.get(key) or "").strip()
    if required and not text:
        errors[key] = f"Enter {label}."
    elif len(text) > limit:
        errors[key] = f"Keep {label} under {limit} characters."
    return text


def _choice(values: Mapping[str, Any], key: str, options: tuple[str, ...], errors: Errors, *, required: bool) -> str:
    choice = str(values.get(key) or "")
    if choice and choice not in options or required and not choice:
        errors[key] = f"Choose one of: {', '.join(options)}."
    return choice


def validate_call(values: Mapping[str, Any]) -> tuple[Call | None, Errors]:
    errors: Errors = {}
    subject = _text(values, "subject", "a subject", 300, errors, required=True)
    direction = _choice(values, "direction", DIRECTIONS, errors, required=True)
    outcome = _choice(values, "outcome", CALL_OUTCOMES, errors, required=False)
    notes = _text(values, "notes", "the notes", 3000, errors, required=False)
    return (None, errors) if errors else (Call(subject, direction, outcome, notes), {})


def validate_note(values: Mapping[str, Any]) -> tuple[str | None, Errors]:
    errors: Errors = {}
    note = _text(values, "note", "a note", 3000, errors, required=True)
    return (None, errors) if errors else (note, {})


def parse_duration(text: str) -> int:
    cleaned = text.strip()
    if not cleaned.isdigit() or not 5 <= int(cleaned) <= MAX_DURATION_MINUTES:
        raise ParseError(f"Enter the duration in minutes, from 5 to {MAX_DURATION_MINUTES}.")
    return int(cleaned)


def validate_appointment(values: Mapping[str, Any], *, now: datetime) -> tuple[AppointmentDraft | None, Errors]:
    errors: Errors = {}
    subject = _text(values, "subject", "a subject", 300, errors, required=True)
    location = _text(values, "location", "the location", 300, errors, required=False)
    start_at = None
    raw_start = values.get("start")
    if not raw_start:
        errors["start"] = "Pick the date and time of the appointment."
    else:
        start_at = datetime.fromtimestamp(int(raw_start), UTC)
        if start_at < now - timedelta(minutes=1):
            errors["start"] = "The appointment starts in the past; pick a later time."
    duration = 30
    try:
        duration = parse_duration(str(values.get("duration") or "30"))
    except ParseError as error:
        errors["duration"] = error.message
    attendees = tuple(dict.fromkeys(values.get("attendees") or []))
    if errors or start_at is None:
        return None, errors
    return AppointmentDraft(subject, start_at, duration, attendees, location), {}


def validate_stakeholder(values: Mapping[str, Any]) -> tuple[StakeholderDraft | None, Errors]:
    errors: Errors = {}
    person = values.get("person") or None
    name = _text(values, "name", "a name", 200, errors, required=False)
    role = _choice(values, "role", STAKEHOLDER_ROLES, errors, required=True)
    if not person and not name and "name" not in errors:
        errors["person"] = "Pick a Slack user or enter a name."
    return (None, errors) if errors else (StakeholderDraft(person, name, role), {})


def validate_competitor(values: Mapping[str, Any]) -> tuple[CompetitorDraft | None, Errors]:
    errors: Errors = {}
    name = _text(values, "name", "the competitor's name", 200, errors, required=True)
    strengths = _text(values, "strengths", "the strengths", 2000, errors, required=False)
    weaknesses = _text(values, "weaknesses", "the weaknesses", 2000, errors, required=False)
    return (None, errors) if errors else (CompetitorDraft(name, strengths, weaknesses), {})


def validate_disqualify(
    values: Mapping[str, Any], reasons: tuple[str, ...] = DISQUALIFY_REASONS
) -> tuple[tuple[str, str] | None, Errors]:
    errors: Errors = {}
    reason = _choice(values, "reason", reasons, errors, required=True)
    note = _text(values, "note", "the note", 2000, errors, required=False)
    return (None, errors) if errors else ((reason, note), {})


def validate_question(values: Mapping[str, Any]) -> tuple[tuple[str, str] | None, Errors]:
    errors: Errors = {}
    channel = str(values.get("channel") or "")
    if not channel:
        errors["channel"] = "Pick the channel to ask in."
    question = _text(values, "question", "your question", 2500, errors, required=True)
    return (None, errors) if errors else ((channel, question), {})
