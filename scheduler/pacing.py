"""Pacing of a rate-limited workspace: once Slack has limited a workspace (429s on several of its
channels at once), the dispatcher sends to it at the rate it has been managing, instead of firing
every free thread at it and receiving a 429 for each call past the limit.

Slack's per-workspace limit for chat.postMessage behaves as a bucket refilled at a steady rate r: a
429 means the bucket was empty. Between two 429s at t1 and t2 the bucket went from empty to empty,
so the messages Slack accepted in between, S, are r × (t2 − t1) within one message (fewer only if
it overflowed meanwhile, when the workspace was idle). The pace is therefore:
- measured: S / span from the latest earlier 429 with at least MIN_ACCEPTED accepted since (MIN_SPAN
  ago at least; failing that the oldest of the last WINDOW seconds) to this one: the error is about
  one message in S, and a recent anchor follows a change of rate quickly;
- set a little above it (PACE_MARGIN): a pace just under r would leave the bucket filling and the
  run longer than the limit allows; just over it keeps the bucket drained, every token used at
  once, and costs one 429 in about 1 / PACE_MARGIN messages (each 429 re-measures the rate);
- probed upwards (PROBE_FACTOR) when no 429 came for a few expected intervals while rows waited:
  the rate was measured low (an idle spell inside the window) or Slack allows more now.
Calls take a token from a bucket of the pace (up to BURST_SECONDS of it, so the rows of a tick go
together); a row finding none is given a slot at the end of the workspace's queue and put back until
then, so each row is claimed about twice instead of once per tick until Slack takes it. Slots are
PROJECT_AHEAD closer together than the pace: a row put back keeps its slot when the pace is raised
later, so slots at exactly the pace of the time would keep the whole queue at an early, low
estimate; rows coming back faster than the pace find no token and go to the end of the queue again.
Until the first rate is measured (the Retry-After after the first 429s) the workspace is not paced;
a workspace with no 429 for FORGET_AFTER is forgotten (sent to freely again, bursts allowed).

The state is per process (per Dispatcher): several scheduler processes each pace on their own and
each learn from their own 429s, so together they may send faster than one would; Slack's 429s and
Retry-After still hold them back (rows are put back, never sent twice).
Times are POSIX seconds on the dispatcher's clock (time-machine's in tests)."""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

PACE_MARGIN = 0.03  # pace this much faster than the rate measured
WINDOW = 30.0  # seconds of 429s and accepted messages the rate is measured over
MIN_SPAN = 1.0  # seconds between two 429s for a measure (Slack's shortest Retry-After)
MIN_ACCEPTED = 50  # messages accepted between two 429s for a measure precise to ~2 %
MIN_RATE = 0.1  # messages per second: the slowest pace
BURST_SECONDS = 1.0  # the pace's bucket holds this long of its rate (the rows a tick claims at once)
PROJECT_AHEAD = 1.15  # slots are this much closer together than the pace
PROBE_GAPS = 3  # expected intervals between 429s without one before probing faster
MIN_PROBE_AFTER = 2.0  # seconds
PROBE_FACTOR = 1.1
FORGET_AFTER = 120.0  # seconds without a 429 before a workspace is sent to freely again


@dataclass
class _Workspace:
    """One limited workspace: the rate measured (None: not yet), its pacing bucket and queue, and the
    times of recent 429s and accepted messages."""

    since: float
    rate: float | None = None
    tokens: float = 0.0
    refilled: float = 0.0
    queued_until: float = 0.0
    probed: float = 0.0
    limited: list[float] = field(default_factory=list)  # times of 429s, ascending
    accepted: list[float] = field(default_factory=list)  # times Slack accepted a message, ascending

    @property
    def last_limited(self) -> float:
        return self.limited[-1] if self.limited else self.since

    @property
    def pace(self) -> float:
        return (self.rate or MIN_RATE) * (1 + PACE_MARGIN)


