"""`/opp TEXT`'s walk from the index alone on PostgreSQL: the text in ix_opportunity_owner_search

PostgreSQL only (SQLite's ix_opportunity_owner_search holds the text since 0017_opportunity_search_index).
`/opp TEXT` for a text in many deals walks the rep's deals in display order and tests each one's
`search_text` (store/opportunity_lists.py, `_walk_statement`). Without the text in the index (0017) every
deal walked was read from the table: 1.07 ms of backend CPU for a walk to 10 hits of ~20,000 deals
(ninth session, branch `pgacks`). With `status` and `search_text` as INCLUDE columns the walk is an
index-only scan, as 0020_search_covering_walks made `/lead TEXT`'s.

As there, a B-tree entry holds at most 2,704 bytes and `search_text` up to 1,200 characters (3,600+ bytes
of UTF-8): the index holds only the deals whose text has at most TEXT_BYTES bytes (the partial index's
predicate, which every walk along it repeats: store.text_search.text_in_index); the others, in practice
none, are walked along ix_opportunity_owner_search_long in the same order, their text read from the table.
The "Log message to…" picker (store/recent_records.py) walks the same two indexes.

Revision ID: 0022_pg_opportunity_search_walk
Revises: 0021_pipeline_month
Create Date: 2026-12-07 09:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_pg_opportunity_search_walk"
down_revision: str | None = "0021_pipeline_month"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIALECTS = frozenset({"postgresql"})  # a no-op on SQLite (tests/store/test_migrations.py reads this)
TEXT_BYTES = 2000  # store.text_search.INDEXED_TEXT_BYTES: what the queries repeat
KEYS = "team_id, owner_id, (status <> 'open'), updated_at DESC, id DESC"


def upgrade() -> None:
    if op.get_bind().dialect.name in DIALECTS:
        op.execute("DROP INDEX IF EXISTS ix_opportunity_owner_search")
        op.execute(
            f"CREATE INDEX ix_opportunity_owner_search ON opportunity ({KEYS}) INCLUDE (status, search_text) "
            f"WHERE octet_length(search_text) <= {TEXT_BYTES}"
        )
        op.execute(
            f"CREATE INDEX ix_opportunity_owner_search_long ON opportunity ({KEYS}) "
            f"WHERE octet_length(search_text) > {TEXT_BYTES}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name in DIALECTS:
        op.execute("DROP INDEX IF EXISTS ix_opportunity_owner_search_long")
        op.execute("DROP INDEX IF EXISTS ix_opportunity_owner_search")
        op.execute(f"CREATE INDEX ix_opportunity_owner_search ON opportunity ({KEYS})")
