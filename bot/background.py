"""Work that runs after the ack, whose failures are logged, never lost silently.

Served over HTTP, the first piece of work a request hands over runs on the server thread that acked
it, once the ack is sent and the connection is free for its next request (`carrying`, entered by
bot.server's channel around each request). Handing it to a pool thread instead woke a second thread
per request and doubled the threads contending for the GIL: 37-48 context switches per App Home
against 13-16 published on the request thread (docs/performance.md, "After-ack hand-off"). At most
`threads - ACK_RESERVE` of a server's threads carry work at once, so some are always free to ack
(Slack allows 3 s); work handed over while they are all busy waits in a backlog the carrying threads
take from (at most BACKLOG_LIMIT: past it the request's own thread carries its work, over the limit).
Anything else (Socket Mode, a request's second piece of work, work started by work) runs in a bounded
thread pool, as all of it did before.

The Slack call that ends a piece of work (App Home's `views.publish`, a modal's `views.open`) is handed
to a sender thread (`send_last`): the work's CPU part (reading, building the view) stays on the thread
that acked, which goes back to serving requests instead of waiting 100-300 ms for Slack's answer. A
thread blocked on a socket holds no GIL, so the senders can be many (SENDERS: 300 req/s at 150 ms is 45
calls in flight) without contending with the request threads. The call keeps its client's retry
handlers (Retry-After honoured on the sender thread) and its work's failure path (`answering`: the
user is told); at most SEND_LIMIT calls queue or run, past it the work makes the call itself. While
Slack answers within INLINE_BELOW the work makes the call itself too: waking a sender for a 1 ms call cost
6 context switches per Home and gained nothing. Slack's answer time is the fastest of the last SLACK_WINDOW
calls: a busy worker only lengthens a call (its thread waits for the GIL and a core after the answer came),
so a moving average of the durations read the bench's 1 ms Slack as 20 ms+ under load and woke a sender per
Home (two servers of the same code in one run: 39 context switches per Home in a closed loop where the average
had settled above 20 ms, 19-27 where it had not).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("salesbot.background")

ACK_RESERVE = 4  # server threads never carrying work: they answer acks while the others work
BACKLOG_LIMIT = 256  # work waiting for a carrier; past it a request thread carries its own
SENDERS = 32  # threads making the Slack calls that end pieces of work (started as needed)
SEND_LIMIT = 512  # such calls queued or under way; past it the work makes the call itself
INLINE_BELOW = 0.02  # seconds: while Slack answers faster, the work makes its call itself (no wake-up)
SLACK_WINDOW = 16  # Slack's answer time: the fastest of this many last calls
Task = Callable[[], Any]
Answering = Callable[[Task], None]  # runs a task the way the work runs: its failure reaches the user
_work = threading.local()  # .background: the BackgroundWork running work on this thread; .answering


def send_last(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Make the Slack call that ends this piece of work (its answer unused): on a sender thread when the
    work runs in BackgroundWork, else here. Its failure takes the work's path (`answering`)."""
    task = functools.partial(fn, *args, **kwargs)
    background: BackgroundWork | None = getattr(_work, "background", None)
    answer: Answering | None = getattr(_work, "answering", None)
    if answer is not None:
        task = functools.partial(answer, task)
    if background is None:
        task()
    elif not background.send(task):
        background.make(task)


@contextmanager
def answering(answer: Answering) -> Iterator[None]:
    """Within the block, a call handed over by `send_last` runs as `answer(call)` (the work's failure path)."""
    previous = getattr(_work, "answering", None)
    _work.answering = answer
    try:
        yield
    finally:
        _work.answering = previous


class BackgroundWork:
    def __init__(self, workers: int = 8, *, senders: int = SENDERS, send_limit: int = SEND_LIMIT) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="after-ack")
        self._senders = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="slack-send")
        self._sending = 0  # calls handed to the senders, not yet done
        self._send_limit = send_limit
        self._durations: deque[float] = deque([1.0], maxlen=SLACK_WINDOW)  # the last calls'; slow until measured
        self.slack_seconds = 1.0  # Slack's answer time: the fastest of `_durations`
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
                if self._carrier_limit and len(self._backlog) < BACKLOG_LIMIT:
                    self._backlog.append(task)
                    return
                if self._carrier_limit:  # the backlog is full: this request's thread carries it, over the limit
                    log.warning("after-ack backlog full (%d): the request thread carries its work", BACKLOG_LIMIT)
                    self._carriers += 1
                    request.append(task)
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

    def send(self, call: Task) -> bool:
        """Hand `call` to a sender thread; False (nothing handed) when SEND_LIMIT calls are already
        queued or under way, or the senders are shut down: the caller makes it."""
        if self.slack_seconds < INLINE_BELOW:
            return False
        with self._idle:
            if self._sending >= self._send_limit:
                log.warning("%d Slack calls queued: the work makes its own", self._sending)
                return False
            self._sending += 1
            self._pending += 1
        try:
            self._senders.submit(self._run_send, call)
        except RuntimeError:  # shut down
            self._done(sending=True)
            return False
        return True

    def make(self, call: Task) -> None:
        """Make `call` on this thread, its duration measured."""
        started = time.monotonic()
        try:
            call()
        finally:
            self._measured(time.monotonic() - started)

    def _run_send(self, call: Task) -> None:
        try:
            self.make(call)
        except Exception:
            log.exception("Slack call %s failed", _task_name(call))
        finally:
            self._done(sending=True)

    def _measured(self, seconds: float) -> None:
        # unlocked: append and min of a deque of floats run without letting go of the GIL
        self._durations.append(seconds)
        self.slack_seconds = min(self._durations)

    def _run(self, task: Task) -> None:
        _work.background = self
        try:
            task()
        except Exception:
            log.exception("background task %s failed", _task_name(task))
        finally:
            _work.background = None
            self._done()

    def _done(self, *, sending: bool = False) -> None:
        with self._idle:
            self._pending -= 1
            self._sending -= sending
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no task is queued or running (tests and shutdown use it)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
        self._senders.shutdown(wait=True, cancel_futures=False)


def _task_name(task: Task) -> str:
    while isinstance(task, functools.partial):
        task = task.func
    return str(getattr(task, "__name__", task))
