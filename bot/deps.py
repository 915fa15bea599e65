"""What handlers and the scheduler need, built once and passed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.background import BackgroundWork
from bot.config import Settings, SettingsError
from bot.domain.process import ProcessFileError, ProcessLibrary, library_from_file
from bot.services.processes import SESSION_KEY, ProcessProvider
from store.db import SessionFactory, make_engine, session_factory

if TYPE_CHECKING:
    from bot.installations import Installations


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
    processes: ProcessProvider = field(default_factory=lambda: ProcessProvider(ProcessLibrary()))
    installations: Installations | None = None  # OAuth mode: each workspace's installation and token


def build_deps(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Deps:
    engine = make_engine(settings.database_url)
    try:
        processes = ProcessProvider(library_from_file(settings.process_file))
    except ProcessFileError as error:
        raise SettingsError(f"setting PROCESS_FILE is invalid: {error}") from None
    new_session = carrying(session_factory(engine), processes)
    installations = None
    if settings.oauth:
        from bot.installations import build_installations

        installations = build_installations(settings, engine, new_session)
    return Deps(
        settings=settings,
        engine=engine,
        new_session=new_session,
        background=BackgroundWork(),
        clock=clock,
        admin_ids=frozenset(settings.admin_user_ids),
        processes=processes,
        installations=installations,
    )


def carrying(new_session: SessionFactory, processes: ProcessProvider) -> SessionFactory:
    """Sessions that carry the process provider, so services find a workspace's processes."""

    def new_session_with_processes() -> Session:
        session = new_session()
        session.info[SESSION_KEY] = processes
        return session

    return new_session_with_processes
