"""Colleagues' thread replies under a bot post about a record, kept on that record's timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from bot.services import leads as lead_service
from store import leads as lead_store
from store.activities import add_activity, find_post, find_reply
from store.models import Activity


def slack_time(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def capture_reply(session: Session, *, team_id: str, event: dict[str, Any], now: datetime) -> Activity | None:
    """Store a reply (once per message) if its thread starts at one of our record posts."""
    thread_ts, ts, channel = event.get("thread_ts"), event.get("ts", ""), event.get("channel", "")
    if not thread_ts or thread_ts == ts or event.get("bot_id"):
        return None
    post = find_post(session, team_id=team_id, channel=channel, ts=thread_ts)
    if post is None or find_reply(session, team_id=team_id, channel=channel, ts=ts) is not None:
        return None
    reply = add_activity(
        session,
        team_id=team_id,
        record_type=post.record_type,
        record_id=post.record_id,
        kind="reply",
        author_id=event.get("user", ""),
        subject="Reply in thread",
        body=(event.get("text") or "")[:4000],
        occurred_at=slack_time(ts),
        slack_channel=channel,
        slack_ts=ts,
    )
    _rescore_if_lead(session, team_id, post.record_type, post.record_id, now)
    return reply


def edit_reply(session: Session, *, team_id: str, channel: str, message: dict[str, Any]) -> Activity | None:
    reply = find_reply(session, team_id=team_id, channel=channel, ts=message.get("ts", ""))
    if reply is None:
        return None
    reply.body = (message.get("text") or "")[:4000]
    reply.data = {**reply.data, "edited": True}
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
    if record_type != "lead":
        return
    lead = lead_store.get_lead(session, team_id=team_id, lead_id=record_id)
    if lead is not None:
        lead_service.rescore(session, lead, now=now)
