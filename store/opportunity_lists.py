"""The hot reads of `/opp list` and `/opp TEXT`: opportunity summaries read outside the ORM
(store/prepared.py), in the order of an index, never by reading and sorting all of a rep's deals.

`/opp list`: the rep's open deals by estimated close date (undated last) along `ix_opportunity_owner_close`,
and a capped count (store/listing.py). `/opp TEXT`: the two plans `/lead TEXT` has (store/leads.py): a
probe of the text index (FTS5 on SQLite, pg_trgm on PostgreSQL) counting the workspace's hits up to
FEW_HITS + 1; few hits are read by id and sorted; many are found by walking the rep's deals in display
order along `ix_opportunity_owner_search` (migration 0017_opportunity_search_index), stopping at
SEARCH_COUNT_CAP + 1 hits (`/opp TEXT` shows no count, so the cap only bounds the walk).
"""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from store.access import Viewer, shared_ids, visible_to_user
from store.kinds import OpportunityStatus, RecordType
from store.listing import SEARCH_COUNT_CAP, capped_count_statement
from store.models import Opportunity
from store.prepared import PreparedQuery, Reader
from store.text_search import MIN_TRIGRAM, fts_probe_statement, query_value, text_match


class OpportunitySummary(NamedTuple):
    """What a list line of an opportunity shows (bot.views.opportunity.list_line)."""

    id: int
    topic: str
    account_name: str
    contact_name: str
    process_name: str
    stage: str
    status: str
    estimated_close_date: date | None
    estimated_revenue: Decimal | None
    currency: str


_OPP = Opportunity.__table__  # type: ignore[attr-defined]
_COLUMNS = (
    _OPP.c.id, _OPP.c.topic, _OPP.c.account_name, _OPP.c.contact_name, _OPP.c.process_name, _OPP.c.stage,
    _OPP.c.status, _OPP.c.estimated_close_date, _OPP.c.estimated_revenue, _OPP.c.currency,
)  # fmt: skip
_TEAM, _USER = sa.bindparam("team", type_=sa.String), sa.bindparam("user", type_=sa.String)
_LIMIT = sa.bindparam("limit", type_=sa.Integer)
# Written into the SQL, not bound: a prepared statement's generic plan on PostgreSQL does not know a bound
# LIMIT, and the plans rely on stopping early (as store/leads.py).
_CAP_ROWS = sa.literal_column(str(SEARCH_COUNT_CAP + 1), sa.Integer)
# The probe counts the workspace's hits up to here: up to this many, reading them by id (~1 µs each on
# SQLite) costs less than walking a rep's deals, which reads every one of them when the rep has fewer than
# SEARCH_COUNT_CAP hits (a text in 300 deals of 50 reps: 0.4 ms against 4-5 ms for 20,000 deals, measured).
FEW_HITS = 1_000


def summary(row: tuple[Any, ...]) -> OpportunitySummary:
    """A row of _COLUMNS as either driver returns it (SQLite: the date as text, the money as a number)."""
    closes, money = row[7], row[8]
    if isinstance(closes, str):
        closes = date.fromisoformat(closes[:10])
    if money is not None and not isinstance(money, Decimal):
        money = Decimal(f"{money:.2f}")
    return OpportunitySummary(row[0], row[1], row[2], row[3], row[4], row[5], row[6], closes, money, row[9])


# --- /opp list ------------------------------------------------------------------------------------------

_MINE_OPEN = (_OPP.c.team_id == _TEAM, _OPP.c.owner_id == _USER, _OPP.c.status == OpportunityStatus.OPEN)
_CLOSE = _OPP.c.estimated_close_date
_DATED = PreparedQuery(
    sa.select(*_COLUMNS).where(*_MINE_OPEN, _CLOSE.is_not(None)).order_by(_CLOSE, _OPP.c.id).limit(_LIMIT)
)
_UNDATED = PreparedQuery(sa.select(*_COLUMNS).where(*_MINE_OPEN, _CLOSE.is_(None)).order_by(_OPP.c.id).limit(_LIMIT))
_OPEN_COUNT = PreparedQuery(capped_count_statement(sa.select(sa.literal(1)).select_from(_OPP).where(*_MINE_OPEN)))


def open_summaries(reader: Reader, *, team_id: str, owner_id: str, limit: int) -> tuple[list[OpportunitySummary], int]:
    """The owner's first `limit` open opportunities by estimated close date (undated last, then id) and
    how many open ones they have (capped: COUNT_CAP + 1 means more): two reads in the order of
    `ix_opportunity_owner_close` (dated, then undated) and a count from that index alone."""
    values = {"team": team_id, "user": owner_id, "limit": limit}
    rows = [summary(row) for row in reader.all(_DATED, values)]
    if len(rows) < limit:
        rows += [summary(row) for row in reader.all(_UNDATED, {**values, "limit": limit - len(rows)})]
    if len(rows) < limit:
        return rows, len(rows)
    return rows, int(reader.scalar(_OPEN_COUNT, values))


# --- /opp TEXT ------------------------------------------------------------------------------------------

# The display order of a search: open first, then the most recently updated, then the newest. `status <>
# 'open'` is written literally: it is the expression ix_opportunity_owner_search is built on.
_CLOSED = _OPP.c.status != sa.literal_column("'open'")
_ORDER = (_CLOSED, _OPP.c.updated_at.desc(), _OPP.c.id.desc())


