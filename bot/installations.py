"""OAuth mode: Bolt's OAuthSettings/OAuthFlow on slack-sdk's SQLAlchemy stores in salesbot's database,
the per-workspace bot token (refreshed once when it is about to expire, whoever asks first), and the
pages of the install flow. Single-token mode never builds any of this.

Why a custom `Authorize`: Bolt's InstallationStoreAuthorize calls auth.test on every request and lets
every worker refresh an expiring token at the same moment. Ours reads the bot row (one indexed query),
refreshes under a claim on the workspace row, and builds the AuthorizeResult from what the install
stored (bot id and user id came from auth.test then); a revoked token is dropped by the
`tokens_revoked`/`app_uninstalled` events."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.context import BoltContext
from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.slack_client import make_client
from bot.views import install_pages
from store.db import SessionFactory, transaction
from store.installations import BOTS_TABLE, INSTALLATIONS_TABLE, STATES_TABLE
from store.workspaces import claim_refresh, release_refresh

log = logging.getLogger("salesbot.installations")
STATE_SECONDS = 600  # the OAuth state is single-use and expires after 10 minutes
REFRESH_BEFORE_MINUTES = 120  # Bolt's default: refresh a rotating token two hours before it expires
REFRESH_CLAIM = timedelta(seconds=30)  # how long one worker holds the right to refresh a workspace's token
WAIT_FOR_REFRESH = 10.0  # seconds a worker whose token has expired waits for the one refreshing it
# Seconds a worker reuses a workspace's bot row before reading it again: the lookup then costs nothing on
# most requests (bench/oauth_ack.py). An uninstall handled here forgets it at once; one handled by another
# worker leaves it for at most this long, and a refreshed token's predecessor stays valid until it expires.
CACHE_SECONDS = 10.0
Installed = Callable[[Installation], None]  # what salesbot does once a workspace is installed


class OrgWideInstall(BoltError):
    """An Enterprise Grid org-wide install: refused until salesbot supports it."""


class SignedStateStore(SQLAlchemyOAuthStateStore):
    """slack-sdk's state store, with the state signed by SLACK_STATE_SECRET (a forged one is refused
    without a query) and consumed by one conditional DELETE, so two redirects racing with the same
    state cannot both pass."""

    def __init__(self, secret: str, engine: Engine) -> None:
        super().__init__(expiration_seconds=STATE_SECONDS, engine=engine, table_name=STATES_TABLE)
        self._secret = secret.encode()

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, *args: Any, **kwargs: Any) -> str:
        nonce = uuid.uuid4().hex
        state = f"{nonce}.{self._sign(nonce)}"
        expire_at = datetime.fromtimestamp(time.time() + self.expiration_seconds, tz=UTC).replace(tzinfo=None)
        with self.engine.begin() as connection:
            connection.execute(self.oauth_states.insert(), {"state": state, "expire_at": expire_at})
        return state

    def consume(self, state: str) -> bool:
        nonce, _, signature = (state or "").partition(".")
        if not nonce or not hmac.compare_digest(self._sign(nonce), signature):
            return False
        now = datetime.now(UTC).replace(tzinfo=None)
        c = self.oauth_states.c
        with self.engine.begin() as connection:
            deleted = connection.execute(self.oauth_states.delete().where(c.state == state, c.expire_at > now))
            return deleted.rowcount == 1

    def purge_expired(self) -> int:
        now = datetime.now(UTC).replace(tzinfo=None)
        expired = self.oauth_states.delete().where(self.oauth_states.c.expire_at <= now)
        with self.engine.begin() as connection:
            return int(connection.execute(expired).rowcount)


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class BotTokens:
    """Each workspace's current bot token, from the installation store, refreshed once when it is about
    to expire: the worker that wins the claim on the workspace row refreshes; the others carry on with
    the current token while it is still valid, or wait for the new one when it has expired."""

    def __init__(self, store: SQLAlchemyInstallationStore, rotator: TokenRotator, new_session: SessionFactory,
                 minutes_before: int = REFRESH_BEFORE_MINUTES) -> None:  # fmt: skip
        self.store, self.rotator, self.new_session = store, rotator, new_session
        self.minutes_before = minutes_before
        self.cache_seconds = CACHE_SECONDS
        self._recent: dict[tuple[str | None, str | None], tuple[float, Bot]] = {}
        self._lock = threading.Lock()

    def bot(self, *, team_id: str | None, enterprise_id: str | None = None) -> Bot | None:
        key = (enterprise_id, team_id)
        with self._lock:
            until, bot = self._recent.get(key, (0.0, None))
        if bot is not None and until > time.monotonic() and not self._expires_within(bot, self.minutes_before * 60):
            return bot
        bot = self.store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is not None and self._expires_within(bot, self.minutes_before * 60):
            bot = self._refresh(bot)
        self._remember(key, bot)
        return bot

    def forget(self, *, team_id: str | None, enterprise_id: str | None = None) -> None:
        with self._lock:
            self._recent.pop((enterprise_id, team_id), None)

    def _remember(self, key: tuple[str | None, str | None], bot: Bot | None) -> None:
        with self._lock:
            if bot is None:
                self._recent.pop(key, None)
                return
            if len(self._recent) > 100_000:
                self._recent.clear()
            self._recent[key] = (time.monotonic() + self.cache_seconds, bot)

    def tokens(self, team_ids: set[str]) -> dict[str, str | None]:
        """The bot token of each workspace (None: no active installation, or Slack refused to refresh its
        token), for one batch of sends. A database or network failure raises: the batch is retried."""
        found: dict[str, str | None] = {}
        for team in team_ids:
            try:
                bot = self.bot(team_id=team)
            except SlackTokenRotationError as error:
                log.error("token refresh refused team=%s error=%s", team, error.api_error.response.get("error"))
                bot = None
            found[team] = bot.bot_token if bot is not None else None
        return found

    @staticmethod
    def _expires_within(bot: Bot, seconds: float) -> bool:
        return bot.bot_token_expires_at is not None and bot.bot_token_expires_at <= time.time() + seconds

    def _refresh(self, bot: Bot) -> Bot | None:
        worker, team = _worker(), bot.team_id or ""
        now = datetime.now(UTC)
        with transaction(self.new_session) as session:
            won = claim_refresh(session, team_id=team, worker=worker, now=now, until=now + REFRESH_CLAIM)
        if not won:
            return bot if not self._expires_within(bot, 5) else self._wait_for_new_token(bot)
        try:
            current = self.store.find_bot(enterprise_id=bot.enterprise_id, team_id=bot.team_id)
            if current is None or not self._expires_within(current, self.minutes_before * 60):
                return current  # refreshed by another worker between our read and our claim
            return self._rotate(current)
        finally:
            with transaction(self.new_session) as session:
                release_refresh(session, team_id=team, worker=worker)

    def _rotate(self, bot: Bot) -> Bot:
        refreshed = self.rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=self.minutes_before)
        if refreshed is None:
            return bot
        installation = self.store.find_installation(enterprise_id=bot.enterprise_id, team_id=bot.team_id)
        if installation is not None and installation.bot_refresh_token == bot.bot_refresh_token:
            installation.bot_token, installation.bot_refresh_token = refreshed.bot_token, refreshed.bot_refresh_token
            installation.bot_token_expires_at = refreshed.bot_token_expires_at
            self.store.save(installation)  # the installation row and the bot row
        else:
            self.store.save_bot(refreshed)
        log.info("bot token refreshed team=%s", bot.team_id)
        return refreshed

    def _wait_for_new_token(self, bot: Bot) -> Bot | None:
        deadline = time.monotonic() + WAIT_FOR_REFRESH
        while time.monotonic() < deadline:
            time.sleep(0.1)
            current = self.store.find_bot(enterprise_id=bot.enterprise_id, team_id=bot.team_id)
            if current is None or current.bot_token != bot.bot_token:
                return current
        return bot  # the refreshing worker is slow: try with what we have (Slack answers token_expired)


class WorkspaceAuthorize(Authorize):
    """Bolt's authorize step in OAuth mode: the request's workspace's bot token, or None (Bolt then
    answers with its standard "please reinstall" message and nothing runs)."""

    def __init__(self, tokens: BotTokens) -> None:
        self.tokens = tokens

    def __call__(self, *, context: BoltContext, enterprise_id: str | None, team_id: str | None,
                 user_id: str | None, **_actor: Any) -> AuthorizeResult | None:  # fmt: skip
        if context.is_enterprise_install:
            return None  # org-wide installs are refused at install time
        try:
            bot = self.tokens.bot(team_id=team_id, enterprise_id=enterprise_id)
        except SlackTokenRotationError as error:
            log.error("token refresh failed team=%s error=%s", team_id, error.api_error.response.get("error"))
            return None
        if bot is None or not bot.bot_token:
            log.info("request from a workspace with no installation team=%s", team_id)
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id, team_id=bot.team_id, bot_user_id=bot.bot_user_id, bot_id=bot.bot_id,
            bot_token=bot.bot_token, bot_scopes=bot.bot_scopes, user_id=user_id,
        )  # fmt: skip


class SalesOAuthFlow(OAuthFlow):
    """Bolt's flow with salesbot's pages, the org-wide refusal, and what follows an install."""

    installed: Installed

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return install_pages.install_page(url, list(self.settings.scopes or []))

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        if installation.is_enterprise_install:
            self._revoke(installation.bot_token)
            raise OrgWideInstall("org-wide install refused")
        try:  # salesbot's rows first: an installation it does not know of would serve requests half set up
            self.installed(installation)
        except Exception as error:
            log.exception("recording the install of team=%s failed", installation.team_id)
            raise BoltError("the installation could not be recorded") from error
        super().store_installation(request, installation)

    def _revoke(self, token: str | None) -> None:
        if token:
            try:
                self.client.auth_revoke(token=token)
            except SlackApiError as error:
                log.warning("auth.revoke after a refused org-wide install failed: %s", error.response.get("error"))


def _success(args: SuccessArgs) -> BoltResponse:
    team = args.installation.team_name or args.installation.team_id or "your workspace"
    return _page(200, install_pages.success_page(team), args.settings)


def _failure(args: FailureArgs) -> BoltResponse:
    if isinstance(args.error, OrgWideInstall):
        return _page(400, install_pages.org_wide_page(), args.settings)
    log.warning("install failed reason=%s", args.reason)
    return _page(args.suggested_status_code, install_pages.failure_page(args.reason), args.settings)


def _page(status: int, html: str, settings: OAuthSettings) -> BoltResponse:
    headers = {"Content-Type": "text/html; charset=utf-8",
               "Set-Cookie": [settings.state_utils.build_set_cookie_for_deletion()]}  # fmt: skip
    return BoltResponse(status=status, body=html, headers=headers)


@dataclass
class Installations:
    """What OAuth mode adds to the app and the scheduler."""

    store: SQLAlchemyInstallationStore
    states: SignedStateStore
    tokens: BotTokens
    settings: OAuthSettings
    scopes: list[str]  # filled once the listeners are registered (the manifest's bot scopes)

    def flow(self, client: WebClient, installed: Installed) -> SalesOAuthFlow:
        flow = SalesOAuthFlow(client=client, logger=logging.getLogger("salesbot.oauth"), settings=self.settings)
        flow.installed = installed
        return flow

    def forget(self, *, team_id: str, enterprise_id: str | None) -> None:
        """Delete the workspace's installations and bots (its tokens): salesbot can no longer act there."""
        self.store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
        self.tokens.forget(team_id=team_id, enterprise_id=enterprise_id)


def build_installations(settings: Settings, engine: Engine, new_session: SessionFactory) -> Installations:
    client_id, secret = settings.slack_client_id or "", settings.slack_client_secret or ""
    store = SQLAlchemyInstallationStore(
        client_id=client_id, engine=engine, bots_table_name=BOTS_TABLE, installations_table_name=INSTALLATIONS_TABLE
    )
    states = SignedStateStore(settings.slack_state_secret or "", engine)
    # Bolt's rotator builds its own client on Slack's public URL: point it at SLACK_API_URL
    rotator = TokenRotator(client_id=client_id, client_secret=secret,
                           client=make_client(None, settings.slack_api_url))  # fmt: skip
    tokens = BotTokens(store, rotator, new_session)
    scopes: list[str] = []
    oauth_settings = OAuthSettings(
        client_id=client_id, client_secret=secret, scopes=scopes, user_scopes=[], installation_store=store,
        installation_store_bot_only=True, state_store=states, state_expiration_seconds=STATE_SECONDS,
        callback_options=CallbackOptions(success=_success, failure=_failure),
    )  # fmt: skip
    return Installations(store, states, tokens, oauth_settings, scopes)
