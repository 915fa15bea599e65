"""Which sales processes a workspace runs: a provider built once per process (in `Deps`), cached,
and checked against the workspace's version row so every worker sees an upload on its next request.

Services reach it through the session they are given (`library_in(session, team_id)`): the
session factory in `Deps` carries the provider, so no use case needs a module global. Today every
workspace runs PROCESS_FILE (or the built-in process) unless it uploaded its own TOML.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlmodel import Session

from bot.domain.process import ProcessFileError, ProcessLibrary, parse_library
from bot.domain.text import fold
from store.prepared import Reader
from store.process_libraries import library_version, read_library, read_version, save_library
from store.teams import team_named

SESSION_KEY = "salesbot.processes"  # where a session carries the provider


class ProcessProvider:
    def __init__(self, default: ProcessLibrary) -> None:
        self.default = default
        self._parsed: dict[tuple[str, int], ProcessLibrary] = {}
        self._lock = threading.Lock()

    def library(self, session: Session, team_id: str) -> ProcessLibrary:
        """The workspace's library: one version read per transaction, parsed once per version."""
        seen: dict[str, ProcessLibrary] = session.info.setdefault(SESSION_KEY + ".seen", {})
        if team_id not in seen:
            seen[team_id] = self._current(session, team_id)
        return seen[team_id]

    def upload(
        self, session: Session, team_id: str, toml: str, *, now: datetime, source: str = "the uploaded processes"
    ) -> ProcessLibrary:
        """Validate (ProcessFileError names `source` and what is wrong) and store a workspace's
        processes; blank text returns the workspace to PROCESS_FILE (or the built-in process)."""
        blank = not toml.strip()
        library = self.default if blank else parse_library(toml, source=source)
        _check_teams(session, team_id, library, source)
        row = save_library(session, team_id=team_id, toml=toml, now=now)
        with self._lock:
            self._parsed[(team_id, row.version)] = library
        session.info.get(SESSION_KEY + ".seen", {}).pop(team_id, None)
        return library

    def read(self, reader: Reader, team_id: str) -> ProcessLibrary:
        """The workspace's library outside the ORM (an ack that only reads): its version number checked
        against the parsed cache, the text read only when the cache misses."""
        return self.at_version(reader, team_id, read_version(reader, team_id=team_id))

    def at_version(self, reader: Reader, team_id: str, version: int | None) -> ProcessLibrary:
        """`read` with the version already read (App Home reads it with the user's row); None: the
        workspace never uploaded processes."""
        if version is None:
            return self.default
        with self._lock:
            cached = self._parsed.get((team_id, version))
        if cached is not None:
            return cached
        row = read_library(reader, team_id=team_id)
        return self.default if row is None else self._parse(team_id, *row)

    def _current(self, session: Session, team_id: str) -> ProcessLibrary:
        row = library_version(session, team_id=team_id)
        return self.default if row is None else self._parse(team_id, row.version, row.toml)

    def _parse(self, team_id: str, version: int, toml: str) -> ProcessLibrary:
        """The library of a version's text, parsed once per version (blank: the default)."""
        key = (team_id, version)
        with self._lock:
            cached = self._parsed.get(key)
        if cached is None:
            blank = not toml.strip()
            cached = self.default if blank else parse_library(toml, source=f"the processes of {team_id}")
            with self._lock:
                self._parsed = {k: v for k, v in self._parsed.items() if k[0] != team_id}
                self._parsed[key] = cached
        return cached


def _check_teams(session: Session, team_id: str, library: ProcessLibrary, source: str) -> None:
    """An uploaded rule must name one of the workspace's teams (one deleted later is skipped: fallback)."""
    for rule in library.routing.rules:
        name = rule.assign.team
        if name and team_named(session, team_id=team_id, name_key=fold(name)[:100]) is None:
            path = f"routing[{rule.index}].assign.team"
            raise ProcessFileError(f"{source}: {path}: no team named {name!r} in /salesbot admin")


_BUILT_IN = ProcessProvider(ProcessLibrary())


def library_in(session: Session, team_id: str) -> ProcessLibrary:
    """The processes of `team_id`, from the provider the session was opened with (a session made
    outside `Deps`, e.g. in a unit test, sees the built-in process)."""
    provider: ProcessProvider = session.info.get(SESSION_KEY) or _BUILT_IN
    return provider.library(session, team_id)
