"""Reads of a claimed outbox batch, which spans workspaces: rows by id in one query per table.

Whoever uses a row checks it against the workspace of the outbox row it serves (scheduler/renderers.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from store.models import SlackUser

Row = TypeVar("Row", bound=SQLModel)


def by_ids(session: Session, model: type[Row], ids: Iterable[int]) -> list[Row]:
    """The rows of `model` with these ids, in any workspace."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    model_id: Any = model.id  # type: ignore[attr-defined]
    return list(session.exec(select(model).where(col(model_id).in_(wanted))))


def users_by_slack_ids(session: Session, user_ids: Iterable[str]) -> list[SlackUser]:
    """The known users with these Slack ids, in any workspace (a user id is per workspace)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    return list(session.exec(select(SlackUser).where(col(SlackUser.user_id).in_(wanted))))
