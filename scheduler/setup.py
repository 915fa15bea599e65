"""APScheduler 3 wiring: one in-memory interval job that ticks the dispatcher.

The outbox table is the source of truth, so no job store is shared between processes;
`misfire_grace_time=None` and `coalesce=True` mean a late tick runs once instead of being dropped.
"""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler

from bot.deps import Deps
from bot.slack_client import make_client
from scheduler.dispatcher import dispatch_due

log = logging.getLogger("salesbot.scheduler")
DISPATCH_JOB_ID = "outbox-dispatcher"


def start_scheduler(deps: Deps) -> BackgroundScheduler:
    client = make_client(deps.settings.slack_bot_token, deps.settings.slack_api_url, inline_retries=False)
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        dispatch_due,
        "interval",
        args=(deps, client),
        seconds=deps.settings.scheduler_tick_seconds,
        id=DISPATCH_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,
    )
    scheduler.start()
    log.info("scheduler started, tick every %ss", deps.settings.scheduler_tick_seconds)
    return scheduler
