"""channel alerts and deal rooms: subscriptions, the alert planner's cursor, the wins and leads channels, deal rooms

Revision ID: 0009_channel_alerts
Revises: 0008_quotes
Create Date: 2026-12-06 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0009_channel_alerts"
down_revision: str | None = "0008_quotes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "alert_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", _text(32), nullable=False),
        sa.Column("channel_id", _text(32), nullable=False),
        sa.Column("event", _text(32), nullable=False),
        sa.Column("min_revenue", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("owner_id", _text(32), nullable=False),
        sa.Column("team_name", _text(100), nullable=False),
        sa.Column("process_name", _text(100), nullable=False),
        sa.Column("lead_source", _text(100), nullable=False),
        sa.Column("delivery", _text(8), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=True),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("paused_reason", _text(200), nullable=False),
        sa.Column("created_by", _text(32), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscription")),
    )
    with op.batch_alter_table("alert_subscription", schema=None) as batch_op:
        batch_op.create_index("ix_alert_subscription_team_channel", ["team_id", "channel_id"], unique=False)
    op.create_table(
        "alert_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", _text(32), nullable=False),
        sa.Column("source", _text(32), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_cursor")),
        sa.UniqueConstraint("team_id", "source", name=op.f("uq_alert_cursor_team_id_source")),
    )
    op.create_table(
        "workspace_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", _text(32), nullable=False),
        sa.Column("purpose", _text(16), nullable=False),
        sa.Column("channel_id", _text(32), nullable=False),
        sa.Column("set_by", _text(32), nullable=False),
        sa.Column("updated_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_channel")),
        sa.UniqueConstraint("team_id", "purpose", name=op.f("uq_workspace_channel_team_id_purpose")),
    )
    op.create_table(
        "deal_room",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", _text(32), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", _text(32), nullable=False),
        sa.Column("name", _text(80), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("created_by", _text(32), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_room")),
    )
    with op.batch_alter_table("deal_room", schema=None) as batch_op:
        batch_op.create_index("ix_deal_room_opportunity", ["team_id", "opportunity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deal_room", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_room_opportunity")
    op.drop_table("deal_room")
    op.drop_table("workspace_channel")
    op.drop_table("alert_cursor")
    with op.batch_alter_table("alert_subscription", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_subscription_team_channel")
    op.drop_table("alert_subscription")
