"""When the dispatcher may call Slack again for a channel (or a whole workspace): one table shared by all
of a dispatcher's threads.

Two rules make Retry-After hold under concurrency: a cool-down only ever extends (a thread pacing a
channel at one message a second must not shorten another thread's 3 s Retry-After), and a send takes
its slot with `reserve` immediately before the call, after the render (a render may call users.info
and write; a check made before it is stale by the time of the call)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

WORKSPACE = "*"  # the recipient part of a workspace-wide cool-down's key


def key_of(team_id: str, recipient: str) -> str:
    """Keys are per workspace: one workspace's rate limit never holds another's deliveries."""
    return f"{team_id}|{recipient}"


def workspace_key(team_id: str) -> str:
    return key_of(team_id, WORKSPACE)


class CoolDowns:
    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def extend(self, key: str, until: datetime) -> datetime:
        """Cool `key` down until `until`, unless it already is for longer; returns the cool-down in force."""
        with self._lock:
            current = self._until.get(key)
            if current is None or until > current:
                self._until[key] = current = until
            return current

    def until(self, key: str, now: datetime) -> datetime | None:
        """When `key` is free again, or None when it is free at `now`."""
        with self._lock:
            return self._blocked(key, now)

    def blocked(self, key: str, now: datetime) -> datetime | None:
        """When `key` or the workspace is free again (the later), or None when both are free at `now`."""
        with self._lock:
            return self._latest(key, now)

    def reserve(self, key: str, now: datetime, interval: timedelta) -> datetime | None:
        """Take the slot for one call to `key` at `now`, spacing calls `interval` apart: None when taken
        (go ahead and call), else when `key` (or the workspace) is free again (do not call)."""
        with self._lock:
            blocked = self._latest(key, now)
            if blocked is not None:
                return blocked
            self._until[key] = now + interval  # free at `now`: nothing longer to keep
            return None

    def every_workspace_cooling(self, now: datetime) -> bool:
        """Whether every workspace met so far is cooled down as a whole (nothing to claim for now)."""
        with self._lock:
            teams = {key.partition("|")[0] for key in self._until}
            return bool(teams) and all(self._blocked(workspace_key(team), now) for team in teams)

    def _latest(self, key: str, now: datetime) -> datetime | None:
        workspace = workspace_key(key.partition("|")[0])
        found = [at for at in (self._blocked(key, now), self._blocked(workspace, now)) if at is not None]
        return max(found) if found else None

    def _blocked(self, key: str, now: datetime) -> datetime | None:
        at = self._until.get(key)
        return at if at is not None and at > now else None
