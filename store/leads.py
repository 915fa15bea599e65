"""Lead queries. Every function takes the workspace (`team_id`) and filters on it."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.access import Viewer, shared_ids, visible, visible_to_user
from store.kinds import LeadStatus, RecordType
from store.listing import SEARCH_COUNT_CAP, capped_count
from store.models import Lead, utcnow
from store.owner_counts import open_count
from store.prepared import PreparedQuery, Reader, unindexed_team
from store.text_search import (
    MIN_TRIGRAM,
    contains_text,
    contains_value,
    fts_hits,
    load_in_order,
    query_value,
    text_in_index,
    text_match,
    visible_matches,
)
from store.types import postgresql_array
from store.users import Asker, read_viewer, role_columns, viewer_of_role


def create_lead(session: Session, *, team_id: str, owner_id: str, values: Mapping[str, Any]) -> Lead:
    lead = Lead(team_id=team_id, owner_id=owner_id, **values)
    session.add(lead)
    session.flush()
    return lead


def get_lead(session: Session, *, team_id: str, lead_id: int) -> Lead | None:
    return session.exec(select(Lead).where(Lead.team_id == team_id, Lead.id == lead_id)).first()


def get_visible_lead(session: Session, *, viewer: Viewer, lead_id: int) -> Lead | None:
    return session.exec(select(Lead).where(visible(Lead, RecordType.LEAD, viewer), Lead.id == lead_id)).first()


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
    _LEAD.c.team_id == sa.bindparam("team"),
    _LEAD.c.owner_id == sa.bindparam("owner"),
    _LEAD.c.status == LeadStatus.OPEN,
)
# Built once: a Core statement on the table (no ORM entities), so a `/lead list` neither rebuilds the
# statement nor its cache key nor goes through the ORM's execution (a third of its CPU, profiled). The
# count is the owner's group of owner_count (migration 0024), an uncorrelated scalar subquery evaluated
# once beside the page: one statement and, on PostgreSQL, one round trip for both.
_OPEN_COUNT = open_count("lead", sa.bindparam("team"), sa.bindparam("owner"))
_OPEN_PAGE = (
    sa.select(_LEAD.c.id, _LEAD.c.topic, _LEAD.c.first_name, _LEAD.c.last_name, _LEAD.c.company, _LEAD.c.status)
    .add_columns(_OPEN_COUNT)
    .where(_MINE_OPEN)
    .order_by(_LEAD.c.updated_at.desc(), _LEAD.c.id.desc())
    .limit(sa.bindparam("limit", type_=sa.Integer))
)
_OPEN_PAGE_SQL = PreparedQuery(_OPEN_PAGE)


def open_leads(reader: Reader, *, team_id: str, owner_id: str, limit: int = 20) -> tuple[list[LeadSummary], int]:
    """The owner's most recently updated open leads, and how many open leads they have in all (exact:
    store/owner_counts.py). The page reads only `ix_lead_owner_recent`, in index order (no sort of all
    the owner's leads), the count its group of owner_count; outside the ORM
    (store/prepared.py), as this is the hot path of `/lead list` and App Home."""
    rows = reader.all(_OPEN_PAGE_SQL, {"team": team_id, "owner": owner_id, "limit": limit})
    return [LeadSummary(*row[:6]) for row in rows], int(rows[0][6]) if rows else 0


_SUMMARY = (_LEAD.c.id, _LEAD.c.topic, _LEAD.c.first_name, _LEAD.c.last_name, _LEAD.c.company, _LEAD.c.status)
# The display order of a search: open leads first, then the most recently updated. `status <> 'open'`
# is written literally: it is the expression ix_lead_owner_search is built on (migration 0015), which
# a bound parameter would not match.
_CLOSED = _LEAD.c.status != sa.literal_column("'open'")
_TEAM, _USER = sa.bindparam("team", type_=sa.String), sa.bindparam("user", type_=sa.String)
_LIMIT = sa.bindparam("limit", type_=sa.Integer)
# Written into the SQL, not bound: PostgreSQL's generic plan for a prepared statement would not know a
# bound LIMIT (it assumes a tenth of the rows), and the plans rely on stopping early.
_CAP_ROWS = sa.literal_column(str(SEARCH_COUNT_CAP + 1), sa.Integer)


def _search_statement(dialect: str, everyone: bool) -> sa.Select[Any]:
    """The search of a rep (their own, shared and team-shared leads) or of an admin (`everyone`), driven
    by the text index, with the workspace, user and query as bind parameters, so it is compiled once
    (store/prepared.py). Every hit is read to sort them anyway, so the count comes with the page (a
    window), not from a second pass over the hits. The plan for few hits (`search_summaries`)."""
    query = sa.bindparam("query", type_=sa.String)
    conditions = [text_match(dialect, RecordType.LEAD, _LEAD, _TEAM, query), _LEAD.c.status != LeadStatus.DRAFT]
    if not everyone:
        conditions.append(visible_to_user(_LEAD, RecordType.LEAD, _TEAM, _USER))
    return (
        sa.select(*_SUMMARY, sa.func.count().over())
        .where(*conditions)
        .order_by(_CLOSED, _LEAD.c.updated_at.desc(), _LEAD.c.id.desc())
        .limit(_LIMIT)
    )


_SEARCHES = {
    everyone: PreparedQuery(functools.partial(_search_statement, everyone=everyone)) for everyone in (False, True)
}


_DISPLAY_ORDER = (_CLOSED, _LEAD.c.updated_at.desc(), _LEAD.c.id.desc())


def _in_display_order(arm: sa.Select[Any], rows: Any) -> sa.Select[Any]:
    """The first `rows` hits of `arm` (a rep's own or shared leads) in display order, as a SELECT that
    can be an arm of a UNION (SQLite allows no ORDER BY on an arm itself)."""
    keys = arm.add_columns(_LEAD.c.id, _CLOSED.label("closed"), _LEAD.c.updated_at)
    return sa.select(keys.order_by(*_DISPLAY_ORDER).limit(rows).subquery())


def _capped_count(arm: sa.Select[Any]) -> sa.ScalarSelect[Any]:
    """How many hits `arm` has, counting no further than SEARCH_COUNT_CAP + 1 (walked in display order:
    the index the page walks, read alone)."""
    first = arm.add_columns(sa.literal_column("1")).order_by(*_DISPLAY_ORDER).limit(_CAP_ROWS)
    return sa.select(sa.func.count()).select_from(first.subquery()).scalar_subquery()


def _walk_arms(dialect: str) -> list[sa.Select[Any]]:
    """The hits a rep's walk reads, as column-less SELECTs: their own leads along ix_lead_owner_search
    (the text tested in the index itself), their shared leads by id."""
    contains = contains_text(dialect, _LEAD.c.search_text, sa.bindparam("text", type_=sa.String))
    hit = (contains, _LEAD.c.status != LeadStatus.DRAFT)
    own = sa.select().select_from(_LEAD).where(_LEAD.c.team_id == _TEAM, _LEAD.c.owner_id == _USER, *hit)
    # PostgreSQL: the texts short enough for ix_lead_owner_search are tested in it (an index-only walk),
    # the others (in practice none) walked along ix_lead_owner_search_long (migration 0020).
    owns = [own] if dialect == "sqlite" else [own.where(text_in_index(_LEAD, indexed)) for indexed in (True, False)]
    # SQLite: `+lead.team_id` is not an index term, so the shared leads are read by id from the shares
    # rather than by scanning the workspace's entries of ix_lead_owner_search (SQLite's choice otherwise).
    team = unindexed_team(_LEAD)
    shared_leads = _LEAD.c.id.in_(shared_ids(RecordType.LEAD, _TEAM, _USER))
    shared = sa.select().select_from(_LEAD).where(shared_leads, team == _TEAM, _LEAD.c.owner_id != _USER, *hit)
    return [*owns, shared]


def _walk_statement(dialect: str, counted: bool = True) -> sa.Select[Any]:
    """A rep's search when the text is in many leads: walk the rep's leads in display order through
    ix_lead_owner_search, testing each lead's search_text in the index itself; their shared leads alike
    (few, read by id). The page is the first `limit` hits of the arms merged; the count (`counted`) adds
    each arm's hits counted to SEARCH_COUNT_CAP + 1 (> SEARCH_COUNT_CAP: "100+"), each a walk of its
    own that stops there: no hit is kept or sorted for it, and the page's walks stop at `limit` hits
    (10 % fewer instructions than keeping and sorting every counted hit to take the page, measured).
    The text test (`contains_text`) is no LIKE: no text index serves it, so the walk in display order
    is the only plan that stops early (PostgreSQL would otherwise pick pg_trgm's index and sort every
    hit, or walk the rep's whole index for today's LIKE statement)."""
    arms = _walk_arms(dialect)
    merged = sa.union_all(*(_in_display_order(arm, _LIMIT) for arm in arms))
    keys = merged.selected_columns
    page = merged.order_by(keys.closed, keys.updated_at.desc(), keys.id.desc()).limit(_LIMIT).subquery("page")
    columns: list[Any] = list(_SUMMARY)
    if counted:
        columns.append(functools.reduce(operator.add, map(_capped_count, arms)))
    return (
        sa.select(*columns)
        .join_from(_LEAD, page, _LEAD.c.id == page.c.id)
        .order_by(page.c.closed, page.c.updated_at.desc(), page.c.id.desc())
    )


_MANY = SEARCH_COUNT_CAP + 1  # a count past the cap ("100+")
# The rep's own hits that the walk would find, as a probe's row sees them.
_OWN_HIT = sa.and_(_LEAD.c.team_id == _TEAM, _LEAD.c.owner_id == _USER, _LEAD.c.status != LeadStatus.DRAFT)


def _fts_probe_statement() -> sa.Select[Any]:
    """SQLite's probe: how many leads (of every workspace) the FTS5 phrase `query` matches, to
    SEARCH_COUNT_CAP + 1, and, when that many, whether all of those are the rep's own (`_OWN_HIT`):
    then the rep has more than SEARCH_COUNT_CAP hits and the walk need not count them. The hits are
    read by id in rowid order only until one is not the rep's (in a workspace of several reps, the
    first few), so the probe costs a rep who owns few of a text's leads little more than the count."""
    hits = fts_hits(RecordType.LEAD, _MANY).cte("hits")
    probed = sa.select(sa.func.count().label("hits")).select_from(hits).subquery("probed")
    not_own = sa.not_(sa.func.coalesce(_OWN_HIT, sa.false()))  # NULL: an index entry without its lead
    other: sa.Select[Any] = sa.select(sa.literal_column("1")).select_from(
        hits.outerjoin(_LEAD, _LEAD.c.id == hits.c.id)
    )
    all_own = sa.case((probed.c.hits > SEARCH_COUNT_CAP, sa.not_(sa.exists(other.where(not_own)))))
    return sa.select(probed.c.hits, all_own, *role_columns(_TEAM, _USER))


def _pg_hits_statement() -> sa.Select[Any]:
    """PostgreSQL's probe: the ids of up to SEARCH_COUNT_CAP + 1 leads (of every workspace) whose text
    contains the query, through pg_trgm's index (the only index on search_text), as one array (NULL: none),
    whether all of them are the rep's own (`_OWN_HIT`; the rows are read for the LIKE anyway), and who asks
    (`role_columns`): one row, always, where a row per hit cost the client more to read (/opp TEXT's probe,
    measured)."""
    like = _LEAD.c.search_text.like(sa.bindparam("query", type_=sa.String), escape="\\")
    hits = sa.select(_LEAD.c.id, _OWN_HIT.label("own")).where(like).limit(_CAP_ROWS).subquery("hits")
    found = (sa.func.array_agg(hits.c.id), sa.func.bool_and(hits.c.own))
    return sa.select(*found, *role_columns(_TEAM, _USER)).select_from(hits)


def _pg_few_statement(_dialect: str) -> sa.Select[Any]:
    """PostgreSQL, a text in few leads: the probe's hits the rep may see, read by primary key (`id =
    ANY(:ids)`: no other index can serve the statement, whatever the planner's estimates)."""
    ids = sa.bindparam("ids", type_=postgresql_array(sa.Integer))
    conditions = (_LEAD.c.id == sa.any_(ids), _LEAD.c.team_id == _TEAM, _LEAD.c.status != LeadStatus.DRAFT)
    return (
        sa.select(*_SUMMARY, sa.func.count().over())
        .where(*conditions, visible_to_user(_LEAD, RecordType.LEAD, _TEAM, _USER))
        .order_by(_CLOSED, _LEAD.c.updated_at.desc(), _LEAD.c.id.desc())
        .limit(_LIMIT)
    )


_WALK = PreparedQuery(_walk_statement)
_WALK_PAGE = PreparedQuery(functools.partial(_walk_statement, counted=False))
_FTS_PROBE = PreparedQuery(_fts_probe_statement())
_PG_HITS = PreparedQuery(_pg_hits_statement())
_PG_FEW = PreparedQuery(_pg_few_statement)  # built at its first use: PostgreSQL's ARRAY type


def search_summaries(
    reader: Reader, *, viewer: Viewer, folded: str, limit: int
) -> tuple[list[LeadSummary], int] | None:
    """`search_leads` and its count (capped: more than SEARCH_COUNT_CAP is SEARCH_COUNT_CAP + 1 or more)
    for a rep or an admin, outside the ORM: the hot path of `/lead TEXT`. None when the general path
    must answer (a manager, or a query too short for the text index).

    Two plans for a rep, chosen by a probe of the text index that stops at SEARCH_COUNT_CAP + 1 hits
    (none: answered by the probe). A text in few leads: read those hits by id and sort them. A text in
    many (a common name or word): reading and sorting every hit costs 1–2 ms per thousand, so walk the
    rep's leads in display order (`_walk_statement`), counting to the cap unless the probe's hits were
    all the rep's own. An admin's search is driven by the text index (one statement)."""
    if viewer.role == "manager" or len(folded) < MIN_TRIGRAM:
        return None
    _check_page(limit)
    values = {"team": viewer.team_id, "user": viewer.user_id, "query": query_value(reader.dialect.name, folded),
              "limit": limit}  # fmt: skip
    if not viewer.is_admin:
        return _rep_answer(reader, values, folded, _rep_probe(reader, values))
    rows = reader.all(_SEARCHES[True], values)
    return [LeadSummary(*row[:6]) for row in rows], int(rows[0][6]) if rows else 0


Rows = list[tuple[Any, ...]]


def search_for(
    reader: Reader, *, asker: Asker, folded: str, limit: int
) -> tuple[Viewer, tuple[list[LeadSummary], int] | None]:
    """Who asks and `search_summaries` for them, their role read by the text probe itself (its columns
    `role_columns`): on PostgreSQL a round trip less for a rep's search (~0.13 ms of the backend and the
    client's switch, measured), on SQLite a statement less. A manager or an admin is then searched as
    `search_summaries` does (an admin's statement after the probe: one more than reading the role first).
    A configured admin and a text too short for the index read the role first, as before."""
    team, user, admins = asker.team_id, asker.user_id, asker.admin_ids
    probing = user not in admins and len(folded) >= MIN_TRIGRAM
    values = {"team": team, "user": user, "query": query_value(reader.dialect.name, folded), "limit": limit}
    probed = _rep_probe(reader, values) if probing else None  # none: a configured admin, or a short text
    if probed is None:
        viewer = read_viewer(reader, team_id=team, user_id=user, admin_ids=admins)
    else:
        viewer = viewer_of_role(reader, asker, probed[0][2:4])
    if probed is None or not _is_rep(viewer):
        return viewer, search_summaries(reader, viewer=viewer, folded=folded, limit=limit)
    _check_page(limit)
    return viewer, _rep_answer(reader, values, folded, probed)


def _is_rep(viewer: Viewer) -> bool:
    """Searched by the rep's plans (`search_summaries`: a manager takes the general path, an admin the index)."""
    return viewer.role != "manager" and not viewer.is_admin


def _check_page(limit: int) -> None:
    if limit > _MANY:
        raise ValueError("a search's page is at most its count's cap")


def _rep_probe(reader: Reader, values: dict[str, Any]) -> Rows:
    """The text probe's one row, carrying who asks (`role_columns`): SQLite's count, PostgreSQL's ids."""
    if reader.dialect.name == "sqlite":
        return reader.all(_FTS_PROBE, values)
    return reader.all_inlined(_PG_HITS, values)


def _rep_answer(reader: Reader, values: dict[str, Any], folded: str, probed: Rows) -> tuple[list[LeadSummary], int]:
    """A rep's page and count, by the plan the probe chose."""
    if reader.dialect.name == "sqlite":
        rows, total = _sqlite_rep_rows(reader, values, folded, probed[0])
    else:
        rows, total = _postgresql_rep_rows(reader, values, folded, probed)
    return [LeadSummary(*row[:6]) for row in rows], total


def _sqlite_rep_rows(reader: Reader, values: dict[str, Any], folded: str, probe: tuple[Any, ...]) -> tuple[Rows, int]:
    """The FTS5 probe counts the hits (every workspace's) up to the cap; the rows come from the plan."""
    probed, all_own = probe[:2]
    if probed == 0:
        return [], 0
    if probed < _MANY:
        return _counted(reader.all(_SEARCHES[False], values))
    return _walked(reader, {**values, "text": contains_value("sqlite", folded)}, all_own=bool(all_own))


def _postgresql_rep_rows(reader: Reader, values: dict[str, Any], folded: str, probed: Rows) -> tuple[Rows, int]:
    """The probe returns the hits' ids (every workspace's) up to the cap: few, they are all the hits. It
    is planned for its text (`all_inlined`): a common one is found sooner by reading the table than
    through pg_trgm's index (a text in 17 % of the leads: 0.4-0.5 ms against 0.8-1.3 ms, measured)."""
    ids, all_own = probed[0][:2]
    if not ids:
        return [], 0
    if len(ids) < _MANY:
        return _counted(reader.all(_PG_FEW, {**values, "ids": ids}))
    return _walked(reader, {**values, "text": folded}, all_own=bool(all_own))


def _counted(rows: Rows) -> tuple[Rows, int]:
    return rows, int(rows[0][6]) if rows else 0


def _walked(reader: Reader, values: dict[str, Any], *, all_own: bool) -> tuple[Rows, int]:
    """The walk's page; its count, unless the probe's hits, as many as the cap allows, were all the rep's
    own: then there are more than SEARCH_COUNT_CAP."""
    if all_own:
        return reader.all(_WALK_PAGE, values), _MANY
    return _counted(reader.all(_WALK, values))


def _search(session: Session, viewer: Viewer, folded: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        visible_matches(session, Lead, RecordType.LEAD, viewer, folded), col(Lead.status) != LeadStatus.DRAFT
    )


def search_leads(session: Session, *, viewer: Viewer, folded: str, limit: int = 10) -> list[Lead]:
    """Leads the viewer may see whose folded name, company, email or topic contain `folded` (the query
    folded by `bot.domain.text.fold`), through the text index (store/text_search.py)."""
    query = (
        sa.select(col(Lead.id))
        .where(_search(session, viewer, folded))
        .order_by(col(Lead.status) != LeadStatus.OPEN, col(Lead.updated_at).desc(), col(Lead.id).desc())
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
    statement = sa.delete(Lead).where(col(Lead.status) == LeadStatus.DRAFT, col(Lead.created_at) < created_before)
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
    query = select(Lead).where(Lead.team_id == team_id, sa.or_(*conditions), Lead.status != LeadStatus.DRAFT)
    if exclude_id is not None:
        query = query.where(Lead.id != exclude_id)
    return list(session.exec(query.order_by(col(Lead.id)).limit(limit)))
