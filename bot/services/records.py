"""Leads and opportunities addressed by reference: loading one with the permission check every action
needs, and the timeline writes the cards' buttons share (note, call, appointment, question, share,
a Slack message logged to the record).

The caller owns the transaction; a "no" raises `Refused` before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.domain import activities as rules
from bot.domain.kinds import LeadStatus, RecordType
from bot.domain.permissions import may_change
from bot.ids import RecordRef
from bot.messages import LEAD_NOT_FOUND, NOT_ALLOWED, RECORD_NOT_FOUND
from bot.refusals import Refused
from bot.services import leads as lead_service
from bot.services import teams as team_service
from bot.services.opportunity_stages import auto_complete_step
from bot.services.threads import slack_time
from bot.views.timeline import PAGE_SIZE, page_count, paginate
from store import appointments as appointment_store
from store.access import Viewer
from store.activities import TimelineEntry, activity_slice, add_activity, count_activities, record_question_post
from store.db import transaction
from store.models import Activity, Lead
from store.prepared import Reader, reading
from store.recent_records import recent_titles
from store.records import (
    MODELS,
    Record,
    RecordHead,
    RecordTitle,
    change_facts,
    get_record,
    owner_facts,
    read_head,
    records_by_ids,
)
from store.timeline_pages import read_timeline_page
from store.users import Asker, read_viewer, viewer_of_role

GONE: dict[str, str] = {RecordType.LEAD: LEAD_NOT_FOUND, RecordType.OPPORTUNITY: RECORD_NOT_FOUND}
NOT_ON_CLOSED = "This {kind} is {status}: reopen it first to {action}."
MESSAGE_BODY_MAX = 4000


@dataclass
class Loaded:
    """A record an action is about, who acts, and the reference they clicked."""

    ref: RecordRef
    record: Record
    viewer: Viewer


def type_of(record: Record) -> str:
    return RecordType.LEAD if isinstance(record, Lead) else RecordType.OPPORTUNITY


def kind_word(ref: RecordRef) -> str:
    """How a sentence names the record: "lead" or "opportunity"."""
    return "lead" if ref.record_type == RecordType.LEAD else "opportunity"  # words, not the stored kinds


def find(session: Session, *, team_id: str, ref: RecordRef) -> Record | None:
    return get_record(session, team_id=team_id, record_type=ref.record_type, record_id=ref.record_id)


def may_change_record(session: Session, who: Viewer, record: Record, record_type: str) -> bool:
    """The owner, sharees (directly or through a team), the owner's manager and admins (PRODUCT.md §7).
    The owner and admins pass without reading the owner's manager and the shares (three reads; most
    clicks are the owner's own)."""
    if _owner_or_admin(who, record.owner_id):
        return True
    return may_change(**change_facts(session, viewer=who, record=record, record_type=record_type))  # type: ignore[arg-type]


def _owner_or_admin(who: Viewer, owner_id: str) -> bool:
    """Who may change a record on its owner alone (no read of the owner's manager or the shares)."""
    return who.is_admin or who.user_id == owner_id


def load(
    session: Session, who: Viewer, ref: RecordRef | None, *, change: str | None, kind: str | None = None
) -> Loaded:
    """The record, or `Refused` with the message to show. `change` names the action when it modifies
    the record, e.g. "log a call", and then only those `may_change_record` lets through pass. `kind`
    ("lead" or "opportunity") refuses a reference to another kind of record."""
    gone = GONE.get(kind or "", RECORD_NOT_FOUND)
    if ref is None or (kind and ref.record_type != kind):
        raise Refused(gone)
    record = find(session, team_id=who.team_id, ref=ref)
    if record is None:
        raise Refused(gone)
    if change and not may_change_record(session, who, record, ref.record_type):
        raise Refused(NOT_ALLOWED.format(action=change))
    return Loaded(ref, record, who)


@dataclass(frozen=True)
class Headed:
    """`Loaded` for a click that only reads: the record's owner and topic instead of the whole row."""

    ref: RecordRef
    head: RecordHead
    viewer: Viewer


def load_head(
    reader: Reader, new_session: Callable[[], Session], who: Viewer, ref: RecordRef | None, *, change: str
) -> Headed:
    """`load` of a record's owner and topic on `reader` (a prepared read, no ORM), or `Refused`. The owner
    and admins pass on that read alone; anyone else's facts (the owner's manager, the shares) are read
    as `load` reads them, in a session of their own."""
    if ref is None:
        raise Refused(RECORD_NOT_FOUND)
    head = read_head(reader, team_id=who.team_id, record_type=ref.record_type, record_id=ref.record_id)
    if head is None:
        raise Refused(RECORD_NOT_FOUND)  # as `load` without a kind says it
    checked_head(new_session, who, ref, head, change=change)
    return Headed(ref, head, who)


