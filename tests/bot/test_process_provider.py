"""Processes come from a per-workspace provider in Deps, checked against a version row: an upload
through one worker is seen by every other worker on its next request; other workspaces keep theirs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import SettingsError
from bot.deps import build_deps
from bot.domain.process import DEFAULT_PROCESS, ProcessFileError
from bot.services.processes import library_in
from store.db import transaction
from tests.conftest import make_settings
from tests.slack.fake_slack import FakeSlack

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TOML = """
[[process]]
name = "Enterprise deal"
default = true
[[process.stage]]
name = "Qualify"
completed = 50
chance = 20
steps = [{ name = "Identify account", type = "account", required = true }]
[[process.stage]]
name = "Close"
completed = 100
chance = 80
"""


def _names(deps, team: str) -> list[str]:  # type: ignore[no-untyped-def]
    with transaction(deps.new_session) as session:
        return [p.name for p in library_in(session, team).all]


def test_an_upload_reaches_every_worker_on_its_next_request(database_url: str, fake_slack: FakeSlack) -> None:
    web, scheduler = (build_deps(make_settings(database_url, fake_slack)) for _ in range(2))
    assert _names(scheduler, "T1") == [DEFAULT_PROCESS.name]  # cached before the upload
    with transaction(web.new_session) as session:
        web.processes.upload(session, "T1", TOML, now=NOW)
    assert _names(scheduler, "T1") == [DEFAULT_PROCESS.name, "Enterprise deal"]
    assert _names(web, "T1") == [DEFAULT_PROCESS.name, "Enterprise deal"]
    assert _names(scheduler, "T2") == [DEFAULT_PROCESS.name]  # another workspace keeps its own
    with transaction(web.new_session) as session:
        web.processes.upload(session, "T1", "", now=NOW)  # back to PROCESS_FILE / the built-in process
    assert _names(scheduler, "T1") == [DEFAULT_PROCESS.name]
    for deps in (web, scheduler):
        deps.engine.dispose()


def test_a_malformed_upload_is_refused_and_changes_nothing(database_url: str, fake_slack: FakeSlack) -> None:
    deps = build_deps(make_settings(database_url, fake_slack))
    with pytest.raises(ProcessFileError), transaction(deps.new_session) as session:
        deps.processes.upload(session, "T1", "[[process]]\nname = 3", now=NOW)
    assert _names(deps, "T1") == [DEFAULT_PROCESS.name]
    deps.engine.dispose()


def test_a_malformed_process_file_stops_building_deps(
    database_url: str, fake_slack: FakeSlack, tmp_path: pytest.TempPathFactory
) -> None:
    path = tmp_path / "processes.toml"  # type: ignore[operator]
    path.write_text("[[process]]\nname = ")
    with pytest.raises(SettingsError, match="PROCESS_FILE"):
        build_deps(make_settings(database_url, fake_slack, process_file=path))
