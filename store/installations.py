"""Installations (OAuth mode): slack-sdk's installation and state tables, registered in salesbot's own
metadata so Alembic creates them (migration 0013) and every schema check sees them, and the
`workspace` row salesbot keeps per installed workspace: its enterprise, when it was installed and
uninstalled, and the claim that lets one worker alone refresh its rotating token."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlmodel import Field, SQLModel

from store.base import TableModel
from store.types import UTCDateTime

BOTS_TABLE = "slack_bots"
INSTALLATIONS_TABLE = "slack_installations"
STATES_TABLE = "slack_oauth_states"

# slack-sdk's own table definitions, so its stores read and write exactly what the migration made
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(SQLModel.metadata, BOTS_TABLE)
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(SQLModel.metadata, INSTALLATIONS_TABLE)
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(SQLModel.metadata, STATES_TABLE)


class Workspace(TableModel, table=True):
    """One per workspace salesbot was installed in (OAuth mode). Records carry `team_id`; the
    enterprise of each record is its workspace's, kept here from the first install on."""

    __tablename__ = "workspace"

    team_id: str = Field(primary_key=True, max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    name: str = Field(default="", max_length=200)
    installed_by: str = Field(default="", max_length=32)
    installed_at: datetime = Field(sa_type=UTCDateTime)
    uninstalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    data_deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # the token refresh claim: who refreshes the bot token now, until when
    refresh_claimed_by: str | None = Field(default=None, max_length=64)
    refresh_claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


def slack_tables() -> tuple[sa.Table, ...]:
    return SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES
