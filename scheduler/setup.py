"""APScheduler 3 wiring: one in-memory interval job that ticks the dispatcher, one for housekeeping, one
keeping the text indexes merged.

The outbox table is the source of truth, so there is one job per process (never one per reminder)
and no job store shared between processes: several scheduler processes only meet in the outbox,
where claims are atomic. Deliberate job options:
- `misfire_grace_time=None`: a tick that starts late (busy machine, long previous tick) still runs;
  APScheduler's default of 1 s would silently drop it.
- `coalesce=True` + `max_instances=1`: a backlog of missed ticks collapses into one run, and ticks
  never overlap within a process (the dispatcher holds caches that assume one tick at a time).
- `timezone=UTC`: nothing depends on the host's zone.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from bot.count_fold import fold_once
from bot.deps import Deps
from bot.services.leads import discard_abandoned_drafts
from bot.services.workspaces import purge_uninstalled
from bot.slack_client import SHARED_POOL, make_client
from scheduler.dispatcher import Dispatcher
from store.db import transaction
from store.text_upkeep import UPKEEP_PAGES, WHOLE_PAGES, tidy_text_indexes

log = logging.getLogger("salesbot.scheduler")
DISPATCH_JOB_ID = "outbox-dispatcher"
HOUSEKEEPING_JOB_ID = "housekeeping"
TEXT_INDEX_JOB_ID = "text-index-upkeep"
COUNT_FOLD_JOB_ID = "owner-count-fold"


class _WaitingTickSkips(logging.Filter):
    """A dispatcher tick waits for rows falling due before the next tick (scheduler/dispatcher.py), so
    APScheduler skips the ticks due meanwhile (`max_instances=1`): expected, not a warning a second."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = record.args[0] if isinstance(record.args, tuple) and record.args else None
        return getattr(job, "id", None) != DISPATCH_JOB_ID or "running instances" not in str(record.msg)


SCHEDULER_LOG = logging.getLogger("apscheduler.scheduler.salesbot")  # APScheduler's own, one level down
SCHEDULER_LOG.addFilter(_WaitingTickSkips())


def make_dispatcher(deps: Deps, **options: Any) -> Dispatcher:
    """The process's dispatcher: its single-token client reuses keep-alive connections (in OAuth mode
    it makes one such client per workspace token)."""
    settings = deps.settings
    client = make_client(settings.slack_bot_token, settings.slack_api_url, inline_retries=False, pool=SHARED_POOL)
    return Dispatcher(deps, client, **options)


class SalesbotScheduler(BackgroundScheduler):
    """APScheduler's background scheduler whose shutdown first cuts the dispatcher's running tick short
    (a tick may otherwise wait for rows falling due for up to TICK_BUDGET seconds)."""

    def __init__(self, dispatcher: Dispatcher, **options: Any) -> None:
        super().__init__(**options)
        self.dispatcher = dispatcher

    def shutdown(self, wait: bool = True) -> None:
        self.dispatcher.stop()
        super().shutdown(wait=wait)
        if wait:
            self.dispatcher.close()


def start_scheduler(deps: Deps, *, dispatcher: Dispatcher | None = None) -> BackgroundScheduler:
    """Start the background scheduler; `scheduler.shutdown()` stops it (the dispatcher's threads with it)."""
    if dispatcher is None:
        dispatcher = make_dispatcher(deps)
    scheduler = SalesbotScheduler(
        dispatcher, timezone=UTC, job_defaults={"misfire_grace_time": None, "coalesce": True}, logger=SCHEDULER_LOG
    )
    seconds = deps.settings.scheduler_tick_seconds
    _every(scheduler, _tick, dispatcher, DISPATCH_JOB_ID, "salesbot outbox dispatcher", seconds=seconds)
    _every(scheduler, housekeep, deps, HOUSEKEEPING_JOB_ID, "salesbot housekeeping", hours=1)
    _every(scheduler, tidy_text, deps, TEXT_INDEX_JOB_ID, "salesbot text index upkeep", minutes=1)
    if deps.engine.dialect.name == "postgresql":
        fold_every = deps.settings.count_fold_seconds
        _every(scheduler, fold_counts, deps, COUNT_FOLD_JOB_ID, "salesbot owner count fold", seconds=fold_every)
    scheduler.start()
    log.info("scheduler started, tick every %ss", deps.settings.scheduler_tick_seconds)
    return scheduler


def _every(scheduler: BackgroundScheduler, job: Any, arg: object, job_id: str, name: str, **interval: float) -> None:
    """An interval job with the deliberate options of this module's docstring."""
    scheduler.add_job(
        job,
        "interval",
        args=(arg,),
        id=job_id,
        name=name,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
        **interval,
    )


def housekeep(deps: Deps) -> None:
    """Hourly: drop lead drafts whose duplicate warning nobody answered; merge each text index into one
    segment (store/text_upkeep.py); OAuth mode: delete the data of workspaces uninstalled longer than
    UNINSTALL_RETENTION_DAYS ago, and expired install states."""
    try:
        with transaction(deps.new_session) as session:
            dropped = discard_abandoned_drafts(session, now=deps.clock())
        if dropped:
            log.info("housekeeping: %d abandoned lead drafts deleted", dropped)
    except Exception:  # like a tick: the next run retries
        log.exception("housekeeping failed")
    _tidy(deps, whole=True, max_pages=WHOLE_PAGES)
    if deps.installations is not None:
        _housekeep_workspaces(deps)


def tidy_text(deps: Deps) -> None:
    """Every minute: merge what the last minute's writes added to the search indexes, a bounded amount
    (store/text_upkeep.py; a merge left unfinished continues at the next run). Each row written in a
    transaction of its own is a segment of the SQLite text index that every search seeks, until merged."""
    _tidy(deps, whole=False, max_pages=UPKEEP_PAGES)


def fold_counts(deps: Deps) -> None:
    """Every COUNT_FOLD_SECONDS (PostgreSQL): fold the owner counts' per-transaction slots into one row per group
    (store/owner_counts.py), so a list's count sums a few rows. The web processes fold too (bot/count_fold.py:
    web instances may run without a scheduler); the advisory lock lets one fold at a time."""
    fold_once(deps.engine)


def _tidy(deps: Deps, *, whole: bool, max_pages: int) -> None:
    try:
        merged = tidy_text_indexes(deps.engine, whole=whole, max_pages=max_pages)
    except Exception:  # like a tick: the next run retries
        log.exception("text index upkeep failed")
        return
    if merged:
        pages = ", ".join(f"{name} {count} pages" for name, count in merged.items())
        log.debug("text index upkeep%s: %s", " (whole)" if whole else "", pages)


def _housekeep_workspaces(deps: Deps) -> None:
    try:
        retention = deps.settings.uninstall_retention_days
        purged = purge_uninstalled(deps.new_session, retention_days=retention, now=deps.clock())
        for team, counts in purged.items():
            detail = ", ".join(f"{table} {count}" for table, count in counts.items())
            log.info("housekeeping: workspace %s uninstalled over %d days ago: %d rows deleted (%s)",
                     team, retention, sum(counts.values()), detail)  # fmt: skip
        if deps.installations is not None:
            deps.installations.states.purge_expired()
    except Exception:
        log.exception("housekeeping of uninstalled workspaces failed")


def _tick(dispatcher: Dispatcher) -> None:
    try:
        dispatcher.tick()
    except Exception:  # a failing tick must not kill the job; the next one retries
        log.exception("dispatcher tick failed")
