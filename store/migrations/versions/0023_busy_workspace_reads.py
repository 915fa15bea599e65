"""Reads that scanned a busy workspace: a card's posted copies, a contact's records, the sequences' enrollment
counts (indexes), and the appointments a user attends (appointment_attendee, kept by triggers)

Measured with bench/busy_rep.py (1M opportunities, 200,000 posted cards):
- ix_post_record (team_id, record_type, record_id): every card click refreshes the record's posted copies
  (`posts_of`); with only the unique (team_id, channel, ts) index it read every post of the workspace;
- ix_opportunity_contact (team_id, contact_id) and ix_stakeholder_contact (team_id, contact_id): a contact's
  card and `Delete` read the deals it is the contact of (every opportunity of the workspace was read) and
  the stakeholder rows linked to it;
- ix_enrollment_team_status_sequence (team_id, status, sequence_id): `/sequence`'s count of each
  sequence's active records, counted from the index alone;
- ix_deal_room_channel (team_id, channel_id): every message in a channel the bot is in asks whether the
  channel is a deal room (`room_in_channel`), which read every room of the workspace, archived ones too;
- appointment_attendee (appointment_id, user_id, team_id, start_at), ix_appointment_attendee_user (team_id,
  user_id, start_at): Home's work queue and the digests found the appointments a user attends by reading
  every scheduled appointment of the workspace in their window and testing its attendees' JSON text (6,000
  colleagues' appointments: most of a Home's cost). Triggers on `appointment` keep the rows from its
  `attendees` and `start_at` on every write path (the services, bulk inserts, a workspace's erasure), as
  pipeline_month's do (0021); the upgrade fills it from the appointments there are.

Revision ID: 0023_busy_workspace_reads
Revises: 0022_pg_opportunity_search_walk
Create Date: 2026-12-07 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

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


KEEP = "INSERT INTO appointment_attendee (appointment_id, user_id, team_id, start_at) SELECT DISTINCT {0}"
# {0}: the appointment row (NEW in a trigger); {1}: the table it is read from, if any ("appointment, ")
SQLITE_ELEMENTS = "{0}.id, value, {0}.team_id, {0}.start_at FROM {1}json_each({0}.attendees) WHERE type = 'text'"
POSTGRESQL_ELEMENTS = (
    "{0}.id, value, {0}.team_id, {0}.start_at FROM {1}json_array_elements_text({0}.attendees) AS value"
)
KEPT = "attendees, start_at, team_id"


def sqlite_triggers() -> list[str]:
    gone = "DELETE FROM appointment_attendee WHERE appointment_id = OLD.id"
    add = KEEP.format(SQLITE_ELEMENTS.format("NEW", ""))
    return [
        f"CREATE TRIGGER appointment_attendee_insert AFTER INSERT ON appointment BEGIN {add}; END",
        f"CREATE TRIGGER appointment_attendee_update AFTER UPDATE OF {KEPT} ON appointment BEGIN {gone}; {add}; END",
        f"CREATE TRIGGER appointment_attendee_delete AFTER DELETE ON appointment BEGIN {gone}; END",
    ]


def postgresql_trigger() -> list[str]:
    function = f"""
CREATE FUNCTION appointment_attendee_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN DELETE FROM appointment_attendee WHERE appointment_id = OLD.id; END IF;
    IF TG_OP <> 'DELETE' THEN {KEEP.format(POSTGRESQL_ELEMENTS.format("NEW", ""))}; END IF;
    RETURN NULL;
END
$$"""
    trigger = (
        f"CREATE TRIGGER appointment_attendee_keep AFTER INSERT OR DELETE OR UPDATE OF {KEPT} ON appointment "
        "FOR EACH ROW EXECUTE FUNCTION appointment_attendee_keep()"
    )
    return [function, trigger]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    dialect = op.get_bind().dialect.name
    op.create_table(
        "appointment_attendee",
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("start_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("appointment_id", "user_id"),
    )
    op.create_index("ix_appointment_attendee_user", "appointment_attendee", ["team_id", "user_id", "start_at"])
    for statement in sqlite_triggers() if dialect == "sqlite" else postgresql_trigger():
        op.execute(statement)
    elements = (SQLITE_ELEMENTS if dialect == "sqlite" else POSTGRESQL_ELEMENTS).format("appointment", "appointment, ")
    op.execute(KEEP.format(elements))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("appointment_attendee_insert", "appointment_attendee_update", "appointment_attendee_delete"):
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER appointment_attendee_keep ON appointment")
        op.execute("DROP FUNCTION appointment_attendee_keep()")
    op.drop_index("ix_appointment_attendee_user", table_name="appointment_attendee")
    op.drop_table("appointment_attendee")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
