"""What a process's PostgreSQL backends spend: their CPU and their waits for the client, read from /proc.

The server runs on this machine (loopback), so each backend is a process whose /proc/PID/schedstat gives its
CPU time and /proc/PID/status its voluntary context switches. A backend sleeps once per round trip (it waits
for the client's next message after answering), so the switches count round trips. A process is found by
its connections' `application_name`: set `PGAPPNAME` (libpq reads it) in its environment before it connects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa


@dataclass(frozen=True)
class Spent:
    cpu_seconds: float
    waits: int  # voluntary context switches: ~ round trips
    backends: int

    def __sub__(self, other: Spent) -> Spent:
        return Spent(self.cpu_seconds - other.cpu_seconds, self.waits - other.waits, self.backends)


def _pid_spent(pid: int) -> tuple[float, int]:
    try:
        cpu_ns = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # the backend ended: its share is lost (rare after a warm-up)
        return 0.0, 0
    waits = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("voluntary_ctxt_switches"))
    return cpu_ns / 1e9, waits


class BackendMeter:
    """The backends of the connections named `application_name` (any database of the server at `url`)."""

    def __init__(self, url: str, application_name: str) -> None:
        base = sa.engine.make_url(url)
        self.engine = sa.create_engine(
            base.set(query={}),
            isolation_level="AUTOCOMMIT",
            poolclass=sa.NullPool,
            connect_args={"application_name": "pg_backends meter"},  # not PGAPPNAME's, if set here too
        )
        self.name = application_name

    def pids(self) -> list[int]:
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :n"), {"n": self.name}
            )
            return [int(pid) for pid in found.scalars()]

    def read(self) -> Spent:
        spent = [_pid_spent(pid) for pid in self.pids()]
        return Spent(sum(cpu for cpu, _ in spent), sum(waits for _, waits in spent), len(spent))

    def close(self) -> None:
        self.engine.dispose()