def checked_head(
    new_session: Callable[[], Session], who: Viewer, ref: RecordRef, head: RecordHead, *, change: str
) -> None:
    """`Refused` unless `who` may see the record whose head this is: its owner and admins may; anyone else's
    facts (the owner's manager, the shares) are read as `load` reads them, in a session of their own."""
    if _owner_or_admin(who, head.owner_id):
        return
    with transaction(new_session) as session:
        facts = owner_facts(
            session, viewer=who, owner_id=head.owner_id, record_type=ref.record_type, record_id=ref.record_id
        )
    if not may_change(**facts):  # type: ignore[arg-type]
        raise Refused(NOT_ALLOWED.format(action=change))


def require_open(record: Record, ref: RecordRef, change: str) -> None:
    """The card's modals add to open records only (sharing excepted)."""
    status = record.status
    if status != LeadStatus.OPEN and change != "share it":  # LeadStatus.OPEN == OpportunityStatus.OPEN
        raise Refused(NOT_ON_CLOSED.format(kind=kind_word(ref), status=status, action=change))


def records_about(
    session: Session, team_id: str, about: Sequence[tuple[str | None, int | None] | None]
) -> list[Record | None]:
    """The record each (record type, id) names, None where none is named or it is gone: one read per kind
    (the work queue's lines, not one read per line)."""
    wanted: dict[str, set[int]] = {}
    for kind, record_id in filter(None, about):
        if kind in MODELS and record_id:
            wanted.setdefault(kind, set()).add(record_id)
    found = {(kind, record.id): record for kind, ids in wanted.items()
             for record in records_by_ids(session, team_id=team_id, record_type=kind, ids=ids)}  # fmt: skip
    return [found.get((pair[0] or "", pair[1])) if pair else None for pair in about]


def pickable_records(engine: Engine, who: Viewer) -> tuple[list[RecordTitle], list[RecordTitle]]:
    """The leads and the opportunities the "Log message to…" picker offers (store/recent_records.py), read
    on one kept connection outside the ORM."""
    with reading(engine) as reader:
        leads = recent_titles(reader, viewer=who, record_type=RecordType.LEAD)
        return leads, recent_titles(reader, viewer=who, record_type=RecordType.OPPORTUNITY)


def rescore_if_lead(session: Session, record: Record, *, now: datetime) -> None:
    """What is logged on a lead counts towards its score."""
    if isinstance(record, Lead):
        lead_service.rescore(session, record, now=now)


def auto_complete(session: Session, record: Record, feature: str, user: str) -> None:
    """Opportunity steps tied to a feature (e.g. "Identify competitors") tick themselves when it is used."""
    if isinstance(record, Lead):
        return
    auto_complete_step(session, team_id=record.team_id, opportunity_id=record.id or 0, feature=feature, user_id=user)


# --- the timeline ---------------------------------------------------------------------------------


def log(session: Session, record: Record, user: str, kind: str, subject: str, body: str, **data: Any) -> Activity:
    """One timeline entry on the record, written by `user`."""
    return add_activity(
        session, team_id=record.team_id, record_type=type_of(record), record_id=record.id or 0, kind=kind,
        author_id=user, subject=subject, body=body, data=data,
    )  # fmt: skip


@dataclass(frozen=True)
class TimelinePage:
    """One page of a record's timeline as the Timeline shows it."""

    ref: RecordRef
    topic: str
    entries: list[TimelineEntry]
    page: int  # counted from the newest
    pages: int


def timeline_page(
    engine: Engine, new_session: Callable[[], Session], asker: Asker, ref: RecordRef | None, page: int
) -> TimelinePage:
    """The page of the record's timeline, or `Refused` as `load` refuses ("see its timeline"): prepared
    reads on one kept connection, no ORM. One statement reads who asks, the record's owner and topic, the
    count and the page (store/timeline_pages.py); a record without entries or a page past the last is read
    in four (who asks, the head, the count, the clamped page)."""
    page = max(page, 0)
    with reading(engine) as reader:
        found = None if ref is None else read_timeline_page(
            reader, team_id=asker.team_id, user_id=asker.user_id, record_type=ref.record_type,
            record_id=ref.record_id, page=page, size=PAGE_SIZE,
        )  # fmt: skip
        if ref is None or found is None:
            return _timeline_read_apart(reader, new_session, asker, ref, page)
        who = viewer_of_role(reader, asker, found.role)
    checked_head(new_session, who, ref, found.head, change="see its timeline")
    return TimelinePage(ref, found.head.topic, found.entries, page, page_count(found.total))


