"""A worker hands the memory its requests freed back to the system (bot.server.release_freed_memory)."""

from __future__ import annotations

import ctypes
import threading
import time

import pytest

from bot.server import release_freed_memory


def resident_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def glibc() -> bool:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return False
    return True


@pytest.mark.skipif(not glibc(), reason="malloc_trim is glibc's")
def test_freed_holes_go_back_to_the_system_and_the_trimmer_stops_with_the_worker() -> None:
    # 60 MB in 1 KiB pieces, one in a hundred kept: the freed 99 % are holes malloc keeps
    pieces = [bytes(1000) for _ in range(60_000)]
    kept = pieces[::100]
    del pieces
    holding = resident_mb()
    stop = threading.Event()
    trimmer = threading.Thread(target=release_freed_memory, args=(stop, 0.05), daemon=True)
    trimmer.start()
    time.sleep(0.3)
    stop.set()
    trimmer.join(timeout=2)
    assert not trimmer.is_alive()
    assert holding - resident_mb() > 20, (holding, resident_mb())
    assert len(kept) == 600
