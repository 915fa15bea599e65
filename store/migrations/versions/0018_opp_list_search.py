"""opp list and search indexes: `/opp list` from one index, `/opp TEXT` of an admin in display order

`/opp list` groups a rep's first 200 open deals by stage (count and money per stage) and shows 40 of
them: ix_opportunity_owner_close now also holds the stage, process, revenue and currency, so the 200
are read from the index alone and only the 40 shown are read from the table (store/opportunity_lists.py,
`open_summaries`; 0.6 ms of row reads per list at 1M opportunities before).

`/opp TEXT` of an admin (who sees the whole workspace) for a text in many deals, or a text too short for
the text index, walks the workspace's deals in display order (open first, then most recently updated,
then newest) and stops at the page: ix_opportunity_team_search, the workspace-wide sibling of
ix_opportunity_owner_search (0017_opportunity_search_index; SQLite with `status` and `search_text` in
it, PostgreSQL without the text). Expression indexes are not reflected by SQLAlchemy: a later migration
rebuilding `opportunity` with `batch_alter_table` on SQLite must create it again.

Revision ID: 0018_opp_list_search
Revises: 0017_opportunity_search_index
Create Date: 2026-12-06 23:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_opp_list_search"
down_revision: str | None = "0017_opportunity_search_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIST_BEFORE = ["team_id", "owner_id", "status", "estimated_close_date", "id"]
LIST_NOW = [*LIST_BEFORE, "stage", "process_name", "estimated_revenue", "currency"]
TEAM_SEARCH = {
    "sqlite": "team_id, status <> 'open', updated_at DESC, id DESC, status, search_text",
    "postgresql": "team_id, (status <> 'open'), updated_at DESC, id DESC",
}


def upgrade() -> None:
    op.drop_index("ix_opportunity_owner_close", table_name="opportunity")
    op.create_index("ix_opportunity_owner_close", "opportunity", LIST_NOW)
    columns = TEAM_SEARCH.get(op.get_bind().dialect.name)
    if columns:
        op.execute(f"CREATE INDEX ix_opportunity_team_search ON opportunity ({columns})")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_opportunity_team_search")
    op.drop_index("ix_opportunity_owner_close", table_name="opportunity")
    op.create_index("ix_opportunity_owner_close", "opportunity", LIST_BEFORE)
