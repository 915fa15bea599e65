"""Several dispatcher instances (as several scheduler processes would be) working at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import time_machine

from scheduler.dispatcher import Dispatcher


def run_together(dispatchers: list[Dispatcher], at: datetime, work: Callable[[Dispatcher], None]) -> None:
    """`work(dispatcher)` in one thread per dispatcher, released together, the clock standing at `at`;
    the dispatchers are closed afterwards."""
    barrier = threading.Barrier(len(dispatchers))

    def instance(dispatcher: Dispatcher) -> None:
        barrier.wait()
        work(dispatcher)

    with time_machine.travel(at, tick=False):
        threads = [threading.Thread(target=instance, args=(d,)) for d in dispatchers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for dispatcher in dispatchers:
        dispatcher.close()
