"""Deal rooms: the channel opened for an opportunity."""

from __future__ import annotations

from sqlmodel import Session, col, select

from store.models import DealRoom


def room_of(session: Session, *, team_id: str, opportunity_id: int) -> DealRoom | None:
    """The opportunity's open room, if it has one."""
    query = select(DealRoom).where(
        DealRoom.team_id == team_id, DealRoom.opportunity_id == opportunity_id, DealRoom.status == "open"
    )
    return session.exec(query.order_by(col(DealRoom.id).desc())).first()


def archived_room_of(session: Session, *, team_id: str, opportunity_id: int) -> DealRoom | None:
    """The opportunity's latest archived room, if any."""
    query = select(DealRoom).where(
        DealRoom.team_id == team_id, DealRoom.opportunity_id == opportunity_id, DealRoom.status == "archived"
    )
    return session.exec(query.order_by(col(DealRoom.id).desc())).first()


def add_room(
    session: Session, *, team_id: str, opportunity_id: int, channel_id: str, name: str, created_by: str
) -> DealRoom:
    room = DealRoom(team_id=team_id, opportunity_id=opportunity_id, channel_id=channel_id, name=name,
                    created_by=created_by)  # fmt: skip
    session.add(room)
    session.flush()
    return room


def teams_with_open_rooms(session: Session) -> list[str]:
    return sorted(session.exec(select(DealRoom.team_id).where(DealRoom.status == "open").distinct()))


def room_in_channel(session: Session, *, team_id: str, channel_id: str) -> DealRoom | None:
    """The open deal room that is this channel, if it is one."""
    query = select(DealRoom).where(
        DealRoom.team_id == team_id, DealRoom.channel_id == channel_id, DealRoom.status == "open"
    )
    return session.exec(query).first()


def room_by_id(session: Session, *, team_id: str, room_id: object) -> DealRoom | None:
    """The room of an outbox row's payload (`room_id` as stored: anything but an int finds nothing)."""
    if not isinstance(room_id, int):
        return None
    return session.exec(select(DealRoom).where(DealRoom.team_id == team_id, DealRoom.id == room_id)).first()
