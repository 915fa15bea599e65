"""App Home indexes: a rep's expired quotes and the workspace's scheduled appointments by start

App Home probes whether it has anything to show before reading ORM objects (store/quotes.any_for_home,
store/tasks.queue_may_have). Without these two indexes both probes, and the reads behind them
(`expired_of`, `appointments_between`), scan every quote or appointment of the workspace:
- ix_quote_owner_status_valid (team_id, owner_id, status, valid_until): an owner's Active quotes past
  their validity, in `expired_of`'s order;
- ix_appointment_team_status_start (team_id, status, start_at): the scheduled appointments of the work
  queue's window (attendees are only known in the rows), in `appointments_between`'s order.

Revision ID: 0019_home_indexes
Revises: 0018_opp_list_search
Create Date: 2026-12-06 23:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_home_indexes"
down_revision: str | None = "0018_opp_list_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_quote_owner_status_valid", "quote", ["team_id", "owner_id", "status", "valid_until"])
    op.create_index("ix_appointment_team_status_start", "appointment", ["team_id", "status", "start_at"])


def downgrade() -> None:
    op.drop_index("ix_appointment_team_status_start", table_name="appointment")
    op.drop_index("ix_quote_owner_status_valid", table_name="quote")
