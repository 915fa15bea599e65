"""Substring search over the folded `search_text` of leads and opportunities, served by a text index.

SQLite: an FTS5 table with the trigram tokenizer per searched table (`lead_fts`, `opportunity_fts`,
external content kept in step by triggers; migration 0007_list_indexes). A phrase query of three or
more characters matches exactly the rows `search_text LIKE '%query%'` matches, but reads the index
instead of every row. Shorter queries have no trigram and fall back to LIKE.

PostgreSQL: a GIN `pg_trgm` index on `search_text` serves the LIKE itself, so the condition stays LIKE.

The folded query (`bot.domain.text.fold`) is case- and accent-free, like the stored text.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.access import Viewer, visible, visible_in_team
from store.unindexed import Unindexed

Condition = sa.ColumnElement[bool]

FTS_TABLES = {"lead": "lead_fts", "opportunity": "opportunity_fts"}
# Indexes outside the models: pg_trgm's GIN indexes, and SQLite's expression index a rep's search walks
# (migrations 0015-0018, lead and opportunity; SQLAlchemy's model comparison does not compare expression indexes).
TRIGRAM_INDEXES = frozenset(
    {"ix_lead_search_trgm", "ix_opportunity_search_trgm", "ix_lead_owner_search", "ix_opportunity_owner_search",
     "ix_opportunity_team_search", "ix_lead_owner_search_long", "ix_opportunity_owner_search_long"}
)  # fmt: skip
MIN_TRIGRAM = 3
# PostgreSQL: a search walk's index holds the texts of at most this many bytes (a B-tree entry holds at
# most 2,704; migrations 0020_search_covering_walks for leads, 0022_pg_opportunity_search_walk for
# opportunities); a walk states it to read that partial index.
INDEXED_TEXT_BYTES = 2000


def text_in_index(table: Any, indexed: bool) -> Condition:
    """PostgreSQL: the row's search_text is (`indexed`) or is not short enough for the walk's index."""
    size = sa.func.octet_length(table.c.search_text)
    bound = sa.literal_column(str(INDEXED_TEXT_BYTES), sa.Integer)  # literal: the partial index's predicate
    return size <= bound if indexed else size > bound


def visible_matches(session: Session, model: Any, record_type: str, viewer: Viewer, folded: str) -> Condition:
    """Rows of `model` the viewer may see (store.access.visible) whose search_text contains the
    folded query. On SQLite the text index drives: the workspace test is written `+lead.team_id = ?`,
    which SQLite may not serve from an index, else (without ANALYZE statistics) it scans the whole
    workspace through `ix_lead_owner_recent` and tests each row against the hits (47 ms instead of
    15 ms for a term in 1,000 of 10,000 leads)."""
    table = model.__tablename__
    if session.get_bind().dialect.name == "sqlite" and len(folded) >= MIN_TRIGRAM and table in FTS_TABLES:
        fts = FTS_TABLES[table]
        phrase = '"' + folded.replace('"', '""') + '"'
        match = sa.text(f"{fts} MATCH :phrase").bindparams(phrase=phrase)
        hits = col(model.id).in_(sa.select(sa.literal_column("rowid")).select_from(sa.table(fts)).where(match))
        in_team = sa.literal_column(f"+{table}.team_id", sa.String) == viewer.team_id
        return sa.and_(hits, in_team, visible_in_team(model, record_type, viewer))
    like = col(model.search_text).like(like_pattern(folded), escape="\\")
    return sa.and_(visible(model, record_type, viewer), like)


def text_match(dialect: str, record_type: str, table: Any, team: Any, query: Any) -> Condition:
    """`visible_matches`' text condition on a Core table with the workspace and query as expressions:
    on SQLite the FTS5 hits (query: a phrase, `query_value`) in the workspace, else LIKE (a pattern)."""
    if dialect == "sqlite":
        fts = FTS_TABLES[record_type]
        hits: sa.Select[Any] = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.table(fts))
            .where(sa.literal_column(fts).op("MATCH")(query))
        )
        return sa.and_(table.c.id.in_(hits), Unindexed(table.c.team_id) == team)
    return sa.and_(table.c.team_id == team, table.c.search_text.like(query, escape="\\"))


def fts_hits(record_type: str, cap: int) -> sa.Select[Any]:
    """SQLite: the rowids (as `id`, of every workspace) the FTS5 phrase `query` matches, in rowid order,
    no more than `cap`: the index answers this without reading the rows."""
    fts = FTS_TABLES[record_type]
    return (
        sa.select(sa.literal_column("rowid").label("id"))
        .select_from(sa.table(fts))
        .where(sa.literal_column(fts).op("MATCH")(sa.bindparam("query", type_=sa.String)))
        .limit(cap)
    )


def fts_probe_statement(record_type: str, cap: int) -> sa.Select[Any]:
    """SQLite: how many rows (of every workspace) the FTS5 phrase `query` matches, counting no further
    than `cap` (`fts_hits`)."""
    return sa.select(sa.func.count()).select_from(fts_hits(record_type, cap).subquery())


def query_value(dialect: str, folded: str) -> str:
    """The bound value of `text_match`'s query for a folded query of MIN_TRIGRAM characters or more."""
    return '"' + folded.replace('"', '""') + '"' if dialect == "sqlite" else like_pattern(folded)


def contains_text(dialect: str, column: Any, text: Any) -> Condition:
    """A walk's per-row test that `column` contains the bound `text` (`contains_value` makes its value):
    a function on PostgreSQL (`strpos`), so pg_trgm's index is not chosen over the walk. SQLite: GLOB,
    case-sensitive as the folded text is, which skips to the pattern's first character with `strcspn`
    where `instr` steps through every character (a fifth of a 101-hit walk's instructions, measured).
    The pattern is a CAST, not the bound parameter itself: SQLite re-prepares a statement at every new
    binding of a parameter that is a LIKE or GLOB pattern (its LIKE optimization looks at the value)."""
    if dialect == "sqlite":
        return column.op("GLOB")(sa.cast(text, sa.Text))  # type: ignore[no-any-return]
    return sa.func.strpos(column, text) > 0


def contains_value(dialect: str, folded: str) -> str:
    """The bound value of `contains_text` for a folded query: on SQLite a GLOB pattern matching it
    anywhere (its wildcards `*`, `?` and `[` bracketed; `]` and `^` are literal outside brackets)."""
    if dialect != "sqlite":
        return folded
    return "*" + folded.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]") + "*"


def like_pattern(folded: str) -> str:
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def is_text_index(name: str | None) -> bool:
    """Schema objects the text search adds outside the models (FTS5 tables and their shadow tables,
    trigram indexes): the model/migration comparison leaves them out."""
    if not name:
        return False
    return name in TRIGRAM_INDEXES or any(name == t or name.startswith(t + "_") for t in FTS_TABLES.values())


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic `include_object` hook: compare everything but the text indexes."""
    return not (reflected and is_text_index(name))


def load_in_order(session: Session, model: Any, ids: list[int]) -> list[Any]:
    """The rows of `model` with these ids, in this order: a search sorts its hits on two columns
    and only then loads the page's full rows (half the time of sorting full rows, measured)."""
    if not ids:
        return []
    rows = {row.id: row for row in session.exec(select(model).where(col(model.id).in_(ids)))}
    return [rows[i] for i in ids if i in rows]
