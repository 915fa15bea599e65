"""The hot reads of `/opp list` and `/opp TEXT`: opportunity summaries read outside the ORM
(store/prepared.py), in the order of an index, never by reading and sorting all of a rep's deals.

`/opp list`: the rep's first open deals by estimated close date (undated last), their stage and money
from `ix_opportunity_owner_close` alone (migration 0018_opp_list_search) with an exact count
(store/owner_counts.py) in one statement, then the rows of the deals shown read by id.

`/opp TEXT` (reps, managers and admins, any text): a probe of the text index (FTS5 on SQLite, pg_trgm on
PostgreSQL) counting the workspace's hits up to FEW_HITS + 1; few hits are read by id and sorted; many (or a
text too short for the index) are found by walking the viewer's deals in display order along
`ix_opportunity_owner_search` (0017, with the text on PostgreSQL since 0022; a manager's reps one walk each,
an admin's workspace along `ix_opportunity_team_search`, 0018), each walk stopping at the page's PAGE hits.
The probe's one row carries who asks (`search_for`): a search reads no viewer before it; the page's rows carry
whether each deal has sales orders (`_ordered`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa

from store.access import Viewer, shared_ids, shared_with_user, visible_to_user
from store.kinds import OpportunityStatus, RecordType
from store.models import Opportunity, SalesOrder
from store.owner_counts import open_count
from store.prepared import PreparedQuery, Reader, bound_list, in_bound_list, unindexed_team, unpacked
from store.process_libraries import library_version_of
from store.text_search import MIN_TRIGRAM, Condition, fts_probe_statement, query_value, text_in_index, text_match
from store.types import postgresql_array
from store.users import Asker, read_viewer, role_columns, viewer_of_role


class OpportunitySummary(NamedTuple):
    """What a list line of an opportunity shows (bot.views.opportunity.list_line), as the driver returns
    the columns: converting the close date and the money of every line read cost more than showing them
    (bot/views/opportunity.py formats both forms; `close_date` and `money` convert one)."""

    id: int
    topic: str
    account_name: str
    contact_name: str
    process_name: str
    stage: str
    status: str
    estimated_close_date: date | str | None  # SQLite: ISO text
    estimated_revenue: Decimal | float | None  # SQLite: a float (or an int) of at most two decimals
    currency: str


_OPP = Opportunity.__table__  # type: ignore[attr-defined]
_COLUMNS = (
    _OPP.c.id, _OPP.c.topic, _OPP.c.account_name, _OPP.c.contact_name, _OPP.c.process_name, _OPP.c.stage,
    _OPP.c.status, _OPP.c.estimated_close_date, _OPP.c.estimated_revenue, _OPP.c.currency,
)  # fmt: skip
_TEAM, _USER = sa.bindparam("team", type_=sa.String), sa.bindparam("user", type_=sa.String)
_LIMIT = sa.bindparam("limit", type_=sa.Integer)
# The probe counts the workspace's hits up to here: up to this many, reading them by id (~1 µs each on
# SQLite) costs less than walking a rep's deals, which reads every one of them when the rep has fewer than
# PAGE hits (a text in 300 deals of 50 reps: 0.4 ms against 4-5 ms for 20,000 deals, measured).
FEW_HITS = 1_000


def summary(row: tuple[Any, ...]) -> OpportunitySummary:
    """A row starting with _COLUMNS (a walk's has its order keys after them) as the driver returns it."""
    return _SUMMARY(row[:10])


_SUMMARY = OpportunitySummary._make


def close_date(value: date | str | None) -> date | None:
    """A close date column as either driver returns it (SQLite: ISO text)."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


# --- /opp list ------------------------------------------------------------------------------------------


# What `/opp list` groups by and sums of each of a rep's first open deals, read from ix_opportunity_owner_close
# alone (migration 0018_opp_list_search): (id, stage, process_name, cents, currency), a plain row (200 per list:
# a NamedTuple each was a tenth of the service's CPU). `cents`: the estimated revenue rounded to cents, an
# integer on both databases (as pipeline_month's, migration 0021), so a stage's sum is exact (`cents_money`).
ListKey = Sequence[Any]


_MINE_OPEN = (_OPP.c.team_id == _TEAM, _OPP.c.owner_id == _USER, _OPP.c.status == OpportunityStatus.OPEN)
_CLOSE = _OPP.c.estimated_close_date
_CENTS = sa.cast(sa.func.round(_OPP.c.estimated_revenue * 100), sa.BigInteger).label("cents")
_KEYS = (_OPP.c.id, _OPP.c.stage, _OPP.c.process_name, _CENTS, _OPP.c.currency)


def _open_page_statement(dialect: str) -> sa.Select[Any]:
    """The owner's first `limit` open deals as ListKey rows, packed (SQLite: one JSON array of them, as
    store.prepared.packed_rows; PostgreSQL: an array per column, each parsed by the driver), beside how many
    open deals they have (owner_count, store/owner_counts.py) and the workspace's process library version (the
    list orders its stages by the library, bot/services/processes.py checks its parsed cache by it): one
    statement, one row, where three or four were read. The dated deals by close date, then the undated, each
    arm in the order of ix_opportunity_owner_close from that index alone (close date, then id: PostgreSQL does
    not see that order after an `IS NULL` ordered by id alone) and under the page's LIMIT, so the undated arm
    is read only when the dated ones do not fill the page."""
    arms = [
        sa.select(*_KEYS).where(*_MINE_OPEN, close).order_by(_CLOSE, _OPP.c.id).limit(_LIMIT).subquery()
        for close in (_CLOSE.is_not(None), _CLOSE.is_(None))
    ]
    page = sa.select(sa.union_all(*(sa.select(arm) for arm in arms)).subquery("arms")).limit(_LIMIT).subquery()
    if dialect == "sqlite":
        packed = [sa.func.json_group_array(sa.func.json_array(*page.c))]
    else:  # json_agg cost the server 0.1 ms more per list than these (measured); the client about the same
        packed = [sa.func.array_agg(column) for column in page.c]
    count = open_count("opportunity", _TEAM, _USER)
    return sa.select(*packed, count, library_version_of(_TEAM)).select_from(page)


_OPEN_PAGE = PreparedQuery(_open_page_statement)


def _by_ids_statement(dialect: str) -> sa.Select[Any]:
    """Summaries of the workspace's deals with these ids."""
    found = in_bound_list(dialect, _OPP.c.id, "ids", sa.Integer)
    team = unindexed_team(_OPP)  # else SQLite scans the workspace along an index on team_id
    return sa.select(*_COLUMNS).where(found, team == _TEAM)


