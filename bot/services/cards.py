"""What a record's card shows and where its posted copies are: the reads and writes behind
handlers/cards.py, which chooses the builder by record type and talks to Slack.

The caller owns the transaction; one call reads everything one card needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.domain.kinds import RecordType
from bot.ids import RecordRef
from bot.services import opportunities as opportunity_service
from bot.services.records import find
from bot.views.opportunity import OpportunityData
from bot.views.people import CardPeople
from store import leads as lead_store
from store import people as people_store
from store.activities import posts_of, record_post
from store.models import Lead, Opportunity, Post
from store.records import Record


@dataclass(frozen=True)
class LeadCard:
    lead: Lead
    people: CardPeople


CardData = LeadCard | OpportunityData


def card_data(session: Session, team: str, ref: RecordRef, loaded: Record | None = None) -> CardData | None:
    """Everything the record's card shows; None when it is gone. `loaded`, the record the caller already
    read, spares reading it again."""
    if ref.record_type == RecordType.LEAD:
        lead = loaded if isinstance(loaded, Lead) else lead_store.get_lead(session, team_id=team, lead_id=ref.record_id)
        return None if lead is None else LeadCard(lead, card_people(session, team, ref))
    if ref.record_type == RecordType.OPPORTUNITY:
        if isinstance(loaded, Opportunity):
            data: OpportunityData | None = opportunity_service.data_of(session, loaded)
        else:
            data = opportunity_service.load_data(session, team=team, opp_id=ref.record_id)
        if data is None:
            return None
        opp = data.opportunity
        contact = (opp.contact_id, opp.contact_name) if opp.contact_id and opp.contact_name else None
        data.people = card_people(session, team, ref, contact=contact)
        return data
    return None


def card_people(session: Session, team: str, ref: RecordRef, contact: tuple[int, str] | None = None) -> CardPeople:
    """The stakeholder and competitor rows a card lists (and an opportunity's contact, when no
    stakeholder row is linked to it)."""
    kind, record_id = ref.record_type, ref.record_id
    stakeholders = people_store.stakeholders(session, team_id=team, record_type=kind, record_id=record_id)
    if contact is not None and any(row.contact_id == contact[0] for row in stakeholders):
        contact = None
    return CardPeople(
        stakeholders,
        people_store.competitors(session, team_id=team, record_type=kind, record_id=record_id),
        contact,
    )


def remember_post(session: Session, team: str, ref: RecordRef, *, channel: str, ts: str, kind: str) -> None:
    """A posted copy of the card (`kind` "card") or a message carrying it ("ask"), kept up to date."""
    record_post(session, team_id=team, record_type=ref.record_type, record_id=ref.record_id,
                channel=channel, ts=ts, kind=kind)  # fmt: skip


def posted_copies(session: Session, team: str, ref: RecordRef) -> list[Post]:
    return posts_of(session, team_id=team, record_type=ref.record_type, record_id=ref.record_id)


def channel_posts(session: Session, team: str, ref: RecordRef) -> list[Post]:
    """The record's posts in channels (not DMs): where news about it is said in the thread."""
    return [post for post in posted_copies(session, team, ref) if not post.channel.startswith("D")]


def title_of(session: Session, team: str, ref: RecordRef) -> str | None:
    record = find(session, team_id=team, ref=ref)
    return record.topic if record is not None else None
