"""Deal rooms as use cases: who is invited, remembering the room and saying so on the timeline."""

from __future__ import annotations

import functools
import tomllib
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from bot.config import Settings
from bot.domain.deal_rooms import RoomRule, parse_room_rule
from bot.domain.kinds import OpportunityStatus, RecordType
from bot.services.processes import library_in
from store import deal_rooms as room_store
from store import opportunities as opp_store
from store.activities import add_activity
from store.alerts import start_cursors
from store.models import DealRoom, Opportunity
from store.records import shared_with
from store.users import get_user


def room_rule(settings: Settings) -> RoomRule | None:
    """`[deal_rooms]` of PROCESS_FILE (read once; RoomRuleError when it is malformed)."""
    return _rule_in(settings.process_file)


def rule_for(session: Session, team_id: str, settings: Settings) -> RoomRule | None:
    """The workspace's `[deal_rooms]` when its uploaded process file has one, else PROCESS_FILE's."""
    return library_in(session, team_id).deal_rooms or room_rule(settings)


@functools.cache
def _rule_in(path: Path | None) -> RoomRule | None:
    if path is None:
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # the process parser reports these with the line
    return parse_room_rule(data, source=str(path))


def opportunity(session: Session, *, team_id: str, opportunity_id: int) -> Opportunity | None:
    return opp_store.get_opportunity(session, team_id=team_id, opportunity_id=opportunity_id)


def automatic_room_reason(session: Session, rule: RoomRule | None, opportunity: Opportunity) -> str:
    """Why an open deal without a room (now or before) gets one by the rule; "" when it does not."""
    if rule is None or opportunity.status != OpportunityStatus.OPEN:
        return ""
    team, opp_id = opportunity.team_id, opportunity.id or 0
    if room_store.room_of(session, team_id=team, opportunity_id=opp_id) is not None:
        return ""
    if room_store.archived_room_of(session, team_id=team, opportunity_id=opp_id) is not None:
        return ""
    return rule.wants(opportunity.estimated_revenue, opportunity.process_name)


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
    opp_type, opp_id = RecordType.OPPORTUNITY, opportunity.id or 0
    shared = shared_with(session, team_id=opportunity.team_id, record_type=opp_type, record_id=opp_id)
    people = [opportunity.owner_id, *sorted(shared), owner.manager_id if owner else None, asked_by]
    return list(dict.fromkeys(person for person in people if person))


def record_room(
    session: Session, opportunity: Opportunity, *, channel_id: str, name: str, user_id: str, now: datetime
) -> DealRoom:
    start_cursors(session, team_id=opportunity.team_id, now=now)  # its close is read from the timeline
    room = room_store.add_room(session, team_id=opportunity.team_id, opportunity_id=opportunity.id or 0,
                               channel_id=channel_id, name=name, created_by=user_id)  # fmt: skip
    add_activity(session, team_id=opportunity.team_id, record_type=RecordType.OPPORTUNITY,
                 record_id=opportunity.id or 0, kind="status", author_id=user_id, subject="Deal room opened",
                 body=f"#{name}", slack_channel=channel_id, occurred_at=now)  # fmt: skip
    return room
