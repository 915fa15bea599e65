"""The text indexes' upkeep (store/text_upkeep.py) through the product's paths: the scheduler's minutely job
after reps wrote leads one at a time, its hourly housekeeping, and a CSV import through `/lead import`.
SQLite: the FTS5 index's segments merged; PostgreSQL: the pg_trgm GIN index's pending list moved into the
index. Searches answer the same before and after."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.lead_csv import generate
from bot.deps import Deps
from bot.imports import leads as lead_import
from scheduler.setup import housekeep, tidy_text
from tests.conftest import RunningBot
from tests.handlers.test_lead_import import _import_via_modal


def _sqlite(bot: RunningBot) -> bool:
    return bot.deps.engine.dialect.name == "sqlite"


def _new_lead(bot: RunningBot, topic: str, company: str) -> None:
    rep = bot.user("U1")
    rep.command("/lead")
    rep.submit(bot.slack.last_view("views.open"), {"Topic": topic, "Company": company})


def _segments(bot: RunningBot) -> int:
    """SQLite: the segments of the leads' FTS5 index (each has its first term in `lead_fts_idx`)."""
    with bot.deps.engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(DISTINCT segid) FROM lead_fts_idx").scalar_one())


def _pending_pages(bot: RunningBot) -> int:
    """PostgreSQL: the pages of the leads' GIN pending list (moved into the index by this very call)."""
    with bot.deps.engine.begin() as connection:
        query = sa.text("SELECT gin_clean_pending_list(to_regclass('ix_lead_search_trgm'))")
        return int(connection.execute(query).scalar_one())


def _upkeep_log(bot: RunningBot, caplog: pytest.LogCaptureFixture, job: Callable[[Deps], None] = tidy_text) -> str:
    """What one run of the scheduler's upkeep job (or housekeeping) reported."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="salesbot.scheduler"):
        job(bot.deps)
    return "\n".join(r.getMessage() for r in caplog.records if r.getMessage().startswith("text index upkeep"))


def test_the_minutely_upkeep_merges_what_reps_wrote_one_lead_at_a_time(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    rep = bot.user("U1")
    for number in range(6):
        _new_lead(bot, f"Grinders {number}", f"Aurora {number}")
    found = rep.command("/lead", "aurora").json
    assert "Aurora 5" in str(found) and "Aurora 0" in str(found)
    if _sqlite(bot):
        assert _segments(bot) >= 6  # a segment per transaction

    reported = _upkeep_log(bot, caplog)

    assert ("lead_fts" if _sqlite(bot) else "ix_lead_search_trgm") in reported
    if _sqlite(bot):
        assert _segments(bot) == 1
    else:
        assert _pending_pages(bot) == 0
    assert rep.command("/lead", "aurora").json == found
    assert _upkeep_log(bot, caplog) == ""  # nothing left: the next run does nothing


def test_the_hourly_housekeeping_merges_the_text_index_into_one_segment(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """The minutely job (and an import) merge levels of two segments; what they leave on different levels (an
    import's leads, and a lead a rep wrote after it) the hourly housekeeping merges into one."""
    generate(tmp_path / "leads.csv", 3000)
    _import_via_modal(bot, (tmp_path / "leads.csv").read_bytes())
    _new_lead(bot, "Grinders", "Aurora Roasters")
    _upkeep_log(bot, caplog)
    if _sqlite(bot):
        assert _segments(bot) >= 2
    found = bot.user("U1").command("/lead", "aurora").json
    assert "Aurora Roasters" in str(found)

    reported = _upkeep_log(bot, caplog, housekeep)

    if _sqlite(bot):
        assert "(whole): lead_fts" in reported and _segments(bot) == 1
    assert bot.user("U1").command("/lead", "aurora").json == found
    assert _upkeep_log(bot, caplog, housekeep) == ""


def test_an_import_leaves_its_leads_text_index_merged(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An import commits every COMMIT_EVERY rows (here: every chunk of the file, 2,000 rows), each commit a
    segment or more (SQLite) and more of the pending list (PostgreSQL); the import merges them before it
    reports (without: 5 segments; 150 pending pages)."""
    monkeypatch.setattr(lead_import, "COMMIT_EVERY", 1)
    generate(tmp_path / "leads.csv", 8000)
    report = _import_via_modal(bot, (tmp_path / "leads.csv").read_bytes())
    assert "leads created" in report
    if _sqlite(bot):
        assert _segments(bot) <= 2
    else:
        assert _pending_pages(bot) == 0
    with bot.deps.engine.connect() as connection:
        email, topic = connection.exec_driver_sql("SELECT email, topic FROM lead ORDER BY id DESC LIMIT 1").one()
    assert topic in str(bot.user("U1").command("/lead", email).json)