_BY_IDS = PreparedQuery(_by_ids_statement)


def cents_money(cents: int) -> Decimal:
    """A sum of `ListKey` cents as money (two decimals)."""
    return Decimal(cents).scaleb(-2)


def money(value: Any) -> Decimal | None:
    """A money column as either driver returns it (SQLite: a float of at most two decimals)."""
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(f"{value:.2f}")


class OpenKeys(NamedTuple):
    rows: list[ListKey]
    total: int  # how many open deals the owner has (exact)
    library_version: int | None  # the workspace's process library version (None: never uploaded)


def open_keys(reader: Reader, *, team_id: str, owner_id: str, limit: int) -> OpenKeys:
    """The owner's first `limit` open opportunities by estimated close date (undated last, then id), as
    ListKey rows, how many open ones they have (exact) and the workspace's process library version, in one
    read (`_open_page_statement`). The money comes as integer cents (sums convert once, `cents_money`)."""
    values = {"team": team_id, "user": owner_id, "limit": limit}
    *packed, count, version = reader.all(_OPEN_PAGE, values)[0]
    rows: list[ListKey] = _page_rows(reader.dialect.name, packed)
    return OpenKeys(rows, int(count) if len(rows) >= limit else len(rows), None if version is None else int(version))


def _page_rows(dialect: str, packed: list[Any]) -> list[ListKey]:
    """`_open_page_statement`'s page as rows: SQLite's JSON array, or PostgreSQL's column arrays (NULL: none)."""
    if dialect == "sqlite":
        return unpacked(packed[0])
    return list(zip(*packed, strict=True)) if packed[0] is not None else []


