"""SQLModel tables. Every row carries `team_id`, the Slack workspace it belongs to."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

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


class SlackUser(SQLModel, table=True):
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
    created_at: datetime = _ts()


class Lead(SQLModel, table=True):
    __table_args__ = (
        sa.Index("ix_lead_team_owner_status", "team_id", "owner_id", "status"),
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
    search_text: str = Field(default="", max_length=1200)
    email_key: str = Field(default="", max_length=254)
    identity_key: str = Field(default="", max_length=400)
    opportunity_id: int | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Opportunity(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_opportunity_team_owner_status", "team_id", "owner_id", "status", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    owner_id: str = Field(max_length=32)
    lead_id: int | None = None
    topic: str = Field(max_length=300)
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
    search_text: str = Field(default="", max_length=1200)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Share(SQLModel, table=True):
    """A lead or opportunity shared with a user who may read and work it."""

    __table_args__ = (sa.UniqueConstraint("team_id", "record_type", "record_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    record_type: str = Field(max_length=16)  # lead | opportunity
    record_id: int
    user_id: str = Field(max_length=32, index=True)
    created_at: datetime = _ts()


class Activity(SQLModel, table=True):
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


class Post(SQLModel, table=True):
    """A message the bot posted about a record: thread replies to it land on that record's timeline."""

    __table_args__ = (sa.UniqueConstraint("team_id", "channel", "ts"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    record_type: str = Field(max_length=16)
    record_id: int
    channel: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    kind: str = Field(default="card", max_length=16)
    created_at: datetime = _ts()


class Outbox(SQLModel, table=True):
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


class SlackEvent(SQLModel, table=True):
    """Events API deliveries already processed, so Slack's retries run a listener once."""

    __tablename__ = "slack_event"
    __table_args__ = (sa.UniqueConstraint("event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    event_id: str = Field(max_length=64)
    received_at: datetime = _ts()
