"""API tokens of the web lead API: created and revoked by admins in `/salesbot admin` (shown once,
stored as a SHA-256 of their secret), and checked on every request in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlmodel import Session

from bot.refusals import Refused
from store import api_tokens as token_store
from store.audit import record_change
from store.models import ApiToken

PREFIX = "sbk_"
NAME_MAX = 80
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def create_token(session: Session, *, team_id: str, name: str, by: str, now: datetime) -> tuple[ApiToken, str]:
    """The new token and its text, which is shown once and never stored."""
    name = " ".join(name.split())
    if not name:
        raise Refused("Name the token after what will use it, e.g. Website form.")
    if len(name) > NAME_MAX:
        raise Refused(f"A token's name has at most {NAME_MAX} characters.")
    public_id, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
    token = token_store.add_token(session, team_id=team_id, name=name, public_id=public_id,
                                  secret_hash=_digest(secret), by=by, now=now)  # fmt: skip
    record_change(session, team_id=team_id, actor_id=by, action="API token created", detail=name, people=[], at=now)
    return token, f"{PREFIX}{public_id}_{secret}"


def revoke_token(session: Session, *, team_id: str, token_id: int, by: str, now: datetime) -> str:
    token = token_store.get_token(session, team_id=team_id, token_id=token_id)
    if token is None or token.revoked_at is not None:
        raise Refused("That token no longer exists (revoked already?).")
    token.revoked_at, token.revoked_by = now, by
    session.add(token)
    record_change(session, team_id=team_id, actor_id=by, action="API token revoked", detail=token.name, people=[],
                  at=now)  # fmt: skip
    return token.name


def authenticate(session: Session, presented: str) -> ApiToken | None:
    """The live token `presented` is, or None. The secret's digest is compared in constant time, and
    an unknown token costs the same comparison as a known one."""
    public_id, _, secret = presented.removeprefix(PREFIX).partition("_")
    valid_shape = presented.startswith(PREFIX) and len(public_id) == 12 and 0 < len(secret) <= 100
    token = token_store.token_by_public_id(session, public_id) if valid_shape else None
    expected = token.secret_hash if token is not None else _DUMMY_HASH
    matches = hmac.compare_digest(_digest(secret), expected)
    if token is None or not matches or token.revoked_at is not None:
        return None
    return token


def list_tokens(session: Session, *, team_id: str) -> list[ApiToken]:
    """The workspace's live tokens, newest first."""
    return token_store.live_tokens(session, team_id=team_id)
