"""list indexes and text search indexes

Lists read in index order with a capped count: a lead owner's open leads by update time, an
opportunity owner's open opportunities by estimated close date. Searches read a text index:
FTS5 trigram tables kept in step by triggers on SQLite, pg_trgm GIN indexes on PostgreSQL
(store/text_search.py).

Revision ID: 0007_list_indexes
Revises: 0006_teams_tasks
Create Date: 2026-12-06 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_list_indexes"
down_revision: str | None = "0006_teams_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = ("lead", "opportunity")


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_team_owner_status")
        batch_op.create_index("ix_lead_owner_recent", ["team_id", "owner_id", "status", "updated_at", "id"])
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opportunity_owner_close", ["team_id", "owner_id", "status", "estimated_close_date", "id"]
        )
    if op.get_bind().dialect.name == "sqlite":
        for table in SEARCHED:
            _create_fts(table)
    elif op.get_bind().dialect.name == "postgresql":
        schema = _trigram_schema()
        for table in SEARCHED:
            op.execute(f"CREATE INDEX ix_{table}_search_trgm ON {table} USING gin (search_text {schema}.gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in SEARCHED:
            for trigger in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{trigger}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    elif op.get_bind().dialect.name == "postgresql":
        for table in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_trgm")
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunity_owner_close")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_owner_recent")
        batch_op.create_index("ix_lead_team_owner_status", ["team_id", "owner_id", "status"])


def _create_fts(table: str) -> None:
    """An external-content FTS5 table over `table.search_text` (the row id is the record's id)."""
    fts = f"{table}_fts"
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, content='{table}', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _trigram_schema() -> str:
    """The schema holding pg_trgm, installing it (into `public`, shared by every schema) if missing."""
    bind = op.get_bind()
    bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    found = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        )
    ).scalar_one()
    return f'"{found}"'
