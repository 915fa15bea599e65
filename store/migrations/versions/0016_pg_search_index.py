"""search index on PostgreSQL: a rep's leads in a search's display order

PostgreSQL only (SQLite has its own, with the text in it: 0015_search_index). `/lead TEXT` for a text in
many leads walks the rep's leads in display order (open first, then most recently updated), reading
each lead's `search_text` from the table and stopping at the count's cap (store/leads.py,
`_walk_statement`), instead of reading and sorting every hit the pg_trgm index finds. `search_text`
is not in the index: up to 1,200 characters can exceed a B-tree entry's 2,704 bytes. The order's
first key is the expression `status <> 'open'`, which the query writes literally.

Revision ID: 0016_pg_search_index
Revises: 0015_search_index
Create Date: 2026-12-06 18:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_pg_search_index"
down_revision: str | None = "0015_search_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
DIALECTS = frozenset({"postgresql"})  # a no-op on SQLite (tests/store/test_migrations.py reads this)


def upgrade() -> None:
    if op.get_bind().dialect.name in DIALECTS:
        op.execute(
            "CREATE INDEX ix_lead_owner_search ON lead "
            "(team_id, owner_id, (status <> 'open'), updated_at DESC, id DESC)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name in DIALECTS:
        op.execute("DROP INDEX IF EXISTS ix_lead_owner_search")
