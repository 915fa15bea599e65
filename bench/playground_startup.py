"""Startup of `salesbot playground`: from the command to a usable page (the page's state answers with the
demo people, which the stand-in serves only once the bot, its scheduler and the demo data are up).

Reference, measured in the same run, interleaved: `salesbot --help` (Python + the CLI, nothing else).
Each round starts a fresh database (`--fresh`: migrations and demo data) and then reuses it (a second
start on the same file); Ctrl-C (SIGINT) must stop it all, and the time it takes is reported too.

    python -m bench.playground_startup [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SALESBOT = [sys.executable, "-m", "bot"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def page_usable(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui/state", timeout=1) as answer:
            return bool(json.loads(answer.read()).get("people"))
    except OSError:
        return False


def playground(db: Path, *, fresh: bool) -> tuple[float, float]:
    """(seconds to a usable page, seconds for Ctrl-C to stop everything)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    command = [*SALESBOT, "playground", "--port", str(port), "--db", str(db), *(["--fresh"] if fresh else [])]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not page_usable(port):
            if process.poll() is not None:
                raise RuntimeError(f"playground exited: {process.stderr.read().decode() if process.stderr else ''}")
            time.sleep(0.02)
        ready = time.perf_counter() - started
        stopping = time.perf_counter()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        return ready, time.perf_counter() - stopping
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def help_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([*SALESBOT, "--help"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def spread(values: list[float]) -> str:
    return f"min {min(values):.2f} s · median {statistics.median(values):.2f} s · max {max(values):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = max(3, parser.parse_args().rounds)
    fresh, again, stops, reference = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(rounds):
            reference.append(help_seconds())
            db = Path(tmp) / f"round{index}.db"
            ready, stop = playground(db, fresh=True)
            fresh.append(ready)
            stops.append(stop)
            reference.append(help_seconds())
            again.append(playground(db, fresh=False)[0])
    ref = statistics.median(reference)
    print(f"reference `salesbot --help`: {spread(reference)}")
    print(f"playground, fresh database:  {spread(fresh)}  ({statistics.median(fresh) / ref:.1f}x the reference)")
    print(f"playground, existing file:   {spread(again)}  ({statistics.median(again) / ref:.1f}x the reference)")
    print(f"Ctrl-C to everything stopped: {spread(stops)}")


if __name__ == "__main__":
    main()
