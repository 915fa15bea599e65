"""Counts beside a list: capped, so a count never reads more of a user's rows than COUNT_CAP + 1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

# A list says "1,000+" beyond this. Counting reads one index entry per row: 7,000 open leads of one
# rep cost 3.3 ms to count on SQLite, 20 page rows 0.4 ms (bench/ack_vs_bolt.py); 1,001 about 0.5 ms.
COUNT_CAP = 1_000
# A search says "100+" beyond this: its count reads every hit it counts (a text test per lead), and a
# search with more hits than one screen asks to be narrowed down whether there are 101 or 1,000.
SEARCH_COUNT_CAP = 100


def capped_count_statement(query: sa.Select[Any], cap: int = COUNT_CAP) -> sa.Select[Any]:
    """SELECT count(*) of at most cap + 1 rows of `query`."""
    return sa.select(sa.func.count()).select_from(query.limit(cap + 1).subquery())


def capped_count(session: Session, query: sa.Select[Any], cap: int = COUNT_CAP) -> int:
    """How many rows `query` returns, reading at most cap + 1 of them (an index-only read when
    an index covers its filter)."""
    return int(session.execute(capped_count_statement(query, cap)).scalar_one())


def counted_page(
    session: Session, query: Any, *order: Any, limit: int, keep: Callable[[Any], bool] | None = None
) -> tuple[list[Any], int]:
    """The first `limit` objects of the ORM `query` in `order` (its last column the id: also what is counted),
    those `keep` accepts when given, and how many there are: a short page counts itself, a full one is
    counted with the cap (a user with hundreds of rows reads `limit` of them)."""
    page = list(session.exec(query.order_by(*order).limit(limit)))
    if keep is not None:
        page = [row for row in page if keep(row)]
    if len(page) < limit:
        return page, len(page)
    return page, capped_count(session, query.with_only_columns(order[-1]))
