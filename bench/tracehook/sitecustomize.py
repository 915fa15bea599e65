"""Bench-only tracing of a server's processes: bench/tail_trace.py puts this directory first on the
PYTHONPATH of the contestants it traces (BENCH_TRACE set); nothing else imports it.

With SALESBOT_BENCH_TRACE naming a directory, every process of the contestant records, on the clock
all processes share (time.perf_counter, CLOCK_MONOTONIC), each garbage collection (generation, start,
end, objects freed) and each request waitress serves (queued, started by a request thread, answered,
done including the after-ack work), and writes them to DIR/<pid>.tsv as it exits (workers leave by
os._exit: wrapped). A few microseconds per request; the same in every contestant."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

Event = tuple[Any, ...]


def _install(directory: str) -> None:
    import atexit
    import gc
    import time

    events: list[Event] = []
    started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            events.append(("gc", info["generation"], started[0], time.perf_counter(), info["collected"]))

    def dump() -> None:
        if events:
            events.append(("clock", time.time(), time.perf_counter()))
            with open(os.path.join(directory, f"{os.getpid()}.tsv"), "a", encoding="utf-8") as out:
                out.writelines("\t".join(str(part) for part in event) + "\n" for event in events)
            events.clear()

    real_exit = os._exit

    def exiting(code: int) -> None:
        dump()
        real_exit(code)

    gc.callbacks.append(on_gc)
    os.register_at_fork(after_in_child=events.clear)
    os._exit = exiting  # type: ignore[assignment]
    atexit.register(dump)
    _trace_waitress(events, time.perf_counter)


def _trace_waitress(events: list[Event], clock: Callable[[], float]) -> None:
    """Stamp a channel when waitress queues it and when its WSGI task starts and ends; record the
    request when the request thread is done with it (after-ack work included)."""
    try:
        from waitress import task
    except ImportError:
        return
    add_task, wsgi_service = task.ThreadedTaskDispatcher.add_task, task.WSGITask.service

    def traced_add_task(self: Any, channel: Any) -> None:
        channel.bench_queued = clock()
        add_task(self, channel)

    def traced_service(self: Any) -> None:
        self.channel.bench_started = clock()
        try:
            wsgi_service(self)
        finally:
            self.channel.bench_answered = clock()

    def handler_thread(self: Any, thread_no: int) -> None:  # waitress 3.0's loop, plus the record
        while True:
            with self.lock:
                while not self.queue and self.stop_count == 0:
                    self.active_count -= 1
                    self.queue_cv.wait()
                    self.active_count += 1
                if self.stop_count > 0:
                    self.active_count -= 1
                    self.stop_count -= 1
                    self.threads.discard(thread_no)
                    self.thread_exit_cv.notify()
                    break
                channel = self.queue.popleft()
            try:
                channel.service()
            except BaseException:
                self.logger.exception("Exception when servicing %r", channel)
            stamps = (getattr(channel, name, 0.0) for name in ("bench_queued", "bench_started", "bench_answered"))
            events.append(("req", *stamps, clock()))

    task.ThreadedTaskDispatcher.add_task = traced_add_task
    task.WSGITask.service = traced_service
    task.ThreadedTaskDispatcher.handler_thread = handler_thread


if os.environ.get("SALESBOT_BENCH_TRACE"):
    _install(os.environ["SALESBOT_BENCH_TRACE"])
