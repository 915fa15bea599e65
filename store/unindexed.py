"""A workspace condition no index serves on SQLite, for reads by primary key in ORM statements.

With `team_id = ? AND id IN (?, ?, …)`, SQLite 3.40's planner takes the first index that starts with
`team_id` (at 1M opportunities: every row of the workspace read, 0.6 s) instead of the primary key, which a
single id or literal ids do get. Written `+team_id` on SQLite (store.prepared.unindexed_team does the same
for prepared reads), the condition only filters what the primary key finds; other databases get the column
as it is (PostgreSQL plans an id list by its primary key)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class Unindexed(ColumnElement[Any]):
    """`column`, written so that no index serves it on SQLite."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(Unindexed)
def _as_is(element: Unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(Unindexed, "sqlite")
def _unary_plus(element: Unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))


def in_team_by_ids(model: Any, team_id: str, ids: Collection[int]) -> ColumnElement[bool]:
    """`model` rows of the workspace with these ids, found by primary key on every database."""
    return sa.and_(model.id.in_(list(ids)), Unindexed(model.team_id) == team_id)
