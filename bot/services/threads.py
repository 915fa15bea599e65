"""Colleagues' messages about a record kept on its timeline: thread replies under a bot post about the
record, and every message (top-level or in a thread) in an opportunity's deal room."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from bot.domain.kinds import RecordType
from bot.domain.slack_text import plain_text
from bot.services import leads as lead_service
from store import leads as lead_store
from store.activities import add_activity, find_post, find_reply
from store.deal_rooms import room_in_channel
from store.models import Activity

BODY_MAX = 4000


def slack_time(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def capture_reply(session: Session, *, team_id: str, event: dict[str, Any], now: datetime) -> Activity | None:
    """Store a message (once) when it replies to one of our record posts or is said in a deal room."""
    thread_ts, ts, channel = event.get("thread_ts"), event.get("ts", ""), event.get("channel", "")
    if not ts or event.get("bot_id"):
        return None
    target = _target(session, team_id, channel, thread_ts if thread_ts != ts else None)
    if target is None or find_reply(session, team_id=team_id, channel=channel, ts=ts) is not None:
        return None
    record_type, record_id, subject = target
    text = plain_text(event.get("text") or "")
    reply = add_activity(
        session,
        team_id=team_id,
        record_type=record_type,
        record_id=record_id,
        kind="reply",
        author_id=event.get("user", ""),
        subject=subject,
        body=text.text[:BODY_MAX],
        data={"mentions": list(text.mentions)} if text.mentions else {},
        occurred_at=slack_time(ts),
        slack_channel=channel,
        slack_ts=ts,
    )
    _rescore_if_lead(session, team_id, record_type, record_id, now)
    return reply


def _target(session: Session, team_id: str, channel: str, thread_ts: str | None) -> tuple[str, int, str] | None:
    """(record type, record id, timeline subject) a message belongs to, or None."""
    post = find_post(session, team_id=team_id, channel=channel, ts=thread_ts) if thread_ts else None
    if post is not None:
        return post.record_type, post.record_id, "Reply in thread"
    room = room_in_channel(session, team_id=team_id, channel_id=channel)
    if room is None:
        return None
    return RecordType.OPPORTUNITY, room.opportunity_id, "Reply in deal room" if thread_ts else "Message in deal room"


def edit_reply(session: Session, *, team_id: str, channel: str, message: dict[str, Any]) -> Activity | None:
    reply = find_reply(session, team_id=team_id, channel=channel, ts=message.get("ts", ""))
    if reply is None:
        return None
    text = plain_text(message.get("text") or "")
    reply.body = text.text[:BODY_MAX]
    reply.data = {**reply.data, "edited": True, "mentions": list(text.mentions)}
    session.add(reply)
    return reply


def delete_reply(session: Session, *, team_id: str, channel: str, ts: str, now: datetime) -> Activity | None:
    reply = find_reply(session, team_id=team_id, channel=channel, ts=ts)
    if reply is None:
        return None
    reply.deleted = True
    session.add(reply)
    _rescore_if_lead(session, team_id, reply.record_type, reply.record_id, now)
    return reply


def _rescore_if_lead(session: Session, team_id: str, record_type: str, record_id: int, now: datetime) -> None:
    if record_type != RecordType.LEAD:
        return
    lead = lead_store.get_lead(session, team_id=team_id, lead_id=record_id)
    if lead is not None:
        lead_service.rescore(session, lead, now=now)