class Pacer:
    """Shared by a dispatcher's sending threads."""

    def __init__(self) -> None:
        self._teams: dict[str, _Workspace] = {}
        self._lock = threading.Lock()

    def take(self, team: str, now: float) -> float | None:
        """None: send now. Else the time of the row's slot in the workspace's queue (put it back until then)."""
        if team not in self._teams:  # not limited: no lock taken on the common path (a dict read is atomic)
            return None
        with self._lock:
            state = self._current(team, now)
            if state is None or state.rate is None:
                return None
            pace = state.pace
            state.tokens = min(max(1.0, pace * BURST_SECONDS), state.tokens + max(0.0, now - state.refilled) * pace)
            state.refilled = max(state.refilled, now)
            if state.tokens >= 1:
                state.tokens -= 1
                return None
            self._probe(state, now)
            slot = max(state.queued_until, now + (1 - state.tokens) / pace)
            state.queued_until = slot + 1 / (pace * PROJECT_AHEAD)
            return slot

    def accepted(self, team: str, now: float) -> None:
        """Slack accepted a message for `team` (counted only while the workspace is paced)."""
        if team not in self._teams:
            return
        with self._lock:
            state = self._teams.get(team)
            if state is not None:
                bisect.insort(state.accepted, now)
                _prune(state.accepted, now)

    def limited(self, team: str, now: float, *, workspace: bool, resume: float | None = None) -> None:
        """Slack answered 429. `workspace`: several channels of the team were limited at once (the
        workspace's limit, not one channel's), which starts pacing it; once paced, every 429 counts.
        `resume`: when the workspace may be called again (its Retry-After); the pace starts from an
        empty bucket then, so the calls held back do not all go at once."""
        with self._lock:
            state = self._current(team, now)
            if state is None:
                if not workspace:
                    return
                state = self._teams[team] = _Workspace(since=now, refilled=now)
            bisect.insort(state.limited, now)
            _prune(state.limited, now)
            state.tokens, state.refilled = 0.0, max(state.refilled, now, resume or now)  # Slack's bucket is empty
            measured = _measure(state, now)
            if measured is not None:
                state.rate = measured

    def paces(self, team: str) -> bool:
        """Whether `team` has been limited lately (its rows may be put back to a slot of its pace)."""
        return team in self._teams  # a dict read is atomic: no lock

    def rate(self, team: str) -> float | None:
        """The rate measured for `team` (messages per second), None while it is not paced."""
        with self._lock:
            state = self._teams.get(team)
            return state.rate if state is not None else None

    def _current(self, team: str, now: float) -> _Workspace | None:
        state = self._teams.get(team)
        if state is not None and now - state.last_limited >= FORGET_AFTER:
            del self._teams[team]
            return None
        return state

    def _probe(self, state: _Workspace, now: float) -> None:
        """Rows wait and no 429 came for PROBE_GAPS of the intervals the margin should give: go faster."""
        expected = 1 / (PACE_MARGIN * state.pace)
        if now - max(state.last_limited, state.probed) >= max(MIN_PROBE_AFTER, PROBE_GAPS * expected):
            state.rate = (state.rate or MIN_RATE) * PROBE_FACTOR
            state.probed = now


def _measure(state: _Workspace, now: float) -> float | None:
    """Messages accepted per second between an earlier 429 (see the module's docstring) and now (a 429 too)."""
    end = bisect.bisect_right(state.accepted, now)
    for anchor in reversed(state.limited):
        if now - anchor >= MIN_SPAN and end - bisect.bisect_right(state.accepted, anchor) >= MIN_ACCEPTED:
            break
    else:
        anchor = state.limited[0]
    span = now - anchor
    if span < MIN_SPAN:
        return None
    return max(MIN_RATE, (end - bisect.bisect_right(state.accepted, anchor)) / span)


def _prune(times: list[float], now: float) -> None:
    del times[: bisect.bisect_left(times, now - WINDOW)]
