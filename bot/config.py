"""Settings from the environment or `.env`; a bad value stops start-up with one line naming it."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.setting_errors import SettingsError

__all__ = ["LOG_LEVELS", "Settings", "SettingsError", "load_settings"]
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
OAUTH_SETTINGS = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///salesbot.db"
    reminder_minutes_before: int = Field(default=15, ge=0, le=24 * 60)
    digest_hour: int = Field(default=8, ge=0, le=23)
    scheduler_tick_seconds: float = Field(default=1.0, gt=0, le=3600)
    count_fold_seconds: float = Field(default=60.0, gt=0, le=3600)  # PostgreSQL: bot/count_fold.py
    dispatcher_send_threads: int = Field(default=32, ge=1, le=256)
    stale_deal_days: int = Field(default=14, ge=1, le=3650)
    deal_room_private: bool = True
    deal_room_archive_days: int = Field(default=7, ge=0, le=3650)
    process_file: Path | None = None
    admin_user_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"
    # Quotes (PRODUCT.md section 9): what the PDF prints, the tax preset, when an approval is nudged
    company_name: str = Field(default="", max_length=200)
    company_address: str = Field(default="", max_length=1000)
    default_tax_rate: Decimal = Field(default=Decimal(0), ge=0, le=100, decimal_places=2)
    approval_nudge_hours: int = Field(default=24, ge=1, le=24 * 30)
    # The web lead API (POST /api/leads): requests per token per minute
    api_rate_per_minute: int = Field(default=60, ge=1, le=1_000_000)
    # Many workspaces (PRODUCT.md section 9): OAuth mode when all three are set
    slack_client_id: str | None = None
    slack_client_secret: str | None = Field(default=None, repr=False)
    slack_state_secret: str | None = Field(default=None, repr=False)
    uninstall_retention_days: int = Field(default=30, ge=0, le=3650)

    @field_validator("slack_api_url")
    @classmethod
    def _normalise_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        return value

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            ids = [part.strip() for part in value.split(",") if part.strip()]
            if any(not part.isalnum() for part in ids):
                raise ValueError("must be comma-separated Slack user ids such as U012AB3CD")
            return ids
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _check_log_level(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.upper()
            if value not in LOG_LEVELS:
                raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value

    @field_validator("process_file")
    @classmethod
    def _check_process_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file {value} does not exist")
        return value

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def oauth(self) -> bool:
        """OAuth mode: a token per installed workspace, from the installation store."""
        return bool(self.slack_client_id and self.slack_client_secret and self.slack_state_secret)

    def check_mode(self) -> None:
        """Single-token mode or OAuth mode, never a mix: one line naming the settings that clash."""
        given = [name for name in OAUTH_SETTINGS if getattr(self, name.lower())]
        if not given:
            return
        if len(given) < len(OAUTH_SETTINGS):
            missing = ", ".join(name for name in OAUTH_SETTINGS if name not in given)
            raise SettingsError(
                f"setting {missing} is missing: OAuth mode needs {', '.join(OAUTH_SETTINGS)} together "
                f"({', '.join(given)} set), or none of them"
            )
        clashes = (
            ("SLACK_BOT_TOKEN", "OAuth mode stores a token per workspace at install"),
            ("SLACK_APP_TOKEN", "OAuth mode needs HTTP mode, Socket Mode serves one workspace"),
        )
        for name, why in clashes:
            if getattr(self, name.lower()):
                raise SettingsError(
                    f"setting {name} cannot be set with {', '.join(OAUTH_SETTINGS)}: {why}; remove {name}"
                )

    @property
    def log_level_number(self) -> int:
        return logging.getLevelName(self.log_level)

    def require(self, *names: str) -> None:
        """Fail with one line if a setting needed by the current command is missing."""
        for name in names:
            if not getattr(self, name):
                raise SettingsError(f"setting {name.upper()} is missing (set it in the environment or .env)")
        if self.slack_bot_token and not self.slack_bot_token.startswith("xoxb-"):
            raise SettingsError("setting SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-")
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise SettingsError("setting SLACK_APP_TOKEN is malformed: an app-level token starts with xapp-")


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning pydantic's report into one line that names the first bad setting."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"setting {name} is invalid: {message}") from None
    settings.check_mode()
    return settings
