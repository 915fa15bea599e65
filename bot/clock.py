"""A clock that runs `clock_offset` seconds ahead of real time, for the playground's `Skip ahead`.

Every process built with it (web workers and the scheduler alike) reads the offset from the database,
so moving it once moves them all; the offset is re-read at most every `ttl` seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.deps import utc_now
from store.clock import offset_seconds
from store.db import SessionFactory


class OffsetClock:
    def __init__(self, new_session: SessionFactory, *, ttl: float = 0.2, real: Callable[[], datetime] = utc_now):
        self._new_session, self._ttl, self._real = new_session, ttl, real
        self._lock = threading.Lock()
        self._offset = 0.0
        self._read_at = float("-inf")

    def offset(self) -> float:
        with self._lock:
            if time.monotonic() - self._read_at >= self._ttl:
                with self._new_session() as session:
                    self._offset = offset_seconds(session)
                self._read_at = time.monotonic()
            return self._offset

    def forget(self) -> None:
        """Read the offset afresh on the next call (after this process moved it)."""
        with self._lock:
            self._read_at = float("-inf")

    def __call__(self) -> datetime:
        return self._real() + timedelta(seconds=self.offset())
