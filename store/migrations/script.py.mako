"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


# On SQLite, op.batch_alter_table rebuilds a table and drops its triggers: for lead, opportunity, task,
# owner_count and pipeline_month use store.schema_triggers.batch_alter_table_keeping_triggers(op, table)
# (docs/architecture.md, "Where to add… a migration").


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
