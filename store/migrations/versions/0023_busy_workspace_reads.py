"""Indexes for reads that scanned a busy workspace: a card's posted copies, a contact's records, the sequences'
enrollment counts, whether a channel is a deal room

Measured with bench/busy_rep.py (1M opportunities, 200,000 posted cards):
- ix_post_record (team_id, record_type, record_id): every card click refreshes the record's posted copies
  (`posts_of`); with only the unique (team_id, channel, ts) index it read every post of the workspace;
- ix_opportunity_contact (team_id, contact_id) and ix_stakeholder_contact (team_id, contact_id): a contact's
  card and `Delete` read the deals it is the contact of (every opportunity of the workspace was read) and
  the stakeholder rows linked to it;
- ix_enrollment_team_status_sequence (team_id, status, sequence_id): `/sequence`'s count of each
  sequence's active records, counted from the index alone;
- ix_deal_room_channel (team_id, channel_id): every message in a channel the bot is in asks whether the
  channel is a deal room (`room_in_channel`), which read every room of the workspace, archived ones too.

Revision ID: 0023_busy_workspace_reads
Revises: 0022_pg_opportunity_search_walk
Create Date: 2026-12-07 12:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023_busy_workspace_reads"
down_revision: str | None = "0022_pg_opportunity_search_walk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_post_record", "post", ["team_id", "record_type", "record_id"]),
    ("ix_opportunity_contact", "opportunity", ["team_id", "contact_id"]),
    ("ix_stakeholder_contact", "stakeholder", ["team_id", "contact_id"]),
    ("ix_enrollment_team_status_sequence", "enrollment", ["team_id", "status", "sequence_id"]),
    ("ix_deal_room_channel", "deal_room", ["team_id", "channel_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
