"""The records the "Log message to…" picker offers: a viewer's first RECENT leads and opportunities in
display order (open first, then the most recently updated, then the newest), outside the ORM
(store/prepared.py). Each walk follows an index in that order and stops at RECENT rows: the owner's along
ix_lead_owner_search / ix_opportunity_owner_search, an admin's opportunities along
ix_opportunity_team_search; shared records (few) are read by id. Sorting everything a viewer may see
took 1.3 s for a rep owning 20,000 of a workspace's 1,000,000 opportunities and 3.3 s for an admin,
longer than a trigger_id lives."""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import sqlalchemy as sa

from store.access import Viewer, shared_ids
from store.kinds import RecordType
from store.models import Lead, Opportunity
from store.prepared import PreparedQuery, Reader, unindexed_team
from store.records import RecordTitle
from store.text_search import text_in_index

RECENT = 50  # a static select holds 100 options: 50 leads and 50 opportunities
_RECENT_ROWS = sa.literal_column(str(RECENT), sa.Integer)  # written into the SQL: plans rely on stopping early
_TEAM, _USER = sa.bindparam("team", type_=sa.String), sa.bindparam("user", type_=sa.String)


def _columns(table: Any, extra: str) -> tuple[Any, ...]:
    # `status <> 'open'` as the search indexes are built on it.
    return (table.c.id, table.c.topic, table.c[extra], _closed(table).label("closed"), table.c.updated_at)


def _closed(table: Any) -> Any:
    return table.c.status != sa.literal_column("'open'")


def _first(query: sa.Select[Any], table: Any) -> sa.Select[Any]:
    """`query`'s first RECENT rows in display order; drafts (leads) are never offered."""
    listed = query.where(table.c.status != sa.literal_column("'draft'"))
    return listed.order_by(_closed(table), table.c.updated_at.desc(), table.c.id.desc()).limit(_RECENT_ROWS)


def _shared_statement(table: Any, extra: str, record_type: str, dialect: str) -> sa.Select[Any]:
    """The records shared with the user (alone or through a sales team), read by id from the shares."""
    team = unindexed_team(table)
    ids = table.c.id.in_(shared_ids(record_type, _TEAM, _USER))
    return _first(sa.select(*_columns(table, extra)).where(ids, team == _TEAM, table.c.owner_id != _USER), table)


def _owner_statement(table: Any, extra: str, dialect: str) -> sa.Select[Any]:
    """One owner's records. PostgreSQL's ix_lead_owner_search and ix_opportunity_owner_search hold only the
    records whose text is short enough (migrations 0020 and 0022): those are walked along it, the others (in
    practice none) along ix_*_owner_search_long."""
    own = sa.select(*_columns(table, extra)).where(table.c.team_id == _TEAM, table.c.owner_id == _USER)
    if dialect == "sqlite":
        return _first(own, table)
    arms = [sa.select(_first(own.where(text_in_index(table, indexed)), table).subquery()) for indexed in (True, False)]
    both = sa.union_all(*arms).subquery()
    return sa.select(both).order_by(both.c.closed, both.c.updated_at.desc(), both.c.id.desc()).limit(_RECENT_ROWS)


class _Walks(NamedTuple):
    owner: PreparedQuery  # one owner's, along ix_*_owner_search
    team: PreparedQuery  # the workspace's (an admin's): ix_opportunity_team_search
    shared: PreparedQuery


def _walks(model: type[Lead] | type[Opportunity], record_type: str, extra: str) -> _Walks:
    table = model.__table__  # type: ignore[attr-defined, union-attr]
    owner = functools.partial(_owner_statement, table, extra)
    team = _first(sa.select(*_columns(table, extra)).where(table.c.team_id == _TEAM), table)
    shared = functools.partial(_shared_statement, table, extra, record_type)
    return _Walks(PreparedQuery(owner), PreparedQuery(team), PreparedQuery(shared))


_WALKS: dict[str, _Walks] = {
    RecordType.LEAD: _walks(Lead, RecordType.LEAD, "company"),
    RecordType.OPPORTUNITY: _walks(Opportunity, RecordType.OPPORTUNITY, "account_name"),
}


def recent_titles(reader: Reader, *, viewer: Viewer, record_type: str) -> list[RecordTitle]:
    """The viewer's first RECENT records of this type in display order: an admin's of the workspace; a
    rep's own and shared ones; a manager's also each rep's."""
    walks, values = _WALKS[record_type], {"team": viewer.team_id, "user": viewer.user_id}
    if viewer.is_admin:
        rows = reader.all(walks.team, values)
    else:
        rows = reader.all(walks.owner, values) + reader.all(walks.shared, values)
        for rep in sorted(viewer.reps - {viewer.user_id}):
            rows += reader.all(walks.owner, {**values, "user": rep})
    unique = {row[0]: row for row in rows}
    # open (closed false) first, then updated_at and id descending: the reverse of (not closed, updated, id).
    ordered = sorted(unique.values(), key=lambda row: (not row[3], row[4], row[0]), reverse=True)
    return [RecordTitle(record_type, row[0], row[1], row[2] or "") for row in ordered[:RECENT]]
