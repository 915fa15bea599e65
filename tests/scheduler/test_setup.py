"""Smoke test of the APScheduler wiring: one interval job with deliberate options, really ticking."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bot.deps import build_deps
from scheduler.setup import (
    COUNT_FOLD_JOB_ID,
    DISPATCH_JOB_ID,
    HOUSEKEEPING_JOB_ID,
    TEXT_INDEX_JOB_ID,
    start_scheduler,
)
from store.db import transaction
from store.outbox import enqueue
from tests.conftest import make_settings
from tests.slack.fake_slack import FakeSlack


def test_the_scheduler_ticks_the_dispatcher_with_one_deliberate_job(database_url: str, fake_slack: FakeSlack) -> None:
    deps = build_deps(make_settings(database_url, fake_slack, scheduler_tick_seconds=0.05))
    with transaction(deps.new_session) as session:
        enqueue(
            session,
            team_id="T1",
            kind="dm",
            recipient="U1",
            due_at=datetime.now(UTC) - timedelta(seconds=1),
            dedupe_key="smoke",
            payload={"text": "tick tock"},
        )
    scheduler = start_scheduler(deps)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        folding = {COUNT_FOLD_JOB_ID} if deps.engine.dialect.name == "postgresql" else set()  # owner_count's slots
        assert set(jobs) == {DISPATCH_JOB_ID, HOUSEKEEPING_JOB_ID, TEXT_INDEX_JOB_ID} | folding
        for job in jobs.values():
            assert isinstance(job.trigger, IntervalTrigger)
            assert job.misfire_grace_time is None and job.coalesce is True and job.max_instances == 1
        assert jobs[HOUSEKEEPING_JOB_ID].trigger.interval == timedelta(hours=1)
        assert jobs[TEXT_INDEX_JOB_ID].trigger.interval == timedelta(minutes=1)
        assert str(scheduler.timezone) == "UTC"
        [post] = fake_slack.wait_for("chat.postMessage", 1, timeout=10)
        assert post.args["text"] == "tick tock" and post.args["channel"] == "U1"
    finally:
        scheduler.shutdown(wait=True)
        deps.engine.dispose()


def test_ticks_skipped_while_a_tick_waits_for_due_rows_are_not_warned_about(
    database_url: str, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """APScheduler reports a run skipped because the job is still running (max_instances=1) to the
    scheduler's logger, with the job as first argument; the dispatcher's are expected, others' are not."""
    deps = build_deps(make_settings(database_url, fake_slack))
    scheduler = start_scheduler(deps)
    try:
        with caplog.at_level(logging.WARNING):
            for job in scheduler.get_jobs():
                scheduler._logger.warning(
                    'Execution of job "%s" skipped: maximum number of running instances reached (%d)', job, 1
                )
                scheduler._logger.warning('Run time of job "%s" was missed by %s', job, timedelta(seconds=2))
        skipped = [record.args[0].id for record in caplog.records if "skipped" in record.getMessage()]  # type: ignore[index, union-attr]
        folding = [COUNT_FOLD_JOB_ID] if deps.engine.dialect.name == "postgresql" else []
        assert sorted(skipped) == sorted([HOUSEKEEPING_JOB_ID, TEXT_INDEX_JOB_ID, *folding])
        assert len([record for record in caplog.records if "was missed" in record.getMessage()]) == 3 + len(folding)
    finally:
        scheduler.shutdown(wait=True)
        deps.engine.dispose()