def _few_statement(dialect: str) -> sa.Select[Any]:
    """A text in few deals: the hits the rep may see (own, shared, team-shared), sorted. SQLite: driven by
    the FTS5 index; PostgreSQL: the probe's ids read by primary key (`id = ANY(:ids)`)."""
    if dialect == "sqlite":
        found = text_match(dialect, RecordType.OPPORTUNITY, _OPP, _TEAM, sa.bindparam("query", type_=sa.String))
    else:
        ids = sa.bindparam("ids", type_=postgresql.ARRAY(sa.Integer))
        found = sa.and_(_OPP.c.id == sa.any_(ids), _OPP.c.team_id == _TEAM)
    visible = visible_to_user(_OPP, RecordType.OPPORTUNITY, _TEAM, _USER)
    return sa.select(*_COLUMNS).where(found, visible).order_by(*_ORDER).limit(_LIMIT)


def _in_display_order(query: sa.Select[Any]) -> sa.Select[Any]:
    """The first SEARCH_COUNT_CAP + 1 hits of `query` in display order, as a UNION arm."""
    keys = query.add_columns(_OPP.c.id, _CLOSED.label("closed"), _OPP.c.updated_at)
    return sa.select(keys.order_by(*_ORDER).limit(_CAP_ROWS).subquery())


def _walk_statement(dialect: str) -> sa.Select[Any]:
    """A text in many deals: walk the rep's deals in display order through ix_opportunity_owner_search,
    testing each one's search_text (SQLite: in the index itself; PostgreSQL: in the row) with a function
    no text index serves (so the planner keeps the walk), stopping at SEARCH_COUNT_CAP + 1 hits; the
    rep's shared deals alike (few, read by id). The page is the first `limit` of those hits."""
    text = sa.bindparam("text", type_=sa.String)
    hit = (sa.func.instr if dialect == "sqlite" else sa.func.strpos)(_OPP.c.search_text, text) > 0
    own = sa.select().select_from(_OPP).where(_OPP.c.team_id == _TEAM, _OPP.c.owner_id == _USER, hit)
    # SQLite: `+opportunity.team_id` is no index term, so shared deals are read by id from the shares.
    team = sa.literal_column("+opportunity.team_id", sa.String) if dialect == "sqlite" else _OPP.c.team_id
    shared = (
        sa.select()
        .select_from(_OPP)
        .where(
            _OPP.c.id.in_(shared_ids(RecordType.OPPORTUNITY, _TEAM, _USER)),
            team == _TEAM,
            _OPP.c.owner_id != _USER,
            hit,
        )
    )
    hits = sa.union_all(_in_display_order(own), _in_display_order(shared)).cte("hits")
    order = (hits.c.closed, hits.c.updated_at.desc(), hits.c.id.desc())
    page = sa.select(hits).order_by(*order).limit(_LIMIT).subquery("page")
    return (
        sa.select(*_COLUMNS)
        .join_from(_OPP, page, _OPP.c.id == page.c.id)
        .order_by(page.c.closed, page.c.updated_at.desc(), page.c.id.desc())
    )


def _pg_probe_statement() -> sa.Select[Any]:
    """PostgreSQL's probe: the ids of up to FEW_HITS + 1 deals (every workspace's) whose text
    contains the query, through pg_trgm's index."""
    like = _OPP.c.search_text.like(sa.bindparam("query", type_=sa.String), escape="\\")
    return sa.select(_OPP.c.id).where(like).limit(sa.literal_column(str(FEW_HITS + 1), sa.Integer))


_FEW = PreparedQuery(_few_statement)
_WALK = PreparedQuery(_walk_statement)
_FTS_PROBE = PreparedQuery(fts_probe_statement(RecordType.OPPORTUNITY, FEW_HITS + 1))
_PG_PROBE = PreparedQuery(_pg_probe_statement())


def search_summaries(reader: Reader, *, viewer: Viewer, folded: str, limit: int) -> list[OpportunitySummary] | None:
    """The first `limit` deals a rep may see whose folded text contains `folded`, in display order, outside
    the ORM: the hot path of `/opp TEXT`. None when the general path must answer (a manager or an admin,
    whose visibility is wider, or a query too short for the text index)."""
    if viewer.role == "manager" or viewer.is_admin or len(folded) < MIN_TRIGRAM:
        return None
    dialect = reader.dialect.name
    query = query_value(dialect, folded)
    values: dict[str, Any] = {"team": viewer.team_id, "user": viewer.user_id, "query": query, "limit": limit}
    if dialect == "sqlite":
        probed = int(reader.scalar(_FTS_PROBE, values))
    else:
        ids = [row[0] for row in reader.all(_PG_PROBE, values)]
        probed, values["ids"] = len(ids), ids
    if probed == 0:
        return []
    rows = reader.all(_WALK, {**values, "text": folded}) if probed > FEW_HITS else reader.all(_FEW, values)
    return [summary(row) for row in rows]


@functools.cache
def plans() -> dict[str, PreparedQuery]:
    """The search's statements by name, for the plan tests (tests/store/)."""
    return {"few": _FEW, "walk": _WALK, "fts_probe": _FTS_PROBE, "pg_probe": _PG_PROBE, "open_count": _OPEN_COUNT,
            "dated": _DATED, "undated": _UNDATED}  # fmt: skip
