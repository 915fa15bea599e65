"""SQLModel tables. Every row carries `team_id`, the Slack workspace it belongs to.

No `from __future__ import annotations` here: with it every field's annotation is a string that
pydantic and then SQLAlchemy each evaluate again (an `eval` per field, ~460 fields), which was
~7 % of this module's import, paid by every `salesbot run` before its first answer."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from store.base import TableModel
from store.types import UTCDateTime

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MONEY = sa.Numeric(16, 2)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


class SlackUser(TableModel, table=True):
    """A Slack user as salesbot knows them: role, manager (team), time zone and preferences."""

    __tablename__ = "slack_user"
    __table_args__ = (sa.UniqueConstraint("team_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    name: str = Field(default="", max_length=200)
    role: str = Field(default="rep", max_length=16)  # admin | manager | rep
    manager_id: str | None = Field(default=None, max_length=32, index=True)
    is_slack_admin: bool = False
    tz: str = Field(default="UTC", max_length=64)
    profile_fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminder_minutes: int | None = None
    daily_summary: bool = False
    digest_when_empty: bool = False
    created_at: datetime = _ts()


class Lead(TableModel, table=True):
    __table_args__ = (
        # `/lead list` and App Home: one owner's open leads, newest first, read in index order.
        sa.Index("ix_lead_owner_recent", "team_id", "owner_id", "status", "updated_at", "id"),
        sa.Index("ix_lead_team_email_key", "team_id", "email_key"),
        sa.Index("ix_lead_team_identity_key", "team_id", "identity_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    owner_id: str = Field(max_length=32)
    topic: str = Field(max_length=300)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    company: str = Field(default="", max_length=200)
    job_title: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    business_phone: str = Field(default="", max_length=50)
    country: str = Field(default="", max_length=2)  # ISO 3166-1 alpha-2
    city: str = Field(default="", max_length=100)
    industry: str = Field(default="", max_length=100)
    employees: int | None = None
    annual_revenue: Decimal | None = Field(default=None, sa_type=MONEY)
    lead_source: str = Field(default="", max_length=100)
    budget_amount: Decimal | None = Field(default=None, sa_type=MONEY)
    purchase_timeframe: str = Field(default="", max_length=32)
    purchase_process: str = Field(default="", max_length=32)
    description: str = Field(default="", max_length=3000)
    currency: str = Field(default="EUR", max_length=3)
    status: str = Field(default="open", max_length=16)  # open | qualified | disqualified
    status_reason: str = Field(default="", max_length=100)
    score: int | None = None
    grade: str = Field(default="", max_length=1)
    score_reason: str = Field(default="", max_length=300)
    process_name: str = Field(default="", max_length=100)
    search_text: str = Field(default="", max_length=1200)
    email_key: str = Field(default="", max_length=254)
    identity_key: str = Field(default="", max_length=400)
    opportunity_id: int | None = None
    origin: str = Field(default="", max_length=120)  # "web form (token name)" for leads from /api/leads
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Opportunity(TableModel, table=True):
    __table_args__ = (
        sa.Index("ix_opportunity_team_owner_status", "team_id", "owner_id", "status", "stage"),
        sa.Index("ix_opportunity_contact", "team_id", "contact_id"),  # a contact's card and `Delete`
        # `/opp list`: one owner's open opportunities by estimated close date, read in index order; the
        # stage, process and money of the first 200 read from the index alone (migration 0018_opp_list_search).
        sa.Index(
            "ix_opportunity_owner_close",
            "team_id",
            "owner_id",
            "status",
            "estimated_close_date",
            "id",
            "stage",
            "process_name",
            "estimated_revenue",
            "currency",
        ),
        # Covering indexes of the pipeline views (store/pipeline.py): one owner or a team, everyone, won.
        sa.Index(
            "ix_opportunity_pipeline_owner",
            "team_id",
            "owner_id",
            "status",
            "estimated_close_date",
            "process_name",
            "stage",
            "currency",
            "lead_grade",
            "estimated_revenue",
        ),
        sa.Index(
            "ix_opportunity_pipeline_team",
            "team_id",
            "status",
            "estimated_close_date",
            "process_name",
            "stage",
            "currency",
            "lead_grade",
            "estimated_revenue",
            "owner_id",
        ),
        # Won revenue by close date, of owners and of everyone (migration 0014).
        sa.Index(
            "ix_opportunity_won",
            "team_id",
            "status",
            "owner_id",
            "actual_close_date",
            "currency",
            "actual_revenue",
        ),
        sa.Index(
            "ix_opportunity_won_team",
            "team_id",
            "status",
            "actual_close_date",
            "currency",
            "actual_revenue",
            "owner_id",
        ),
    )  # the two above INCLUDE (id) on PostgreSQL: POSTGRESQL_INCLUDES

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    owner_id: str = Field(max_length=32)
    lead_id: int | None = None
    topic: str = Field(max_length=300)
    account_id: int | None = None
    contact_id: int | None = None
    account_name: str = Field(default="", max_length=200)
    contact_name: str = Field(default="", max_length=200)
    process_name: str = Field(default="Lead to opportunity sales process", max_length=100)
    stage: str = Field(default="Qualify", max_length=100)
    status: str = Field(default="open", max_length=16)  # open | won | lost
    estimated_close_date: date | None = None
    estimated_revenue: Decimal | None = Field(default=None, sa_type=MONEY)
    revenue_mode: str = Field(default="user", max_length=8)  # user | system
    currency: str = Field(default="EUR", max_length=3)
    probability: int | None = None
    description: str = Field(default="", max_length=3000)
    budget_amount: Decimal | None = Field(default=None, sa_type=MONEY)
    purchase_timeframe: str = Field(default="", max_length=32)
    purchase_process: str = Field(default="", max_length=32)
    customer_need: str = Field(default="", max_length=2000)
    proposed_solution: str = Field(default="", max_length=2000)
    decision_date: date | None = None
    actual_revenue: Decimal | None = Field(default=None, sa_type=MONEY)
    actual_close_date: date | None = None
    close_reason: str = Field(default="", max_length=32)
    close_competitor: str = Field(default="", max_length=200)
    close_description: str = Field(default="", max_length=2000)
    reopen_stage: str = Field(default="", max_length=100)
    lead_score: int | None = None
    lead_grade: str = Field(default="", max_length=1)
    search_text: str = Field(default="", max_length=1200)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


# Covering columns of indexes on PostgreSQL (INCLUDE; id: the join to sales orders). Given to sa.Index
# as `postgresql_include`, SQLAlchemy would import its whole PostgreSQL dialect to check the option, in
# every process: ~30 ms of a SQLite `salesbot run` before its first answer. They are set when a
# PostgreSQL engine is made (store.db.make_engine; Alembic's env for its own connections), before
# anything creates or compares the indexes there.
POSTGRESQL_INCLUDES = {"ix_opportunity_won": ["id"], "ix_opportunity_won_team": ["id"]}


def add_postgresql_options() -> None:
    """Put POSTGRESQL_INCLUDES on the indexes (idempotent)."""
    for index in Opportunity.__table__.indexes:  # type: ignore[attr-defined]
        include = POSTGRESQL_INCLUDES.get(index.name or "")
        if include is not None:
            index.dialect_options["postgresql"]["include"] = include


class Share(TableModel, table=True):
    """A lead or opportunity shared with a user who may read and work it."""

    __table_args__ = (sa.UniqueConstraint("team_id", "record_type", "record_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    record_type: str = Field(max_length=16)  # lead | opportunity
    record_id: int
    user_id: str = Field(max_length=32, index=True)
    created_at: datetime = _ts()


class Activity(TableModel, table=True):
    """One timeline entry of a lead or opportunity (call, note, appointment, reply, status change…)."""

    __table_args__ = (
        sa.Index("ix_activity_record", "team_id", "record_type", "record_id", "occurred_at"),
        sa.Index("ix_activity_slack_message", "team_id", "slack_channel", "slack_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    record_type: str = Field(max_length=16)
    record_id: int
    kind: str = Field(max_length=32)
    author_id: str = Field(default="", max_length=32)
    occurred_at: datetime = _ts()
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="", max_length=4000)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    slack_channel: str | None = Field(default=None, max_length=32)
    slack_ts: str | None = Field(default=None, max_length=32)
    deleted: bool = False
    created_at: datetime = _ts()


class Post(TableModel, table=True):
    """A message the bot posted about a record: thread replies to it land on that record's timeline."""

    __table_args__ = (
        sa.UniqueConstraint("team_id", "channel", "ts"),
        sa.Index("ix_post_record", "team_id", "record_type", "record_id"),  # a card's posted copies
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    record_type: str = Field(max_length=16)
    record_id: int
    channel: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    kind: str = Field(default="card", max_length=16)
    created_at: datetime = _ts()


class Outbox(TableModel, table=True):
    """A message to deliver at `due_at`: the source of truth the scheduler's dispatcher claims from."""

    __table_args__ = (
        sa.UniqueConstraint("team_id", "dedupe_key"),
        sa.Index("ix_outbox_status_due", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    record_type: str | None = Field(default=None, max_length=16)
    record_id: int | None = None
    recipient: str = Field(max_length=32)
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=16)  # pending|claimed|sent|failed|cancelled
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    dedupe_key: str = Field(max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = _ts()


class PipelineMonth(TableModel, table=True):
    """Open opportunities with a close date, counted and summed per owner, month of estimated close,
    process, stage and currency: kept by database triggers on `opportunity` (migration
    0021_pipeline_month), so every write path (the services, imports, bulk updates, deletes) keeps it
    equal to grouping the rows. App Home's funnel and a manager's per-rep lines read these few rows
    instead of grouping a rep's thousands of deals (store/pipeline.py). A group's figures are the sum of its
    slots (migration 0025_pipeline_month_slots): SQLite, slot 0 only; PostgreSQL, each writing transaction its
    own, folded into slot 0 (store/counter_slots.py). Groups whose deals all left stay, at 0: reads skip them."""

    __tablename__ = "pipeline_month"

    team_id: str = Field(max_length=32, primary_key=True)
    owner_id: str = Field(max_length=32, primary_key=True)
    month: date = Field(primary_key=True)  # the first day of the estimated close date's month
    process_name: str = Field(max_length=100, primary_key=True)
    stage: str = Field(max_length=100, primary_key=True)
    currency: str = Field(max_length=3, primary_key=True)
    slot: int = Field(default=0, sa_type=sa.BigInteger, primary_key=True)  # PostgreSQL: a writing transaction's
    deals: int = Field(default=0, sa_type=sa.Integer)
    cents: int = Field(default=0, sa_type=sa.BigInteger)  # Σ estimated revenue in cents (none adds 0)


class OwnerCount(TableModel, table=True):
    """How many leads, opportunities and tasks (`record_type`: the table's name) each owner has in each
    status: the sum of a group's slots, kept by database triggers on those tables (migration
    0024_owner_count), so every write path keeps it equal to counting the rows. The lists read their exact
    counts here (store/owner_counts.py) instead of counting up to a cap. SQLite: slot 0 only; PostgreSQL: each
    writing transaction its own slot, folded into slot 0 every minute by the scheduler and the web processes.
    Groups whose rows all left stay, at 0."""

    __tablename__ = "owner_count"

    team_id: str = Field(max_length=32, primary_key=True)
    owner_id: str = Field(max_length=32, primary_key=True)
    record_type: str = Field(max_length=16, primary_key=True)
    status: str = Field(max_length=16, primary_key=True)
    slot: int = Field(default=0, sa_type=sa.BigInteger, primary_key=True)
    records: int = Field(default=0, sa_type=sa.Integer)


class SlackEvent(TableModel, table=True):
    """Events API deliveries already processed, so Slack's retries run a listener once."""

    __tablename__ = "slack_event"
    __table_args__ = (sa.UniqueConstraint("event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    event_id: str = Field(max_length=64)
    received_at: datetime = _ts()


# --- Leads side (accounts, contacts, stakeholders, competitors, appointments) -------------------


class Account(TableModel, table=True):
    """A customer company; matched case- and accent-insensitively by `name_key`."""

    __table_args__ = (sa.UniqueConstraint("team_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    industry: str = Field(default="", max_length=100)
    employees: int | None = None
    annual_revenue: Decimal | None = Field(default=None, sa_type=MONEY)
    created_at: datetime = _ts()


class Contact(TableModel, table=True):
    """A customer person; matched by `email_key` when there is an email."""

    __table_args__ = (sa.Index("ix_contact_team_email_key", "team_id", "email_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    account_id: int | None = None
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=254)
    email_key: str = Field(default="", max_length=254)
    business_phone: str = Field(default="", max_length=50)
    job_title: str = Field(default="", max_length=200)
    created_at: datetime = _ts()
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # `Delete`: personal data erased


class Stakeholder(TableModel, table=True):
    """Someone with a role in the buying decision: a Slack user or a named contact."""

    __table_args__ = (
        sa.Index("ix_stakeholder_record", "team_id", "record_type", "record_id"),
        sa.Index("ix_stakeholder_contact", "team_id", "contact_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    record_type: str = Field(max_length=16)
    record_id: int
    slack_user_id: str | None = Field(default=None, max_length=32)
    name: str = Field(default="", max_length=200)
    role: str = Field(max_length=32)  # decision maker | economic buyer | influencer | champion | …
    contact_id: int | None = None  # the account's contact this stakeholder is (matched by name or email)
    created_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()


class Competitor(TableModel, table=True):
    __table_args__ = (sa.Index("ix_competitor_record", "team_id", "record_type", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    record_type: str = Field(max_length=16)
    record_id: int
    name: str = Field(max_length=200)
    strengths: str = Field(default="", max_length=2000)
    weaknesses: str = Field(default="", max_length=2000)
    created_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()


class Appointment(TableModel, table=True):
    __table_args__ = (
        sa.Index("ix_appointment_record", "team_id", "record_type", "record_id"),
        sa.Index("ix_appointment_owner_start", "team_id", "owner_id", "start_at"),
        sa.Index("ix_appointment_team_status_start", "team_id", "status", "start_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    record_type: str = Field(max_length=16)
    record_id: int
    owner_id: str = Field(max_length=32)
    subject: str = Field(max_length=300)
    start_at: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int = 30
    attendees: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    location: str = Field(default="", max_length=300)
    status: str = Field(default="scheduled", max_length=16)  # scheduled | cancelled | done
    outcome: str = Field(default="", max_length=2000)
    # Snoozed in the work queue: left out of it until then. The meeting itself never moves.
    queue_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _ts()


# --- Opportunity side (process steps, stage history, catalog, lines, literature, files) --------


class StepValue(TableModel, table=True):
    """What a stage step recorded; kept by (stage, step) name so a process change never loses it."""

    __table_args__ = (sa.UniqueConstraint("team_id", "opportunity_id", "stage", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    opportunity_id: int
    stage: str = Field(max_length=100)
    step: str = Field(max_length=100)
    done: bool = False
    value: str = Field(default="", max_length=2000)
    updated_by: str = Field(default="", max_length=32)
    updated_at: datetime = _ts()


class StageChange(TableModel, table=True):
    """Every stage move (advance, back, won, lost, reopen): the funnel and digests read this."""

    __tablename__ = "stage_change"
    __table_args__ = (
        sa.Index("ix_stage_change_team_at", "team_id", "at"),
        sa.Index("ix_stage_change_opportunity", "team_id", "opportunity_id"),
        # Covering indexes of the pipeline's stage moves (store/pipeline.py).
        sa.Index("ix_stage_change_owner_moves", "team_id", "owner_id", "at", "kind", "from_stage", "to_stage"),
        sa.Index("ix_stage_change_team_moves", "team_id", "at", "kind", "from_stage", "to_stage", "owner_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    opportunity_id: int
    owner_id: str = Field(max_length=32)
    from_stage: str = Field(default="", max_length=100)
    to_stage: str = Field(max_length=100)
    kind: str = Field(max_length=16)  # enter | advance | back | won | lost | reopen
    user_id: str = Field(default="", max_length=32)
    at: datetime = _ts()


class Product(TableModel, table=True):
    __table_args__ = (sa.UniqueConstraint("team_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    unit: str = Field(default="unit", max_length=32)
    description: str = Field(default="", max_length=2000)
    created_at: datetime = _ts()


class PriceList(TableModel, table=True):
    __tablename__ = "price_list"
    __table_args__ = (sa.UniqueConstraint("team_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    name: str = Field(max_length=100)
    currency: str = Field(default="EUR", max_length=3)
    is_default: bool = False
    created_at: datetime = _ts()


class PriceListItem(TableModel, table=True):
    __tablename__ = "price_list_item"
    __table_args__ = (sa.UniqueConstraint("team_id", "price_list_id", "product_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    price_list_id: int
    product_id: int
    price: Decimal = Field(sa_type=MONEY)


class OpportunityLine(TableModel, table=True):
    """A product on an opportunity: amount = quantity × unit price − discount."""

    __tablename__ = "opportunity_line"
    __table_args__ = (sa.Index("ix_opportunity_line_opportunity", "team_id", "opportunity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    opportunity_id: int
    product_id: int
    product_name: str = Field(max_length=200)
    unit: str = Field(default="unit", max_length=32)
    quantity: Decimal = Field(sa_type=sa.Numeric(14, 3))
    unit_price: Decimal = Field(sa_type=MONEY)
    discount: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    currency: str = Field(default="EUR", max_length=3)
    created_at: datetime = _ts()


class Literature(TableModel, table=True):
    """Sales literature: a document or link, and the products it covers."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    url: str = Field(default="", max_length=3000)
    slack_file_id: str | None = Field(default=None, max_length=32)
    product_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    created_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()


class Attachment(TableModel, table=True):
    """A Slack file or a link attached to a record (proposals, quotes…), optionally for a step."""

    __table_args__ = (sa.Index("ix_attachment_record", "team_id", "record_type", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    record_type: str = Field(max_length=16)
    record_id: int
    title: str = Field(max_length=300)
    url: str = Field(default="", max_length=3000)
    slack_file_id: str | None = Field(default=None, max_length=32)
    step: str = Field(default="", max_length=100)
    created_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()


# --- Assistant side (sequences, enrollments, tasks) ---------------------------------------------


class Sequence(TableModel, table=True):
    __table_args__ = (sa.UniqueConstraint("team_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=2000)
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)  # kind, description, wait
    created_by: str = Field(default="", max_length=32)
    active: bool = True
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Enrollment(TableModel, table=True):
    """A record following a sequence; `steps` is a copy, so editing the sequence affects new ones only."""

    __table_args__ = (
        sa.Index("ix_enrollment_record", "team_id", "record_type", "record_id", "status"),
        sa.Index("ix_enrollment_team_status_sequence", "team_id", "status", "sequence_id"),  # /sequence's counts
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    sequence_id: int
    sequence_name: str = Field(max_length=100)
    record_type: str = Field(max_length=16)
    record_id: int
    owner_id: str = Field(max_length=32)
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    position: int = 0
    status: str = Field(default="active", max_length=16)  # active | completed | ended
    started_at: datetime = _ts()
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Task(TableModel, table=True):
    """Something a user must do by `due_at`: a sequence step or a follow-up; listed in the work queue."""

    __table_args__ = (sa.Index("ix_task_owner_status_due", "team_id", "owner_id", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    owner_id: str = Field(max_length=32)
    record_type: str | None = Field(default=None, max_length=16)
    record_id: int | None = None
    enrollment_id: int | None = None
    position: int | None = None
    kind: str = Field(default="task", max_length=16)  # call | email | task | linkedin
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=2000)
    due_at: datetime = Field(sa_type=UTCDateTime)
    priority: int = 2  # 1 high, 2 normal, 3 low
    status: str = Field(default="open", max_length=16)  # open | done | skipped | cancelled
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=32)  # who added an ad-hoc task ("" for sequence steps)
    created_at: datetime = _ts()


# --- Teams (named groups) and ad-hoc task bookkeeping -------------------------------------------


class SalesTeam(TableModel, table=True):
    """A named group of users with a manager; records shared with it may be worked by every member."""

    __tablename__ = "sales_team"
    __table_args__ = (sa.UniqueConstraint("team_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)
    manager_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = _ts()


class SalesTeamMember(TableModel, table=True):
    __tablename__ = "sales_team_member"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "sales_team_id", "user_id"),
        sa.Index("ix_sales_team_member_user", "team_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    sales_team_id: int
    user_id: str = Field(max_length=32)


class TeamShare(TableModel, table=True):
    """A lead or opportunity shared with a team: its members may read and work it while they belong."""

    __tablename__ = "team_share"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "record_type", "record_id", "sales_team_id"),
        sa.Index("ix_team_share_team", "team_id", "sales_team_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    record_type: str = Field(max_length=16)
    record_id: int
    sales_team_id: int
    created_at: datetime = _ts()


# --- Channels (alert subscriptions, the alert cursor, the workspace's channels) -----------------


class AlertSubscription(TableModel, table=True):
    """A channel's subscription to a pipeline event, with filters; reports only what its creator may see."""

    __tablename__ = "alert_subscription"
    __table_args__ = (sa.Index("ix_alert_subscription_team_channel", "team_id", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    event: str = Field(max_length=32)  # lead_created | lead_assigned | opportunity_created | stage_changed | …
    min_revenue: Decimal | None = Field(default=None, sa_type=MONEY)
    owner_id: str = Field(default="", max_length=32)
    team_name: str = Field(default="", max_length=100)  # a team of /salesbot admin: its manager and members
    process_name: str = Field(default="", max_length=100)
    lead_source: str = Field(default="", max_length=100)
    delivery: str = Field(default="now", max_length=8)  # now | daily
    hour: int | None = None  # daily summary hour, in the creator's time zone
    status: str = Field(default="active", max_length=16)  # active | paused
    paused_reason: str = Field(default="", max_length=200)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts()


class AlertCursor(TableModel, table=True):
    """How far the alert planner has read a timeline table (`source`: activity | stage_change)."""

    __tablename__ = "alert_cursor"
    __table_args__ = (sa.UniqueConstraint("team_id", "source"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    source: str = Field(max_length=32)
    last_id: int = 0
    updated_at: datetime = _ts()


class WorkspaceChannel(TableModel, table=True):
    """A channel the workspace's admins gave a purpose (`wins`, `leads`)."""

    __tablename__ = "workspace_channel"
    __table_args__ = (sa.UniqueConstraint("team_id", "purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    purpose: str = Field(max_length=16)
    channel_id: str = Field(max_length=32)
    set_by: str = Field(default="", max_length=32)
    updated_at: datetime = _ts()


class DealRoom(TableModel, table=True):
    """A channel opened for one opportunity (`Open deal room`); archived some days after it closes."""

    __tablename__ = "deal_room"
    __table_args__ = (
        sa.Index("ix_deal_room_opportunity", "team_id", "opportunity_id"),
        sa.Index("ix_deal_room_channel", "team_id", "channel_id"),  # is this channel a room? (every message)
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    opportunity_id: int
    channel_id: str = Field(max_length=32)
    name: str = Field(max_length=80)
    status: str = Field(default="open", max_length=16)  # open | archived
    created_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()


class ClockOffset(TableModel, table=True):
    """How far the install's clock runs ahead of real time: `salesbot playground`'s `Skip ahead`.

    Install-wide, not workspace data (one clock for every process); absent or 0 in production."""

    __tablename__ = "clock_offset"

    name: str = Field(primary_key=True, max_length=32)
    seconds: float = 0.0


class AdminAudit(TableModel, table=True):
    """One admin change (roles, teams, …): who, what, when; listed under `Audit log` in /salesbot admin."""

    __tablename__ = "admin_audit"
    __table_args__ = (sa.Index("ix_admin_audit_team_at", "team_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    actor_id: str = Field(max_length=32)
    action: str = Field(max_length=64)
    detail: str = Field(default="", max_length=500)
    people: list[str] = Field(default_factory=list, sa_type=sa.JSON)  # user ids, shown as mentions
    at: datetime = _ts()


# --- Quotes and orders (PRODUCT.md section 9) ---------------------------------------------------


class DocumentCounter(TableModel, table=True):
    """The last number handed out per workspace and kind (`quote`, `order`), claimed atomically."""

    __tablename__ = "document_counter"

    team_id: str = Field(max_length=32, primary_key=True)
    kind: str = Field(max_length=16, primary_key=True)
    last: int = 0


class Quote(TableModel, table=True):
    """A quote of an opportunity; `Revise` makes a new row with the same number and revision + 1.
    `version` counts edits: an approval answers the version that was submitted, nothing later."""

    __table_args__ = (
        sa.UniqueConstraint("team_id", "number", "revision"),
        sa.Index("ix_quote_opportunity", "team_id", "opportunity_id"),
        sa.Index("ix_quote_approver_status", "team_id", "approver_id", "status"),
        sa.Index("ix_quote_owner_status_valid", "team_id", "owner_id", "status", "valid_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    opportunity_id: int
    number: int
    revision: int = 1
    name: str = Field(max_length=200)
    status: str = Field(default="draft", max_length=16)
    owner_id: str = Field(max_length=32)
    account_name: str = Field(default="", max_length=200)
    contact_name: str = Field(default="", max_length=200)
    currency: str = Field(default="EUR", max_length=3)
    valid_until: date | None = None
    payment_terms: str = Field(default="", max_length=500)
    delivery_terms: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=3000)
    discount_percent: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(5, 2))
    freight: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    tax_rate: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(5, 2))
    subtotal: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    total: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    version: int = 1
    submitted_version: int | None = None
    approver_id: str | None = Field(default=None, max_length=32)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str = Field(default="", max_length=32)
    decision_reason: str = Field(default="", max_length=1000)
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    close_reason: str = Field(default="", max_length=1000)
    created_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class QuoteLine(TableModel, table=True):
    __tablename__ = "quote_line"
    __table_args__ = (sa.Index("ix_quote_line_quote", "team_id", "quote_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    quote_id: int
    product_id: int
    product_name: str = Field(max_length=200)
    unit: str = Field(default="unit", max_length=32)
    quantity: Decimal = Field(sa_type=sa.Numeric(14, 3))
    unit_price: Decimal = Field(sa_type=MONEY)
    discount: Decimal = Field(default=Decimal("0"), sa_type=MONEY)


class SalesOrder(TableModel, table=True):
    """What the customer accepted: one per won quote (the unique quote id makes a double click harmless)."""

    __tablename__ = "sales_order"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "number"),
        sa.UniqueConstraint("team_id", "quote_id"),
        sa.Index("ix_sales_order_opportunity", "team_id", "opportunity_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    number: int
    quote_id: int
    opportunity_id: int
    owner_id: str = Field(max_length=32)
    status: str = Field(default="submitted", max_length=16)
    account_name: str = Field(default="", max_length=200)
    currency: str = Field(default="EUR", max_length=3)
    subtotal: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    discount_percent: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(5, 2))
    freight: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    tax_rate: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(5, 2))
    total: Decimal = Field(default=Decimal("0"), sa_type=MONEY)
    lines: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)  # copied from the quote
    created_by: str = Field(default="", max_length=32)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ProcessLibraryVersion(TableModel, table=True):
    """A workspace's sales processes: `version` grows on every upload, so each worker notices on its
    next request; an empty `toml` means PROCESS_FILE (or the built-in process)."""

    __tablename__ = "process_library"

    team_id: str = Field(primary_key=True, max_length=32)
    version: int = 1
    toml: str = Field(default="", sa_type=sa.Text)
    updated_at: datetime = _ts()


class SalesReason(TableModel, table=True):
    """A lost or disqualify reason a workspace offers. A workspace without rows of a kind offers the
    built-in ones; retired reasons stay for the records that carry them but are no longer offered."""

    __tablename__ = "sales_reason"
    __table_args__ = (sa.UniqueConstraint("team_id", "kind", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)  # lost | disqualify
    name: str = Field(max_length=64)
    name_key: str = Field(max_length=64)
    code: str = Field(default="", max_length=16)  # a built-in's meaning, kept through renames (out_sold)
    retired: bool = False
    position: int = 0
    created_at: datetime = _ts()


class CompanyProfile(TableModel, table=True):
    """The selling company as quotes print it; a workspace without a row uses the settings."""

    __tablename__ = "company_profile"

    team_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=1000)
    tax_rate: Decimal = Field(default=Decimal(0), sa_type=sa.Numeric(5, 2))
    updated_by: str = Field(default="", max_length=32)
    updated_at: datetime = _ts()


# --- Routing, the leads channel and the web lead API (PRODUCT.md section 9) ---------------------


class RoutingTurn(TableModel, table=True):
    """How many leads a round-robin target (a team) has been dealt: the next turn is claimed with one
    conditional UPDATE, so every instance and restart shares it."""

    __tablename__ = "routing_turn"

    team_id: str = Field(max_length=32, primary_key=True)
    key: str = Field(max_length=100, primary_key=True)
    turn: int = 0


class LeadClaim(TableModel, table=True):
    """A lead waiting in the leads channel: posted with `Claim` (ts once sent); the first click wins."""

    __tablename__ = "lead_claim"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "lead_id"),
        sa.Index("ix_lead_claim_unclaimed", "team_id", "claimed_by", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    lead_id: int
    channel: str = Field(max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    claimed_by: str = Field(default="", max_length=32)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _ts()


class ApiToken(TableModel, table=True):
    """A workspace's token for POST /api/leads: `sbk_<public_id>_<secret>`; only the secret's SHA-256 is kept."""

    __tablename__ = "api_token"
    __table_args__ = (sa.UniqueConstraint("public_id"), sa.Index("ix_api_token_team", "team_id"))

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    name: str = Field(max_length=80)
    public_id: str = Field(max_length=32)
    secret_hash: str = Field(max_length=64)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str = Field(default="", max_length=32)


class ApiIdempotency(TableModel, table=True):
    """The first answer to an `Idempotency-Key`, replayed for 24 hours."""

    __tablename__ = "api_idempotency"
    __table_args__ = (sa.UniqueConstraint("token_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    token_id: int
    key: str = Field(max_length=200)
    status: int = 0
    body: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = _ts()


class ApiRate(TableModel, table=True):
    """Requests per token per minute (`API_RATE_PER_MINUTE`), counted by every worker in one row."""

    __tablename__ = "api_rate"

    token_id: int = Field(primary_key=True)
    window: int = Field(primary_key=True)  # minutes since the epoch
    count: int = 0


import store.installations  # noqa: E402, F401  (registers the installation tables: OAuth mode, issue 18)