def summaries_by_id(reader: Reader, *, team_id: str, ids: list[int]) -> list[OpportunitySummary]:
    """The workspace's deals with these ids, in this order (each read by primary key)."""
    found = summaries_of(reader, team_id=team_id, ids=ids)
    return [found[i] for i in ids if i in found]


def summaries_of(reader: Reader, *, team_id: str, ids: list[int]) -> dict[int, OpportunitySummary]:
    """The workspace's deals with these ids, by id (each read by primary key; a deal gone is missing)."""
    if not ids:
        return {}
    listed = bound_list(reader.dialect, ids)
    return {row[0]: _SUMMARY(row) for row in reader.all(_BY_IDS, {"team": team_id, "ids": listed})}


def open_summaries(reader: Reader, *, team_id: str, owner_id: str, limit: int) -> tuple[list[OpportunitySummary], int]:
    """`open_keys` with each deal's summary (a read of every row: a list that shows them all)."""
    keys = open_keys(reader, team_id=team_id, owner_id=owner_id, limit=limit)
    return summaries_by_id(reader, team_id=team_id, ids=[key[0] for key in keys.rows]), keys.total


# --- /opp TEXT ------------------------------------------------------------------------------------------

# A search shows at most PAGE deals, so each walk stops at PAGE hits. Written into the SQL, not bound: a
# prepared statement's generic plan on PostgreSQL does not know a bound LIMIT, and the plans rely on
# stopping early (as store/leads.py).
PAGE = 10
_PAGE_ROWS = sa.literal_column(str(PAGE), sa.Integer)
# The display order of a search: open first, then the most recently updated, then the newest. `status <>
# 'open'` is written literally: it is the expression ix_opportunity_owner_search is built on.
_CLOSED = _OPP.c.status != sa.literal_column("'open'")
_ORDER = (_CLOSED, _OPP.c.updated_at.desc(), _OPP.c.id.desc())
_ORDERS = SalesOrder.__table__  # type: ignore[attr-defined]


def _ordered(opportunity_id: Any) -> Any:
    """Whether the deal has a sales order, as a column of the page (one index probe per deal shown): most
    searches find none, and then `/opp TEXT` needs no ORM read of the orders."""
    mine = (_ORDERS.c.team_id == _TEAM, _ORDERS.c.opportunity_id == opportunity_id)
    return sa.exists().where(*mine).label("ordered")


# What a search's statements return: a summary, whether it has orders, then its display-order keys (to
# merge the walks of a manager's reps).
_WALKED = (*_COLUMNS, _ordered(_OPP.c.id), _CLOSED.label("closed"), _OPP.c.updated_at)
_ORDERED = len(_COLUMNS)  # the row's `_ordered` column
REP, MANAGER, ADMIN = "rep", "manager", "admin"


def _owners_in(dialect: str) -> Condition:
    """The deal's owner is in the bound list `owners`."""
    return in_bound_list(dialect, _OPP.c.owner_id, "owners", sa.String)


def _visible(dialect: str, scope: str) -> Condition:
    """The deals of the workspace a viewer of this scope may see (store.access.visible_in_team): a rep
    their own and shared ones, a manager also their reps' (`owners`), an admin all."""
    if scope == ADMIN:
        return sa.true()
    if scope == MANAGER:
        return sa.or_(_owners_in(dialect), shared_with_user(_OPP, RecordType.OPPORTUNITY, _TEAM, _USER))
    return visible_to_user(_OPP, RecordType.OPPORTUNITY, _TEAM, _USER)


