"""Lead queries. Every function takes the workspace (`team_id`) and filters on it."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.access import Viewer, shared_ids, visible, visible_to_user
from store.listing import SEARCH_COUNT_CAP, capped_count, capped_count_statement
from store.models import Lead, utcnow
from store.prepared import PreparedQuery, Reader
from store.text_search import (
    MIN_TRIGRAM,
    fts_probe_statement,
    load_in_order,
    query_value,
    text_match,
    visible_matches,
)


def create_lead(session: Session, *, team_id: str, owner_id: str, values: Mapping[str, Any]) -> Lead:
    lead = Lead(team_id=team_id, owner_id=owner_id, **values)
    session.add(lead)
    session.flush()
    return lead


def get_lead(session: Session, *, team_id: str, lead_id: int) -> Lead | None:
    return session.exec(select(Lead).where(Lead.team_id == team_id, Lead.id == lead_id)).first()


def get_visible_lead(session: Session, *, viewer: Viewer, lead_id: int) -> Lead | None:
    return session.exec(select(Lead).where(visible(Lead, "lead", viewer), Lead.id == lead_id)).first()


class LeadSummary(NamedTuple):
    """What a lead list shows: read without building full ORM objects (the hot path of `/lead list`)."""

    id: int
    topic: str
    first_name: str
    last_name: str
    company: str
    status: str


_LEAD = Lead.__table__  # type: ignore[attr-defined]
_MINE_OPEN = sa.and_(
    _LEAD.c.team_id == sa.bindparam("team"), _LEAD.c.owner_id == sa.bindparam("owner"), _LEAD.c.status == "open"
)
# Built once: Core statements on the table (no ORM entities), so a `/lead list` neither rebuilds
# the statement nor its cache key nor goes through the ORM's execution (a third of its CPU, profiled).
_OPEN_PAGE = (
    sa.select(_LEAD.c.id, _LEAD.c.topic, _LEAD.c.first_name, _LEAD.c.last_name, _LEAD.c.company, _LEAD.c.status)
    .where(_MINE_OPEN)
    .order_by(_LEAD.c.updated_at.desc(), _LEAD.c.id.desc())
    .limit(sa.bindparam("limit", type_=sa.Integer))
)
_OPEN_PAGE_SQL = PreparedQuery(_OPEN_PAGE)
_OPEN_COUNT_SQL = PreparedQuery(capped_count_statement(sa.select(sa.literal(1)).select_from(_LEAD).where(_MINE_OPEN)))


def open_leads(reader: Reader, *, team_id: str, owner_id: str, limit: int = 20) -> tuple[list[LeadSummary], int]:
    """The owner's most recently updated open leads, and how many open leads they have in all (capped
    at store.listing.COUNT_CAP + 1). Both read only `ix_lead_owner_recent`: the page in index order,
    no sort of all the owner's leads, and the count from the index alone; outside the ORM
    (store/prepared.py), as this is the hot path of `/lead list` and App Home."""
    params = {"team": team_id, "owner": owner_id}
    rows = [LeadSummary(*row) for row in reader.all(_OPEN_PAGE_SQL, {**params, "limit": limit})]
    if len(rows) < limit:
        return rows, len(rows)
    return rows, int(reader.scalar(_OPEN_COUNT_SQL, params))


_SUMMARY = (_LEAD.c.id, _LEAD.c.topic, _LEAD.c.first_name, _LEAD.c.last_name, _LEAD.c.company, _LEAD.c.status)
# The display order of a search: open leads first, then the most recently updated. `status <> 'open'`
# is written literally: it is the expression ix_lead_owner_search is built on (migration 0015), which
# a bound parameter would not match.
_CLOSED = _LEAD.c.status != sa.literal_column("'open'")
_TEAM, _USER = sa.bindparam("team", type_=sa.String), sa.bindparam("user", type_=sa.String)
_LIMIT = sa.bindparam("limit", type_=sa.Integer)


def _search_statement(dialect: str, everyone: bool) -> sa.Select[Any]:
    """The search of a rep (their own, shared and team-shared leads) or of an admin (`everyone`), driven
    by the text index, with the workspace, user and query as bind parameters, so it is compiled once
    (store/prepared.py). Every hit is read to sort them anyway, so the count comes with the page (a
    window), not from a second pass over the hits. The plan for few hits (`search_summaries`)."""
    query = sa.bindparam("query", type_=sa.String)
    conditions = [text_match(dialect, "lead", _LEAD, _TEAM, query), _LEAD.c.status != "draft"]
    if not everyone:
        conditions.append(visible_to_user(_LEAD, "lead", _TEAM, _USER))
    return (
        sa.select(*_SUMMARY, sa.func.count().over())
        .where(*conditions)
        .order_by(_CLOSED, _LEAD.c.updated_at.desc(), _LEAD.c.id.desc())
        .limit(_LIMIT)
    )


_SEARCHES = {
    everyone: PreparedQuery(functools.partial(_search_statement, everyone=everyone)) for everyone in (False, True)
}


def _in_display_order(query: sa.Select[Any]) -> sa.Select[Any]:
    """The first SEARCH_COUNT_CAP + 1 hits of `query` (a rep's own or shared leads) in display order,
    as a SELECT that can be an arm of a UNION (SQLite allows no ORDER BY on an arm itself)."""
    keys = query.add_columns(_LEAD.c.id, _CLOSED.label("closed"), _LEAD.c.updated_at)
    ordered = keys.order_by(_CLOSED, _LEAD.c.updated_at.desc(), _LEAD.c.id.desc()).limit(SEARCH_COUNT_CAP + 1)
    return sa.select(ordered.subquery())


def _walk_statement() -> sa.Select[Any]:
    """A rep's search when the text is in many leads (SQLite): walk the rep's leads in display order
    through ix_lead_owner_search, testing each entry's search_text in the index itself, and stop at
    SEARCH_COUNT_CAP + 1 hits; their shared leads alike (few, read by id). The page is the first
    `limit` of those hits; the count how many there are (> SEARCH_COUNT_CAP: "100+")."""
    contains = sa.func.instr(_LEAD.c.search_text, sa.bindparam("text", type_=sa.String)) > 0
    hit = (contains, _LEAD.c.status != "draft")
    own = sa.select().select_from(_LEAD).where(_LEAD.c.team_id == _TEAM, _LEAD.c.owner_id == _USER, *hit)
    # `+lead.team_id`: not an index term, so the shared leads are read by id from the shares rather
    # than by scanning the workspace's entries of ix_lead_owner_search (SQLite's choice otherwise).
    in_team = sa.literal_column("+lead.team_id", sa.String) == _TEAM
    shared_leads = _LEAD.c.id.in_(shared_ids("lead", _TEAM, _USER))
    shared = sa.select().select_from(_LEAD).where(shared_leads, in_team, _LEAD.c.owner_id != _USER, *hit)
    hits = sa.union_all(_in_display_order(own), _in_display_order(shared)).cte("hits")
    order = (hits.c.closed, hits.c.updated_at.desc(), hits.c.id.desc())
    page = sa.select(hits).order_by(*order).limit(_LIMIT).subquery("page")
    total = sa.select(sa.func.count()).select_from(hits).scalar_subquery()
    return (
        sa.select(*_SUMMARY, total)
        .join_from(_LEAD, page, _LEAD.c.id == page.c.id)
        .order_by(page.c.closed, page.c.updated_at.desc(), page.c.id.desc())
    )


_WALK = PreparedQuery(_walk_statement())
_FTS_PROBE = PreparedQuery(fts_probe_statement("lead", SEARCH_COUNT_CAP + 1))


def search_summaries(
    reader: Reader, *, viewer: Viewer, folded: str, limit: int
) -> tuple[list[LeadSummary], int] | None:
    """`search_leads` and its count (capped: more than SEARCH_COUNT_CAP is SEARCH_COUNT_CAP + 1 or more)
    for a rep or an admin, outside the ORM: the hot path of `/lead TEXT`. None when the general path
    must answer (a manager, or a query too short for the text index).

    Two plans on SQLite. A text in few leads (the text index finds at most SEARCH_COUNT_CAP, probing no
    further; none: answered by the probe): read those hits by id and sort them. A text in many (a common
    name or word): reading and sorting every hit costs 1–2 ms per thousand, so walk the rep's leads in
    display order and stop at the count's cap (`_walk_statement`). PostgreSQL keeps the first (its
    pg_trgm index serves the LIKE)."""
    if viewer.role == "manager" or len(folded) < MIN_TRIGRAM:
        return None
    dialect = reader.dialect.name
    values = {"team": viewer.team_id, "user": viewer.user_id, "query": query_value(dialect, folded), "limit": limit}
    probed = reader.scalar(_FTS_PROBE, values) if dialect == "sqlite" and not viewer.is_admin else None
    if probed == 0:
        return [], 0
    many = probed is not None and probed > SEARCH_COUNT_CAP
    rows = reader.all(_WALK, {**values, "text": folded}) if many else reader.all(_SEARCHES[viewer.is_admin], values)
    return [LeadSummary(*row[:6]) for row in rows], int(rows[0][6]) if rows else 0


def _search(session: Session, viewer: Viewer, folded: str) -> sa.ColumnElement[bool]:
    return sa.and_(visible_matches(session, Lead, "lead", viewer, folded), col(Lead.status) != "draft")


def search_leads(session: Session, *, viewer: Viewer, folded: str, limit: int = 10) -> list[Lead]:
    """Leads the viewer may see whose folded name, company, email or topic contain `folded` (the query
    folded by `bot.domain.text.fold`), through the text index (store/text_search.py)."""
    query = (
        sa.select(col(Lead.id))
        .where(_search(session, viewer, folded))
        .order_by(col(Lead.status) != "open", col(Lead.updated_at).desc(), col(Lead.id).desc())
        .limit(limit)
    )
    return load_in_order(session, Lead, list(session.execute(query).scalars()))


def count_search_leads(session: Session, *, viewer: Viewer, folded: str) -> int:
    """Capped (SEARCH_COUNT_CAP + 1 means more than SEARCH_COUNT_CAP)."""
    return capped_count(session, sa.select(col(Lead.id)).where(_search(session, viewer, folded)), SEARCH_COUNT_CAP)


def touch(lead: Lead) -> None:
    lead.updated_at = utcnow()


def delete_drafts(session: Session, *, created_before: datetime) -> int:
    """Delete leads still in `draft` status (a duplicate warning nobody answered) created before the
    cut-off. A housekeeping query, so it spans every workspace; drafts have no timeline or other rows."""
    statement = sa.delete(Lead).where(col(Lead.status) == "draft", col(Lead.created_at) < created_before)
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def possible_duplicates(
    session: Session, *, team_id: str, email_key: str, identity_key: str, exclude_id: int | None = None, limit: int = 5
) -> list[Lead]:
    """Leads (drafts aside) with the same email key or the same company + name key."""
    conditions = []
    if email_key:
        conditions.append(col(Lead.email_key) == email_key)
    if identity_key:
        conditions.append(col(Lead.identity_key) == identity_key)
    if not conditions:
        return []
    query = select(Lead).where(Lead.team_id == team_id, sa.or_(*conditions), Lead.status != "draft")
    if exclude_id is not None:
        query = query.where(Lead.id != exclude_id)
    return list(session.exec(query.order_by(col(Lead.id)).limit(limit)))
