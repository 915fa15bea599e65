"""routing: round-robin turns, leads-channel claims, API tokens, idempotency keys, rate counters; lead.origin

Revision ID: 0012_routing
Revises: 0011_admin_catalog
Create Date: 2026-12-06 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0012_routing"
down_revision: str | None = "0011_admin_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTER TABLE on SQLite too: a batch copy would drop the lead text index's triggers
    op.add_column("lead", sa.Column("origin", sa.String(length=120), nullable=False, server_default=""))
    op.create_table(
        "routing_turn",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "key", name=op.f("pk_routing_turn")),
    )
    op.create_table(
        "lead_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("claimed_by", sa.String(length=32), nullable=False),
        sa.Column("claimed_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_claim")),
        sa.UniqueConstraint("team_id", "lead_id", name=op.f("uq_lead_claim_team_id_lead_id")),
    )
    op.create_index("ix_lead_claim_unclaimed", "lead_claim", ["team_id", "claimed_by", "created_at"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("public_id", name=op.f("uq_api_token_public_id")),
    )
    op.create_index("ix_api_token_team", "api_token", ["team_id"])
    op.create_table(
        "api_idempotency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency")),
        sa.UniqueConstraint("token_id", "key", name=op.f("uq_api_idempotency_token_id_key")),
    )
    op.create_table(
        "api_rate",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", "window", name=op.f("pk_api_rate")),
    )


def downgrade() -> None:
    op.drop_table("api_rate")
    op.drop_table("api_idempotency")
    op.drop_index("ix_api_token_team", table_name="api_token")
    op.drop_table("api_token")
    op.drop_index("ix_lead_claim_unclaimed", table_name="lead_claim")
    op.drop_table("lead_claim")
    op.drop_table("routing_turn")
    op.drop_column("lead", "origin")