def _few_statement(scope: str) -> Callable[[str], sa.Select[Any]]:
    """A text in few deals: the hits the viewer may see, sorted. SQLite: driven by the FTS5 index;
    PostgreSQL: the probe's ids read by primary key (`id = ANY(:ids)`). Whether a deal has orders is read
    for the page only, outside the sort (SQLite would compute it for every hit sorted: `_orders_of_page`)."""

    def build(dialect: str) -> sa.Select[Any]:
        if dialect == "sqlite":
            query = sa.bindparam("query", type_=sa.String)
            found = text_match(dialect, RecordType.OPPORTUNITY, _OPP, _TEAM, query)
        else:
            ids = sa.bindparam("ids", type_=postgresql_array(sa.Integer))
            found = sa.and_(_OPP.c.id == sa.any_(ids), _OPP.c.team_id == _TEAM)
        hits = sa.select(*_COLUMNS, _CLOSED.label("closed"), _OPP.c.updated_at).where(found, _visible(dialect, scope))
        return _orders_of_page(hits.order_by(*_ORDER).limit(_LIMIT).subquery("few"))

    return build


def _orders_of_page(page: sa.Subquery) -> sa.Select[Any]:
    """`page`'s rows as `_WALKED` (orders read per row of the page), in display order. Its LIMIT, written
    again, keeps SQLite from flattening the page into this select (it may not when both have one)."""
    keys = (page.c.closed, page.c.updated_at.desc(), page.c.id.desc())
    columns = [page.c[column.name] for column in _COLUMNS]
    return sa.select(*columns, _ordered(page.c.id), page.c.closed, page.c.updated_at).order_by(*keys).limit(_LIMIT)


def _hit(dialect: str) -> Condition:
    """The deal's search_text contains the bound `text`, tested with a function no text index serves
    (so the planner keeps walking the index in display order)."""
    text = sa.bindparam("text", type_=sa.String)
    return (sa.func.instr if dialect == "sqlite" else sa.func.strpos)(_OPP.c.search_text, text) > 0


def _in_display_order(query: sa.Select[Any]) -> sa.Select[Any]:
    """The first PAGE hits of `query` in display order, as a UNION arm."""
    keys = query.add_columns(_OPP.c.id, _CLOSED.label("closed"), _OPP.c.updated_at)
    return sa.select(keys.order_by(*_ORDER).limit(_PAGE_ROWS).subquery())


def _own_arms(dialect: str) -> list[sa.Select[Any]]:
    """The user's own deals with a hit, as column-less SELECTs along ix_opportunity_owner_search. PostgreSQL:
    the texts short enough for it, tested in the index (an index-only walk), and the others (in practice
    none) along ix_opportunity_owner_search_long (migration 0022_pg_opportunity_search_walk)."""
    own = sa.select().select_from(_OPP).where(_OPP.c.team_id == _TEAM, _OPP.c.owner_id == _USER, _hit(dialect))
    if dialect == "sqlite":
        return [own]
    return [own.where(text_in_index(_OPP, indexed)) for indexed in (True, False)]


def _page_of(arms: list[sa.Select[Any]], limit: Any) -> sa.Select[Any]:
    """The first `limit` of the arms' hits (each arm's first PAGE in display order), merged, with their
    summaries read by id."""
    hits = sa.union_all(*map(_in_display_order, arms)).cte("hits")
    order = (hits.c.closed, hits.c.updated_at.desc(), hits.c.id.desc())
    page = sa.select(hits).order_by(*order).limit(limit).subquery("page")
    return (
        sa.select(*_COLUMNS, _ordered(_OPP.c.id), page.c.closed, page.c.updated_at)
        .join_from(_OPP, page, _OPP.c.id == page.c.id)
        .order_by(page.c.closed, page.c.updated_at.desc(), page.c.id.desc())
    )


def _walk_statement(dialect: str) -> sa.Select[Any]:
    """A text in many deals (or too short for the text index): walk the user's deals in display order
    through ix_opportunity_owner_search, testing each one's search_text in the index itself (`_own_arms`),
    stopping at PAGE hits; the user's shared deals alike (few, read by id). The page is the first `limit`
    of those hits."""
    team = unindexed_team(_OPP)  # SQLite: shared deals are read by id from the shares
    shared = (
        sa.select()
        .select_from(_OPP)
        .where(
            _OPP.c.id.in_(shared_ids(RecordType.OPPORTUNITY, _TEAM, _USER)),
            team == _TEAM,
            _OPP.c.owner_id != _USER,
            _hit(dialect),
        )
    )
    return _page_of([*_own_arms(dialect), shared], _LIMIT)


