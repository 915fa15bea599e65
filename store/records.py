"""Leads and opportunities addressed by reference, and the facts permission checks need."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.access import Viewer
from store.kinds import RecordType
from store.models import Lead, Opportunity, Share
from store.prepared import PreparedQuery, Reader, row_columns
from store.teams import members_sharing
from store.unindexed import in_team_by_ids
from store.users import get_user

Record = Lead | Opportunity
MODELS: dict[str, type[Lead] | type[Opportunity]] = {RecordType.LEAD: Lead, RecordType.OPPORTUNITY: Opportunity}


def get_record(session: Session, *, team_id: str, record_type: str, record_id: int) -> Record | None:
    model = MODELS.get(record_type)
    if model is None:
        return None
    query = select(model).where(model.team_id == team_id, model.id == record_id)  # type: ignore[arg-type]
    return session.exec(query).first()  # type: ignore[return-value]


class RecordTitle(NamedTuple):
    """What names a lead (topic, company) or an opportunity (topic, account) in a list or a picker."""

    record_type: str
    id: int
    topic: str
    extra: str


class RecordHead(NamedTuple):
    """What a read-only click (the Timeline) needs of a record: whose it is and what it is called."""

    owner_id: str
    topic: str


def _head_statement(model: type[Lead] | type[Opportunity]) -> PreparedQuery:
    table = model.__table__  # type: ignore[union-attr]
    return PreparedQuery(
        sa.select(table.c.owner_id, table.c.topic).where(
            table.c.team_id == sa.bindparam("team", type_=sa.String),
            table.c.id == sa.bindparam("id", type_=sa.Integer),
        )
    )


_HEADS = {record_type: _head_statement(model) for record_type, model in MODELS.items()}


def head_columns(record_type: str, team: sa.BindParameter[str], record: sa.BindParameter[int]) -> tuple[Any, ...]:
    """`read_head`'s owner and topic as two columns of another read (both NULL: no such record in the
    workspace; the Timeline's page reads them, store/timeline_pages.py)."""
    table = MODELS[record_type].__table__  # type: ignore[union-attr]
    where = (table.c.team_id == team, table.c.id == record)
    return row_columns(where, head_owner=table.c.owner_id, head_topic=table.c.topic)


def read_head(reader: Reader, *, team_id: str, record_type: str, record_id: int) -> RecordHead | None:
    """`get_record`'s owner and topic, outside the ORM (one primary-key row); None: not in the workspace."""
    query = _HEADS.get(record_type)
    rows = reader.all(query, {"team": team_id, "id": record_id}) if query is not None else []
    return RecordHead(str(rows[0][0]), str(rows[0][1])) if rows else None


def shared_with(session: Session, *, team_id: str, record_type: str, record_id: int) -> set[str]:
    """The users the record is shared with, directly or as members of a team it is shared with."""
    rows = session.exec(
        select(Share.user_id).where(
            Share.team_id == team_id, Share.record_type == record_type, Share.record_id == record_id
        )
    )
    return set(rows) | members_sharing(session, team_id=team_id, record_type=record_type, record_id=record_id)


def shared_directly(session: Session, *, team_id: str, record_type: str, record_id: int) -> set[str]:
    rows = session.exec(
        select(Share.user_id).where(
            Share.team_id == team_id, Share.record_type == record_type, Share.record_id == record_id
        )
    )
    return set(rows)


def share(session: Session, *, team_id: str, record_type: str, record_id: int, user_ids: list[str]) -> list[str]:
    """Share with users not yet shared with; returns those newly added."""
    existing = shared_directly(session, team_id=team_id, record_type=record_type, record_id=record_id)
    added = [u for u in dict.fromkeys(user_ids) if u not in existing]
    for user_id in added:
        session.add(Share(team_id=team_id, record_type=record_type, record_id=record_id, user_id=user_id))
    session.flush()
    return added


def change_facts(session: Session, *, viewer: Viewer, record: Record, record_type: str) -> dict[str, object]:
    """Keyword arguments for `bot.domain.permissions.may_change`."""
    owner_id, record_id = record.owner_id, record.id or 0
    return owner_facts(session, viewer=viewer, owner_id=owner_id, record_type=record_type, record_id=record_id)


def owner_facts(
    session: Session, *, viewer: Viewer, owner_id: str, record_type: str, record_id: int
) -> dict[str, object]:
    """`change_facts` of the record `record_id`, owned by `owner_id`."""
    owner = get_user(session, team_id=viewer.team_id, user_id=owner_id)
    return {
        "user_id": viewer.user_id,
        "is_admin": viewer.is_admin,
        "owner_id": owner_id,
        "owner_manager_id": owner.manager_id if owner else None,
        "shared_with": shared_with(session, team_id=viewer.team_id, record_type=record_type, record_id=record_id),
    }


def records_by_ids(session: Session, *, team_id: str, record_type: str, ids: Iterable[int]) -> list[Record]:
    """Leads or opportunities of the workspace with these ids (read in chunks the drivers accept)."""
    model = MODELS[record_type]
    wanted, found = sorted(set(ids)), list[Record]()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(model).where(in_team_by_ids(model, team_id, chunk))
        found.extend(session.exec(query))  # type: ignore[call-overload, arg-type]
    return found


def direct_shares_of(
    session: Session, *, team_id: str, record_type: str, record_ids: Iterable[int]
) -> list[tuple[int, str]]:
    """(record id, user id) of the users the records are shared with one by one (not through a team)."""
    wanted, found = sorted(set(record_ids)), list[tuple[int, str]]()
    for start in range(0, len(wanted), 500):
        query = select(Share).where(
            Share.team_id == team_id, Share.record_type == record_type,
            col(Share.record_id).in_(wanted[start : start + 500]),
        )  # fmt: skip
        found.extend((share.record_id, share.user_id) for share in session.exec(query))
    return found