def _timeline_read_apart(
    reader: Reader, new_session: Callable[[], Session], asker: Asker, ref: RecordRef | None, page: int
) -> TimelinePage:
    who = read_viewer(reader, team_id=asker.team_id, user_id=asker.user_id, admin_ids=asker.admin_ids)
    headed = load_head(reader, new_session, who, ref, change="see its timeline")
    record_type, record_id = headed.ref.record_type, headed.ref.record_id
    total = count_activities(reader, team_id=who.team_id, record_type=record_type, record_id=record_id)
    offset, limit, page = paginate(total, page)
    entries = activity_slice(
        reader, team_id=who.team_id, record_type=record_type, record_id=record_id, offset=offset, limit=limit
    )
    return TimelinePage(headed.ref, headed.head.topic, entries, page, page_count(total))


def add_note(session: Session, record: Record, user: str, note: str) -> None:
    log(session, record, user, "note", "Note", note)


def log_call(session: Session, record: Record, user: str, call: rules.Call) -> None:
    details = " · ".join(part for part in (call.direction, call.outcome) if part)
    log(session, record, user, "call", f"{call.subject} ({details})", call.notes,
        direction=call.direction, outcome=call.outcome)  # fmt: skip


def schedule_appointment(
    session: Session, record: Record, user: str, draft: rules.AppointmentDraft, *, default_minutes: int, now: datetime
) -> None:
    """The appointment (its reminders with it) and its timeline entry."""
    appointment = appointment_store.create_appointment(
        session, team_id=record.team_id, record_type=type_of(record), record_id=record.id or 0, owner_id=user,
        subject=draft.subject, start_at=draft.start_at, duration_minutes=draft.duration_minutes,
        attendees=list(draft.attendees), location=draft.location, default_minutes_before=default_minutes, now=now,
    )  # fmt: skip
    # the timeline draws the date and the mentions from these values (bot.views.timeline)
    log(
        session, record, user, "appointment", draft.subject, "", appointment_id=appointment.id,
        start_at=int(draft.start_at.timestamp()), duration_minutes=draft.duration_minutes,
        location=draft.location, users=list(draft.attendees),
    )  # fmt: skip


def share(session: Session, record: Record, user: str, users: list[str], team_ids: list[int]) -> list[str]:
    """Share with colleagues and teams; returns the users newly shared with (each is told)."""
    added = team_service.share_record(
        session, record, record_type=type_of(record), by=user, users=users, team_ids=team_ids
    )
    if not (added.users or added.teams):
        return []
    auto_complete(session, record, "sales_team", user)
    return list(added.users)


def ask_colleagues(session: Session, record: Record, user: str, channel: str, question: str) -> int:
    """The "Asked colleagues" entry; returns its id, which learns where the question is posted."""
    activity = add_activity(
        session, team_id=record.team_id, record_type=type_of(record), record_id=record.id or 0, kind="post",
        author_id=user, subject="Asked colleagues", body=question, slack_channel=channel,
    )  # fmt: skip
    return activity.id or 0


def question_posted(session: Session, *, team_id: str, activity_id: int, ts: str, permalink: str | None) -> None:
    """Replies in the question's thread land on the record's timeline."""
    record_question_post(session, team_id=team_id, activity_id=activity_id, ts=ts, permalink=permalink)


def log_slack_message(session: Session, record: Record, source: dict[str, str], *, logged_by: str) -> None:
    """A Slack message on the timeline, dated when it was written, with its permalink (`source` as the
    message shortcuts carry it: channel, ts, author, permalink, text)."""
    add_activity(
        session, team_id=record.team_id, record_type=type_of(record), record_id=record.id or 0, kind="message",
        author_id=source.get("author", ""), subject="Message in Slack", body=source.get("text", "")[:MESSAGE_BODY_MAX],
        occurred_at=slack_time(source["ts"]) if source.get("ts") else None,
        data={"permalink": source.get("permalink", ""), "logged_by": logged_by}, slack_channel=source.get("channel"),
    )  # fmt: skip