def _owner_walk_statement(dialect: str) -> sa.Select[Any]:
    """One owner's first PAGE hits in display order along ix_opportunity_owner_search (a manager's reps).
    SQLite tests the text in the index and reads only the hits' rows; PostgreSQL walks the index alone
    (`_own_arms`) and reads the page's rows by id."""
    if dialect != "sqlite":
        return _page_of(_own_arms(dialect), _PAGE_ROWS)
    mine = (_OPP.c.team_id == _TEAM, _OPP.c.owner_id == _USER, _hit(dialect))
    return sa.select(*_WALKED).where(*mine).order_by(*_ORDER).limit(_PAGE_ROWS)


def _team_walk_statement(dialect: str) -> sa.Select[Any]:
    """The workspace's first PAGE hits in display order along ix_opportunity_team_search (an admin's)."""
    return sa.select(*_WALKED).where(_OPP.c.team_id == _TEAM, _hit(dialect)).order_by(*_ORDER).limit(_PAGE_ROWS)


def _pg_probe_statement() -> sa.Select[Any]:
    """PostgreSQL's probe: the ids of up to FEW_HITS + 1 deals (every workspace's) whose text contains the
    query, through pg_trgm's index, as one array (NULL: none) beside who asks: one row, always, where a row
    per hit cost the client 0.1-0.3 ms more to read (300 and 1,001 hits, measured)."""
    like = _OPP.c.search_text.like(sa.bindparam("query", type_=sa.String), escape="\\")
    hits = sa.select(_OPP.c.id).where(like).limit(sa.literal_column(str(FEW_HITS + 1), sa.Integer)).subquery("hits")
    return sa.select(sa.select(sa.func.array_agg(hits.c.id)).scalar_subquery(), *role_columns(_TEAM, _USER))


_FEW = {scope: PreparedQuery(_few_statement(scope)) for scope in (REP, MANAGER, ADMIN)}
_WALK = PreparedQuery(_walk_statement)
_OWNER_WALK = PreparedQuery(_owner_walk_statement)
_TEAM_WALK = PreparedQuery(_team_walk_statement)
_FTS_PROBE = PreparedQuery(
    fts_probe_statement(RecordType.OPPORTUNITY, FEW_HITS + 1).add_columns(*role_columns(_TEAM, _USER))
)
_PG_PROBE = PreparedQuery(_pg_probe_statement())


def scope_of(viewer: Viewer) -> str:
    return ADMIN if viewer.is_admin else MANAGER if viewer.role == MANAGER else REP


def search_summaries(reader: Reader, *, viewer: Viewer, folded: str, limit: int) -> list[OpportunitySummary]:
    """The first `limit` (at most PAGE) deals the viewer may see whose folded text contains `folded`, in
    display order, outside the ORM: `/opp TEXT` of reps, managers and admins. A text of MIN_TRIGRAM
    characters or more first probes the text index: no hit, none; up to FEW_HITS, those read and sorted;
    more (or a shorter text), a walk of the viewer's deals in display order stopping at the page."""
    values = _values(reader, viewer.team_id, viewer.user_id, folded, limit)
    probed = _probe(reader, values) if "query" in values else None
    return [summary(row) for row in _answer(reader, viewer, values, probed)]


class SearchPage(NamedTuple):
    """`/opp TEXT`'s page: the hits in display order, and whether any of them has a sales order."""

    hits: list[OpportunitySummary]
    ordered: bool


def search_for(reader: Reader, *, asker: Asker, folded: str, limit: int) -> SearchPage:
    """`search_summaries` for who asks, their role read by the text probe itself (`role_columns` on its
    one row): a statement less for every search. A text too short for the index reads the role first.
    Whether the hits have orders comes with them (`_ordered`)."""
    values = _values(reader, asker.team_id, asker.user_id, folded, limit)
    if "query" not in values:
        viewer = read_viewer(reader, team_id=asker.team_id, user_id=asker.user_id, admin_ids=asker.admin_ids)
        return _page(_answer(reader, viewer, values, None))
    rows = _probe_rows(reader, values)
    viewer = viewer_of_role(reader, asker, rows[0][-2:])
    return _page(_answer(reader, viewer, values, _probed(reader, values, rows)))


