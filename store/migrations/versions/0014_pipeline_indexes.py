"""pipeline indexes: won revenue of the whole workspace by close date, read from an index alone

`ix_opportunity_won` starts (team_id, status, owner_id, …), so everyone's won revenue of a period read
every won opportunity of the workspace and filtered the dates (40k of 120k index entries for a year at
1M opportunities; on PostgreSQL through the table, 0.5 s). `ix_opportunity_won_team` has owner_id last
instead (a team's IN list can be read from it alone too, as from ix_opportunity_pipeline_team). On
PostgreSQL both carry the id (INCLUDE), which the join to the sales orders needs, so both are read by
index-only scans; SQLite's indexes hold the row id anyway.

Revision ID: 0014_pipeline_indexes
Revises: 0013_oauth_installations
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_pipeline_indexes"
down_revision: str | None = "0013_oauth_installations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WON_OWNER = ["team_id", "status", "owner_id", "actual_close_date", "currency", "actual_revenue"]
WON_TEAM = ["team_id", "status", "actual_close_date", "currency", "actual_revenue", "owner_id"]


def upgrade() -> None:
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        if op.get_bind().dialect.name == "postgresql":
            batch_op.drop_index("ix_opportunity_won")
            batch_op.create_index("ix_opportunity_won", WON_OWNER, postgresql_include=["id"])
        batch_op.create_index("ix_opportunity_won_team", WON_TEAM, postgresql_include=["id"])


def downgrade() -> None:
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunity_won_team")
        if op.get_bind().dialect.name == "postgresql":
            batch_op.drop_index("ix_opportunity_won")
            batch_op.create_index("ix_opportunity_won", WON_OWNER)
