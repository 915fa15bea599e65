"""APScheduler 3 wiring: one in-memory interval job that ticks the dispatcher.

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

from apscheduler.schedulers.background import BackgroundScheduler

from bot.deps import Deps
from bot.slack_client import make_client
from scheduler.dispatcher import Dispatcher

log = logging.getLogger("salesbot.scheduler")
DISPATCH_JOB_ID = "outbox-dispatcher"


def start_scheduler(deps: Deps, *, dispatcher: Dispatcher | None = None) -> BackgroundScheduler:
    """Start the background scheduler; `scheduler.shutdown()` stops it (the dispatcher's threads with it)."""
    if dispatcher is None:
        client = make_client(deps.settings.slack_bot_token, deps.settings.slack_api_url, inline_retries=False)
        dispatcher = Dispatcher(deps, client)
    scheduler = BackgroundScheduler(timezone=UTC, job_defaults={"misfire_grace_time": None, "coalesce": True})
    scheduler.add_job(
        _tick,
        "interval",
        args=(dispatcher,),
        seconds=deps.settings.scheduler_tick_seconds,
        id=DISPATCH_JOB_ID,
        name="salesbot outbox dispatcher",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
    scheduler.start()
    log.info("scheduler started, tick every %ss", deps.settings.scheduler_tick_seconds)
    return scheduler


def _tick(dispatcher: Dispatcher) -> None:
    try:
        dispatcher.tick()
    except Exception:  # a failing tick must not kill the job; the next one retries
        log.exception("dispatcher tick failed")
