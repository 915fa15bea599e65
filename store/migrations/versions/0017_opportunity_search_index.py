"""opportunity search index: a rep's deals in a search's display order

`/opp TEXT` for a text in many deals walks the rep's opportunities in display order (open first, then
most recently updated, then newest) and stops at the count's cap (store/opportunity_lists.py,
`_walk_statement`), as `/lead TEXT` does with ix_lead_owner_search (0015 on SQLite, 0016 on PostgreSQL).
SQLite: with `status` and `search_text` in the index, so the text is tested in the index itself.
PostgreSQL: without `search_text` (up to 1,200 characters can exceed a B-tree entry's 2,704 bytes).
The order's first key is the expression `status <> 'open'`, which the query writes literally.

A later migration that rebuilds `opportunity` with `batch_alter_table` on SQLite must create this index
again: SQLAlchemy does not reflect expression indexes (tests/store/test_opportunity_lists.py checks
the plan at head).

Revision ID: 0017_opportunity_search_index
Revises: 0016_pg_search_index
Create Date: 2026-12-06 20:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_opportunity_search_index"
down_revision: str | None = "0016_pg_search_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "sqlite": "team_id, owner_id, status <> 'open', updated_at DESC, id DESC, status, search_text",
    "postgresql": "team_id, owner_id, (status <> 'open'), updated_at DESC, id DESC",
}


def upgrade() -> None:
    columns = COLUMNS.get(op.get_bind().dialect.name)
    if columns:
        op.execute(f"CREATE INDEX ix_opportunity_owner_search ON opportunity ({columns})")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_opportunity_owner_search")
