"""What handlers and the scheduler need, built once and passed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from bot.background import BackgroundWork
from bot.config import Settings
from store.db import SessionFactory, make_engine, session_factory


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    new_session: SessionFactory
    background: BackgroundWork
    clock: Callable[[], datetime] = utc_now
    admin_ids: frozenset[str] = field(default_factory=frozenset)


def build_deps(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Deps:
    engine = make_engine(settings.database_url)
    return Deps(
        settings=settings,
        engine=engine,
        new_session=session_factory(engine),
        background=BackgroundWork(),
        clock=clock,
        admin_ids=frozenset(settings.admin_user_ids),
    )
