"""search walks from the index alone on PostgreSQL: the text in ix_lead_owner_search

PostgreSQL only (SQLite's ix_lead_owner_search holds the text since 0015_search_index). `/lead TEXT` for a
text in many leads walks the rep's leads in display order and tests each one's `search_text`
(store/leads.py, `_walk_statement`). Without the text in the index (0016_pg_search_index) every lead
walked is read from the table: ~1 µs each, 0.5-0.9 ms for a walk to 101 hits of 10,000 leads. With
`status` and `search_text` as INCLUDE columns the walk is an index-only scan (0.23-0.36 ms, measured).

A B-tree entry holds at most 2,704 bytes and `search_text` up to 1,200 characters (3,600+ bytes of
UTF-8), so the index holds only the leads whose text has at most TEXT_BYTES bytes (the partial index's
predicate, which the walk repeats to use it); the others, in practice none, are walked along
ix_lead_owner_search_long in the same order, their text read from the table.

Revision ID: 0020_search_covering_walks
Revises: 0019_home_indexes
Create Date: 2026-12-07 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_search_covering_walks"
down_revision: str | None = "0019_home_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIALECTS = frozenset({"postgresql"})  # a no-op on SQLite (tests/store/test_migrations.py reads this)
TEXT_BYTES = 2000  # store.text_search.INDEXED_TEXT_BYTES: what the queries repeat
KEYS = "team_id, owner_id, (status <> 'open'), updated_at DESC, id DESC"


def upgrade() -> None:
    if op.get_bind().dialect.name in DIALECTS:
        op.execute("DROP INDEX IF EXISTS ix_lead_owner_search")
        op.execute(
            f"CREATE INDEX ix_lead_owner_search ON lead ({KEYS}) INCLUDE (status, search_text) "
            f"WHERE octet_length(search_text) <= {TEXT_BYTES}"
        )
        op.execute(
            f"CREATE INDEX ix_lead_owner_search_long ON lead ({KEYS}) WHERE octet_length(search_text) > {TEXT_BYTES}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name in DIALECTS:
        op.execute("DROP INDEX IF EXISTS ix_lead_owner_search_long")
        op.execute("DROP INDEX IF EXISTS ix_lead_owner_search")
        op.execute(f"CREATE INDEX ix_lead_owner_search ON lead ({KEYS})")