def _page(rows: list[tuple[Any, ...]]) -> SearchPage:
    return SearchPage([summary(row) for row in rows], any(row[_ORDERED] for row in rows))


def _values(reader: Reader, team: str, user: str, folded: str, limit: int) -> dict[str, Any]:
    """The statements' bound values; `query` only for a text long enough for the text index."""
    if not 0 < limit <= PAGE:
        raise ValueError(f"a search page holds 1 to {PAGE} deals, not {limit}")
    values: dict[str, Any] = {"team": team, "user": user, "limit": limit, "text": folded}
    if len(folded) >= MIN_TRIGRAM:
        values["query"] = query_value(reader.dialect.name, folded)
    return values


def _answer(reader: Reader, viewer: Viewer, values: dict[str, Any], probed: int | None) -> list[tuple[Any, ...]]:
    """The rows (`_WALKED`) of the viewer's page by the plan the probe chose (None: no probe, a walk)."""
    if probed == 0:
        return []
    scope = scope_of(viewer)
    if scope == MANAGER:
        values["owners"] = bound_list(reader.dialect, sorted(viewer.owners_in_scope))
    if probed is not None and probed <= FEW_HITS:
        return reader.all(_FEW[scope], values)
    return _walk(reader, scope, viewer, values)


def _probe(reader: Reader, values: dict[str, Any]) -> int:
    """How many deals of every workspace contain the query, counting up to FEW_HITS + 1 (PostgreSQL:
    their ids are kept in `values` for the few-hits statement)."""
    return _probed(reader, values, _probe_rows(reader, values))


def _probe_rows(reader: Reader, values: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The probe's one row, ending with who asks (`role_columns`): SQLite's count first, PostgreSQL's
    array of the hits' ids. PostgreSQL plans the probe for its text (`all_inlined`, whatever
    the connection's plan mode), as `plan_cache_mode = auto` did at every execution: its best plan depends
    on how common the text is (store/leads.py's probe: a text in a sixth of the rows is found sooner by
    reading the table)."""
    if reader.dialect.name == "sqlite":
        return reader.all(_FTS_PROBE, values)
    return reader.all_inlined(_PG_PROBE, values)


def _probed(reader: Reader, values: dict[str, Any], rows: list[tuple[Any, ...]]) -> int:
    """The probe's count from its row (PostgreSQL: the hits' ids kept in `values`)."""
    if reader.dialect.name == "sqlite":
        return int(rows[0][0])
    values["ids"] = rows[0][0] or []
    return len(values["ids"])


def _walk(reader: Reader, scope: str, viewer: Viewer, values: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The page of a walk: the workspace's (admin), or the viewer's own and shared deals and (manager)
    each rep's, merged in display order."""
    if scope == ADMIN:
        return reader.all(_TEAM_WALK, values)[: values["limit"]]
    rows = reader.all(_WALK, values)
    if scope == REP:
        return rows
    for rep in sorted(viewer.reps - {viewer.user_id}):
        rows += reader.all(_OWNER_WALK, {**values, "user": rep})
    unique = {row[0]: row for row in rows}
    # closed first-last, then updated_at and id descending: reversed order of (not closed, updated, id).
    ordered = sorted(unique.values(), key=lambda row: (not row[-2], row[-1], row[0]), reverse=True)
    return ordered[: values["limit"]]


@functools.cache
def plans() -> dict[str, PreparedQuery]:
    """The statements by name, for the plan tests (tests/store/)."""
    return {"few": _FEW[REP], "few_manager": _FEW[MANAGER], "few_admin": _FEW[ADMIN], "walk": _WALK,
            "owner_walk": _OWNER_WALK, "team_walk": _TEAM_WALK, "fts_probe": _FTS_PROBE, "pg_probe": _PG_PROBE,
            "open_page": _OPEN_PAGE, "by_ids": _BY_IDS}  # fmt: skip
