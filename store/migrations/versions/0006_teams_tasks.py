"""named teams (sales_team, members, team shares), task.created_by, lead.country and lead.city, admin_audit; each manager's reps become a team

Revision ID: 0006_teams_tasks
Revises: 0005_playground_clock
Create Date: 2026-12-06 12:30:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0006_teams_tasks"
down_revision: str | None = "0005_playground_clock"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "sales_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", TEXT(length=32), nullable=False),
        sa.Column("name", TEXT(length=100), nullable=False),
        sa.Column("name_key", TEXT(length=100), nullable=False),
        sa.Column("manager_id", TEXT(length=32), nullable=True),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_team")),
        sa.UniqueConstraint("team_id", "name_key", name=op.f("uq_sales_team_team_id_name_key")),
    )
    op.create_table(
        "sales_team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", TEXT(length=32), nullable=False),
        sa.Column("sales_team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", TEXT(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_team_member")),
        sa.UniqueConstraint(
            "team_id", "sales_team_id", "user_id", name=op.f("uq_sales_team_member_team_id_sales_team_id_user_id")
        ),
    )
    with op.batch_alter_table("sales_team_member", schema=None) as batch_op:
        batch_op.create_index("ix_sales_team_member_user", ["team_id", "user_id"], unique=False)
    op.create_table(
        "team_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", TEXT(length=32), nullable=False),
        sa.Column("record_type", TEXT(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("sales_team_id", sa.Integer(), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_share")),
        sa.UniqueConstraint(
            "team_id",
            "record_type",
            "record_id",
            "sales_team_id",
            name=op.f("uq_team_share_team_id_record_type_record_id_sales_team_id"),
        ),
    )
    with op.batch_alter_table("team_share", schema=None) as batch_op:
        batch_op.create_index("ix_team_share_team", ["team_id", "sales_team_id"], unique=False)
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", TEXT(length=32), nullable=False),
        sa.Column("actor_id", TEXT(length=32), nullable=False),
        sa.Column("action", TEXT(length=64), nullable=False),
        sa.Column("detail", TEXT(length=500), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit")),
    )
    with op.batch_alter_table("admin_audit", schema=None) as batch_op:
        batch_op.create_index("ix_admin_audit_team_at", ["team_id", "at"], unique=False)
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", TEXT(length=32), nullable=False, server_default=""))
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", TEXT(length=2), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("city", TEXT(length=100), nullable=False, server_default=""))
    _teams_from_managers()


def _key(name: str) -> str:
    """As bot.domain.text.fold: accents stripped, casefolded, whitespace collapsed."""
    stripped = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())[:100]


def _teams_from_managers() -> None:
    """Each manager with reps gets a team named after them (their Slack name, else their user id)."""
    connection = op.get_bind()
    users = sa.table(
        "slack_user", sa.column("team_id"), sa.column("user_id"), sa.column("name"), sa.column("manager_id")
    )
    teams = sa.table(
        "sales_team",
        sa.column("id"),
        sa.column("team_id"),
        sa.column("name"),
        sa.column("name_key"),
        sa.column("manager_id"),
        sa.column("created_at"),
    )
    members = sa.table("sales_team_member", sa.column("team_id"), sa.column("sales_team_id"), sa.column("user_id"))
    rows = connection.execute(sa.select(users.c.team_id, users.c.user_id, users.c.name, users.c.manager_id)).all()
    names = {(row.team_id, row.user_id): row.name for row in rows}
    reps: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if row.manager_id:
            reps.setdefault((row.team_id, row.manager_id), []).append(row.user_id)
    taken: set[tuple[str, str]] = set()
    for (workspace, manager), people in sorted(reps.items()):
        name = (names.get((workspace, manager)) or manager)[:90]
        base, number = name, 2
        while (workspace, _key(name)) in taken:
            name, number = f"{base} {number}", number + 1
        taken.add((workspace, _key(name)))
        connection.execute(
            teams.insert().values(
                team_id=workspace,
                name=name,
                name_key=_key(name),
                manager_id=manager,
                created_at=sa.func.current_timestamp(),
            )
        )
        team_row_id = connection.execute(
            sa.select(teams.c.id).where(teams.c.team_id == workspace, teams.c.name_key == _key(name))
        ).scalar_one()
        connection.execute(
            members.insert(), [{"team_id": workspace, "sales_team_id": team_row_id, "user_id": u} for u in people]
        )


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_column("city")
        batch_op.drop_column("country")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("created_by")
    with op.batch_alter_table("team_share", schema=None) as batch_op:
        batch_op.drop_index("ix_team_share_team")
    op.drop_table("team_share")
    with op.batch_alter_table("sales_team_member", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_team_member_user")
    op.drop_table("sales_team_member")
    op.drop_table("sales_team")
    with op.batch_alter_table("admin_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_admin_audit_team_at")
    op.drop_table("admin_audit")
