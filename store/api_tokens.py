"""Rows of the web lead API: tokens (hashed secrets), idempotency keys and per-token rate counters."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete, select

from store.models import ApiIdempotency, ApiRate, ApiToken
from store.types import on_conflict_insert


def add_token(
    session: Session, *, team_id: str, name: str, public_id: str, secret_hash: str, by: str, now: datetime
) -> ApiToken:
    token = ApiToken(team_id=team_id, name=name, public_id=public_id, secret_hash=secret_hash, created_by=by,
                     created_at=now)  # fmt: skip
    session.add(token)
    session.flush()
    return token


def token_by_public_id(session: Session, public_id: str) -> ApiToken | None:
    """Any workspace's token: the caller has not said which workspace it is (the token does)."""
    return session.exec(select(ApiToken).where(ApiToken.public_id == public_id)).first()


def get_token(session: Session, *, team_id: str, token_id: int) -> ApiToken | None:
    return session.exec(select(ApiToken).where(ApiToken.team_id == team_id, ApiToken.id == token_id)).first()


def live_tokens(session: Session, *, team_id: str) -> list[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.team_id == team_id, col(ApiToken.revoked_at).is_(None))
        .order_by(col(ApiToken.created_at).desc())
        .limit(40)
    )
    return list(session.exec(query))


def stored_answer(session: Session, *, token_id: int, key: str) -> ApiIdempotency | None:
    query = select(ApiIdempotency).where(ApiIdempotency.token_id == token_id, ApiIdempotency.key == key)
    return session.exec(query).first()


def forget_answers_before(session: Session, *, token_id: int, key: str, before: datetime) -> None:
    session.exec(  # type: ignore[call-overload]
        delete(ApiIdempotency).where(
            col(ApiIdempotency.token_id) == token_id,
            col(ApiIdempotency.key) == key,
            col(ApiIdempotency.created_at) < before,
        )
    )


def reserve_key(session: Session, *, team_id: str, token_id: int, key: str, now: datetime) -> ApiIdempotency:
    """Insert the key's row first: a concurrent request with the same key waits on it, then fails on the
    unique constraint (IntegrityError) and replays the answer stored here."""
    row = ApiIdempotency(team_id=team_id, token_id=token_id, key=key, created_at=now)
    session.add(row)
    session.flush()
    return row


def count_request(session: Session, *, token_id: int, window: int) -> int:
    """One more request of the token in this minute (an upsert: every worker counts in the same row)."""
    table = ApiRate.__table__  # type: ignore[attr-defined]
    statement = (
        on_conflict_insert(session.get_bind().dialect.name)(table)
        .values(token_id=token_id, window=window, count=1)
        .on_conflict_do_update(index_elements=["token_id", "window"], set_={"count": table.c.count + 1})
        .returning(table.c.count)
    )
    count = int(session.execute(statement).scalar_one())
    if count == 1:  # the minute's first request clears the token's older minutes
        session.exec(  # type: ignore[call-overload]
            delete(ApiRate).where(col(ApiRate.token_id) == token_id, col(ApiRate.window) < window)
        )
    return count
