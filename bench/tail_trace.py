"""Bench-only: per-request timestamps of the fixed-rate phase (client side) and, in the traced servers,
garbage collections and waitress's queueing (bench/tracehook/sitecustomize.py), all on the one
CLOCK_MONOTONIC every process shares (time.perf_counter), so the slowest requests can be laid beside
what the servers were doing then (bench/tail_report.py).

Off unless BENCH_TRACE names a directory: then every contestant `served` writes its processes' events
under BENCH_TRACE/<contestant>/, and every fixed-rate phase its requests to BENCH_TRACE/<contestant>/client.tsv."""

from __future__ import annotations

import os
from pathlib import Path

HOOK = Path(__file__).resolve().parent / "tracehook"


def root() -> Path | None:
    value = os.environ.get("BENCH_TRACE")
    return Path(value) if value else None


def contestant_dir(name: str) -> Path | None:
    base = root()
    if base is None:
        return None
    directory = base / name.replace(" ", "_")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def traced_env(name: str, env: dict[str, str]) -> dict[str, str]:
    """`env` for contestant `name`, with the trace hook first on its PYTHONPATH when tracing."""
    directory = contestant_dir(name)
    if directory is None:
        return env
    path = f"{HOOK}:{env['PYTHONPATH']}" if env.get("PYTHONPATH") else str(HOOK)
    return {**env, "PYTHONPATH": path, "SALESBOT_BENCH_TRACE": str(directory)}


def record_phase(name: str, rows: list[tuple[int, float, float, float]]) -> None:
    """One fixed-rate phase's requests: (index, due, sent, answered), answered 0.0 if not answered."""
    directory = contestant_dir(name)
    if directory is None:
        return
    phase = len(list(directory.glob("client*.tsv")))
    with (directory / f"client{phase:02d}.tsv").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write("\t".join(str(part) for part in row) + "\n")
