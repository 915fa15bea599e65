"""PostgreSQL: the web processes fold the counters' per-transaction slots too (store/counter_slots.fold), not
only the scheduler's job. With web instances alone (`salesbot run --no-scheduler`, the scheduler process down
or not deployed yet) nothing folded: every writing transaction left a slot behind in each group it touched,
and each list's count summed more of them. The fold takes a PostgreSQL advisory lock (tried, never waited
for), so of the processes trying at once one folds and the others skip: one more round trip a minute each."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine

from store.counter_slots import fold

log = logging.getLogger("salesbot.count_fold")


def fold_in_background(engine: Engine, every: float) -> Callable[[], None]:
    """Fold every `every` seconds on a daemon thread (PostgreSQL; SQLite has nothing to fold); the
    function returned stops it."""
    if engine.dialect.name != "postgresql":
        return lambda: None
    stop = threading.Event()
    thread = threading.Thread(target=_fold_until, args=(engine, every, stop), name="count-fold", daemon=True)
    thread.start()

    def stopped() -> None:
        stop.set()
        thread.join(timeout=5)

    return stopped


def _fold_until(engine: Engine, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        fold_once(engine)


def fold_once(engine: Engine) -> None:
    """One fold in its own transaction (the scheduler's job and the web processes' thread); a failure is
    logged, and the next run retries."""
    try:
        with engine.begin() as connection:
            fold(connection)
    except Exception:
        log.exception("owner count fold failed")
