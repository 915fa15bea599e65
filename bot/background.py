"""Work that runs after the ack, whose failures are logged, never lost silently.

Served over HTTP, the first piece of work a request hands over runs on the server thread that acked
it, once the ack is sent and the connection is free for its next request (`carrying`, entered by
bot.server's channel around each request). Handing it to a pool thread instead woke a second thread
per request and doubled the threads contending for the GIL: 37-48 context switches per App Home
against 13-16 published on the request thread (docs/performance.md, "After-ack hand-off"). At most
`threads - ACK_RESERVE` of a server's threads carry work at once, so some are always free to ack
(Slack allows 3 s); work handed over while they are all busy waits in a backlog the carrying threads
take from. Anything else (Socket Mode, a request's second piece of work, work started by work) runs
in a bounded thread pool, as all of it did before.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("salesbot.background")

ACK_RESERVE = 4  # server threads never carrying work: they answer acks while the others work
Task = Callable[[], Any]


class BackgroundWork:
    def __init__(self, workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="after-ack")
        self._pending = 0
        self._idle = threading.Condition()
        self._local = threading.local()  # .request: a list while this thread serves a request (`carrying`)
        self._carriers = 0  # server threads running work now
        self._carrier_limit = 0
        self._backlog: deque[Task] = deque()

    def carry_on(self, threads: int) -> None:
        """A server with `threads` request threads will enter `carrying` around each request."""
        with self._idle:
            self._carrier_limit = max(self._carrier_limit, threads - ACK_RESERVE)

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        task = functools.partial(fn, *args, **kwargs)
        request: list[Task] | None = getattr(self._local, "request", None)
        with self._idle:
            self._pending += 1
            if request is not None and not request:  # the request's first piece of work
                if self._carriers < self._carrier_limit:
                    self._carriers += 1
                    request.append(task)
                    return
                if self._carrier_limit:
                    self._backlog.append(task)
                    return
        self._pool.submit(self._run, task)

    @contextmanager
    def carrying(self) -> Iterator[None]:
        """Serve one request: the work it hands over runs on this thread when the block ends."""
        request: list[Task] = []
        self._local.request = request
        try:
            yield
        finally:
            self._local.request = None
            if request:
                self._carry(request[0])

    def _carry(self, task: Task | None) -> None:
        """Run `task`, then the backlog, until it is empty; this thread is a carrier until then."""
        while task is not None:
            self._run(task)
            with self._idle:
                task = self._backlog.popleft() if self._backlog else None
                if task is None:
                    self._carriers -= 1

    def _run(self, task: Task) -> None:
        try:
            task()
        except Exception:
            target = task.func if isinstance(task, functools.partial) else task
            log.exception("background task %s failed", getattr(target, "__name__", target))
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no task is queued or running (tests and shutdown use it)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
