"""search index: a rep's leads in a search's display order, with the text each is searched by

SQLite only. `/lead TEXT` for a text in many leads walks the rep's leads in display order (open first,
then most recently updated) and tests each entry's `search_text` in the index itself, stopping at the
count's cap (store/leads.py, `_walk_statement`), instead of reading and sorting every hit the FTS5 index
finds. The order's first key is the expression `status <> 'open'`, which the query writes literally.
PostgreSQL gets its own (0016_pg_search_index: the text cannot go into a B-tree there).

A later migration that rebuilds `lead` with `batch_alter_table` on SQLite must create this index again:
SQLAlchemy does not reflect expression indexes, so the copy would go without it (tests/store/
test_list_queries.py checks the plan at head).

Revision ID: 0015_search_index
Revises: 0014_pipeline_indexes
Create Date: 2026-12-06 17:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_search_index"
down_revision: str | None = "0014_pipeline_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
DIALECTS = frozenset({"sqlite"})  # a no-op on PostgreSQL (tests/store/test_migrations.py reads this)


def upgrade() -> None:
    if op.get_bind().dialect.name in DIALECTS:
        op.execute(
            "CREATE INDEX ix_lead_owner_search ON lead "
            "(team_id, owner_id, status <> 'open', updated_at DESC, id DESC, status, search_text)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name in DIALECTS:
        op.execute("DROP INDEX IF EXISTS ix_lead_owner_search")
