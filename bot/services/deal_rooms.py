"""Deal rooms as use cases: who is invited, remembering the room and saying so on the timeline."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from store import deal_rooms as room_store
from store.activities import add_activity
from store.alerts import start_cursors
from store.models import DealRoom, Opportunity
from store.records import shared_with
from store.users import get_user


def existing_room(session: Session, opportunity: Opportunity) -> DealRoom | None:
    return room_store.room_of(session, team_id=opportunity.team_id, opportunity_id=opportunity.id or 0)


def archived_channel(session: Session, opportunity: Opportunity) -> str | None:
    """The channel of the deal's last room when it was archived and no room is open now."""
    if existing_room(session, opportunity) is not None:
        return None
    room = room_store.archived_room_of(session, team_id=opportunity.team_id, opportunity_id=opportunity.id or 0)
    return room.channel_id if room is not None else None


def room_channel(session: Session, *, team_id: str, opportunity_id: int) -> str | None:
    """The channel of the opportunity's open deal room, if it has one."""
    room = room_store.room_of(session, team_id=team_id, opportunity_id=opportunity_id)
    return room.channel_id if room is not None else None


def invitees(session: Session, opportunity: Opportunity, *, asked_by: str) -> list[str]:
    """The owner, the users the deal is shared with, the owner's manager, and whoever asked."""
    owner = get_user(session, team_id=opportunity.team_id, user_id=opportunity.owner_id)
    shared = shared_with(session, team_id=opportunity.team_id, record_type="opportunity", record_id=opportunity.id or 0)
    people = [opportunity.owner_id, *sorted(shared), owner.manager_id if owner else None, asked_by]
    return list(dict.fromkeys(person for person in people if person))


def record_room(
    session: Session, opportunity: Opportunity, *, channel_id: str, name: str, user_id: str, now: datetime
) -> DealRoom:
    start_cursors(session, team_id=opportunity.team_id, now=now)  # its close is read from the timeline
    room = room_store.add_room(session, team_id=opportunity.team_id, opportunity_id=opportunity.id or 0,
                               channel_id=channel_id, name=name, created_by=user_id)  # fmt: skip
    add_activity(session, team_id=opportunity.team_id, record_type="opportunity", record_id=opportunity.id or 0,
                 kind="status", author_id=user_id, subject="Deal room opened", body=f"#{name}",
                 slack_channel=channel_id, occurred_at=now)  # fmt: skip
    return room
