"""How reminders and digests name the record a row is about (shared by renderers and digests)."""

from __future__ import annotations

from sqlmodel import Session

from bot.views.assistant import RecordLabel, label_of
from store.records import get_record


def record_label(session: Session, team_id: str, record_type: str | None, record_id: int | None) -> RecordLabel | None:
    if not record_type or not record_id:
        return None
    record = get_record(session, team_id=team_id, record_type=record_type, record_id=record_id)
    if record is None:
        return None
    return label_of(record)
