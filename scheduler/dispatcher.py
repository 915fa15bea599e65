"""Claim due outbox rows, send them to Slack, record the outcome.

The outbox table is the source of truth; this module keeps only caches (DM channel ids, rate-limit
cool-downs) in memory. Per row:
- a renderer builds the message from the database *at send time* (None: the row became pointless —
  the appointment was cancelled, the task done — and it is recorded as cancelled); rows falling due
  between two ticks are claimed and rendered up to PREPARE_AHEAD (plus the PREPARE_AHEAD window) before
  their due time and posted at it, so a change in that last second may not be seen (the appointment
  cancelled then still gets its reminder);
- 429 reschedules the row at now + Retry-After (no inline sleeping: other rows keep flowing) and cools
  its channel down; when several channels are limited in one batch the whole workspace is, and the
  rest of the batch is put back for Retry-After; from then on the workspace is paced at the rate Slack
  accepted between its 429s (scheduler/pacing.py): rows past the pace are put back, without a call,
  to a slot in the workspace's queue;
- 5xx and connection errors back off exponentially up to MAX_ATTEMPTS, then the row fails visibly:
  `failed` with the error, a log line, and one DM to the owner;
- channel_not_found / user_not_found / not_in_channel… fail at once, the same way.
A DM is posted with `channel=<user id>`, which Slack delivers in the app's DM with that user: one call
instead of conversations.open + chat.postMessage (conversations.open is Tier 3, ~50/min, which a
burst of DMs to users not seen before would exhaust). Should Slack answer channel_not_found for a
user id, the DM is opened with conversations.open (cached per user) and the message posted there.
Outcomes are recorded once per claimed batch, in one transaction after the batch's Slack calls:
a row is recorded `sent` only after Slack accepted it, and only while this worker still holds the
claim (a row whose lease expired and was claimed by another worker is never recorded twice); a
failure and the owner's notice are written together. A crash between Slack's accept and that commit
leaves the batch's rows claimed: after the lease they are sent again — at most one duplicate per row,
for the rows of the batch in flight (documented and accepted). Should the batch's transaction fail,
the outcomes are recorded one row at a time.
Sending: up to DISPATCHER_SEND_THREADS calls are with Slack at once, over keep-alive connections
(bot/keep_alive.py; slack-sdk alone opens one per call). Up to two batches are on their way: the next
is claimed while the previous is still being sent, and the previous one's outcomes are recorded while
the next is sent. Channel and workspace cool-downs are shared by every thread and checked right before
each call, so neither the concurrency nor the overlap lets a call out inside a Retry-After.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

import scheduler.alert_messages  # noqa: F401  (registers the alert renderers)
import scheduler.deal_room_messages  # noqa: F401  (registers the deal room renderers)
import scheduler.lead_routing_messages  # noqa: F401  (registers the routed-lead and leads-channel renderers)
import scheduler.workspace_messages  # noqa: F401  (registers the welcome DM renderer)
from bot.deps import Deps
from bot.services.workspaces import NOT_INSTALLED_REASON, stop_deliveries
from bot.slack_client import SHARED_POOL, make_client
from scheduler import quote_nudges  # noqa: F401  (registers the quote approval nudge renderer)
from scheduler.cooldowns import CoolDowns, key_of, workspace_key
from scheduler.pacing import Pacer
from scheduler.renderers import ON_SETTLED, RENDERERS, Prefetched, RenderContext, prefetch
from store.claims import claim_due, next_due_at, settle, settle_many
from store.db import transaction
from store.models import Outbox
from store.outbox import enqueue

log = logging.getLogger("salesbot.dispatcher")
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
MAX_BACKOFF = timedelta(hours=1)
FATAL_ERRORS = {
    "channel_not_found",
    "user_not_found",
    "not_in_channel",
    "is_archived",
    "account_inactive",
    "user_disabled",
    "cannot_dm_bot",
    "invalid_blocks",
    "msg_too_long",
    "no_text",
}
WORKSPACE_LIMITED_AFTER = 3  # channels rate-limited in one batch before the whole workspace is treated as limited
CHANNEL_INTERVAL = timedelta(seconds=1)  # Slack: about one message per second per channel
BATCH = 100
PLAN_EVERY = timedelta(seconds=60)
EARLY_WAKE_MARGIN = 0.05  # seconds: a row due this close to the next tick waits for it
PREPARE_AHEAD = 0.5  # seconds: rows falling due before the next tick are claimed and rendered this early
PREPARE_MAX_BATCHES = 10  # batches claimed and rendered ahead of their due time at most
TICK_BUDGET = 20.0  # seconds of sending per tick before yielding to the next one
FAILED_NOTICE = "delivery_failed"
PACED = "paced"  # last_error of a row put back to its slot in a rate-limited workspace's queue
Clients = dict[str, "WebClient | None"]  # team id -> the client carrying its bot token (None: not installed)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


WORKER = _worker_name()


@dataclass
class Stats:
    """Where a dispatcher's time goes; `overhead` excludes the time spent waiting for Slack."""

    sent: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    paced: int = 0  # of `deferred`: put back to a slot of a limited workspace's pace (no call made)
    rate_limited: int = 0  # 429s received
    slack_seconds: float = 0.0
    busy_seconds: float = 0.0
    cpu_seconds: float = 0.0  # thread CPU time, Slack client calls excluded
    lateness: list[float] = field(default_factory=list)

    @property
    def overhead_ms_per_row(self) -> float:
        rows = self.sent + self.cancelled + self.failed + self.retried
        return (self.busy_seconds - self.slack_seconds) * 1000 / rows if rows else 0.0

    @property
    def cpu_ms_per_row(self) -> float:
        rows = self.sent + self.cancelled + self.failed + self.retried
        return self.cpu_seconds * 1000 / rows if rows else 0.0


class _Outcome:
    SENT, CANCELLED, RETRY, FAILED, DEFERRED = "sent", "cancelled", "retried", "failed", "deferred"


@dataclass
class _Result:
    """A row's outcome, recorded with the rest of its batch: the values of the guarded UPDATE, and the
    error to tell the owner about when the row failed."""

    row: Outbox
    outcome: str
    values: dict[str, Any]
    notify: str | None = None


@dataclass
class _Batch:
    """A claimed batch on its way: its rows, their clients, and each row's outcome (a future while sent
    by the pool)."""

    rows: list[Outbox]
    clients: Clients
    results: list[_Result | Future[_Result]]


@dataclass
class _Claimed:
    """A claimed batch before it goes to the sending threads: its rows, what their renderers read, each
    workspace's client (or why they could not be looked up), and the messages rendered ahead (by row id;
    None: nothing to send any more)."""

    rows: list[Outbox]
    prefetched: Prefetched
    clients: Clients
    lookup_failed: str = ""
    rendered: dict[int, dict[str, Any] | None] = field(default_factory=dict)


def _is_user(channel: str) -> bool:
    return channel.startswith(("U", "W"))


class Dispatcher:
    """One per process; APScheduler calls `tick` every SCHEDULER_TICK_SECONDS (max one at a time)."""

    def __init__(
        self,
        deps: Deps,
        client: WebClient,
        *,
        worker: str | None = None,
        batch: int = BATCH,
        threads: int | None = None,
        plan: bool = True,
        record_lateness: bool = False,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        """`threads`: how many Slack calls may be in flight at once (DISPATCHER_SEND_THREADS by default;
        1 sends in the calling thread, which tests on a fixed clock rely on). `sleep`: how to wait for a
        due time (by default a wait that `stop` cuts short)."""
        self.deps, self.client = deps, client
        self.worker = worker or WORKER
        threads = deps.settings.dispatcher_send_threads if threads is None else threads
        self.batch, self.threads, self.plan = batch, threads, plan
        self.record_lateness = record_lateness
        self.stats = Stats()
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._token_clients: dict[str, WebClient] = {}  # OAuth mode: one client per bot token
        self._cool = CoolDowns()  # channel and workspace cool-downs, shared by the sending threads
        self.pacer = Pacer()  # the pace of each rate-limited workspace (scheduler/pacing.py)
        self._planned_at: datetime | None = None
        self._fixed_now: datetime | None = None
        self._stopping = threading.Event()
        self._sleep = sleep or self.pause
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dispatch") if threads > 1 else None

    def _clock(self) -> datetime:
        return self._fixed_now or self.deps.clock()

    def stop(self) -> None:
        """Cut a running tick short: the rows it holds are sent at once (at most PREPARE_AHEAD plus a
        wait early) rather than left claimed until their lease ends, and it claims no more. Called before
        the scheduler's shutdown, which would otherwise wait for up to TICK_BUDGET of rows falling due."""
        self._stopping.set()

    def pause(self, seconds: float) -> bool:
        """Wait `seconds`, or less if `stop` is called meanwhile (then True)."""
        return self._stopping.wait(seconds)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        SHARED_POOL.close_idle()

    # --- the tick ------------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> int:
        """Plan (nudges, digests: at most once a minute), then send what is due. Returns rows handled."""
        self._fixed_now = now  # a test's controlled clock holds for the whole tick
        try:
            return self._tick(self._clock())
        finally:
            self._fixed_now = None

    def _tick(self, now: datetime) -> int:
        if self.plan and (self._planned_at is None or now - self._planned_at >= PLAN_EVERY):
            from scheduler.planner import plan_all

            try:
                plan_all(self.deps, now)
            except Exception:  # planning must never stop deliveries
                log.exception("planning nudges and digests failed")
            self._planned_at = now
        handled = self._send_due(now)
        if self._fixed_now is None:  # a test that fixes the clock drives every tick itself
            handled += self._send_on_time(now)
        return handled

    def _send_due(self, now: datetime, prepared: list[_Claimed] | None = None) -> int:
        """Send the batches `prepared` ahead, then claim and send more until one comes back short or the
        tick's budget is spent. The next batch is claimed while the previous one is still with Slack, and
        the previous one's outcomes are recorded while the next is sent, so the sending threads do not
        wait for the database between batches."""
        handled, started = 0, time.monotonic()
        waiting = list(prepared or [])
        in_flight: _Batch | None = None
        try:
            while True:
                current = self._submit(waiting.pop(0)) if waiting else self._start(now)
                done, in_flight = in_flight, current
                if done is not None:
                    handled += self._finish(done)
                if not waiting and (
                    current is None
                    or len(current.rows) < self.batch
                    or time.monotonic() - started >= TICK_BUDGET
                    or self._stopping.is_set()
                ):
                    break
                now = max(now, self._clock())
        finally:  # a failed claim must not leave the batch Slack already has unrecorded (resent after the lease)
            if in_flight is not None:
                handled += self._finish(in_flight)
            for claimed in waiting:  # claimed (and rendered) ahead: sent now rather than after the lease
                handled += self._finish(self._submit(claimed))
        return handled

    # --- on time, between ticks ------------------------------------------------------------------

    def _send_on_time(self, began: datetime) -> int:
        """Rows falling due before the next tick are sent at their due time, not up to a tick late
        (reminders are known in advance): PREPARE_AHEAD before it, the rows due by then and in the
        PREPARE_AHEAD after are claimed and rendered while the sending threads are idle, and each is
        posted at its own due time, so at that time only the calls to Slack are left. Then the next ones,
        while they fall due before the next tick could send them, for up to TICK_BUDGET."""
        handled = 0
        while self._clock() - began < timedelta(seconds=TICK_BUDGET) and not self._stopping.is_set():
            due = self._next_due_before_the_next_tick()
            if due is None:
                break
            self._sleep_until(due - timedelta(seconds=PREPARE_AHEAD))
            if self._stopping.is_set():  # stopped while waiting: the row is left to the next dispatcher
                break
            until = due + timedelta(seconds=PREPARE_AHEAD)
            sent = self._send_due(until, self._prepare(until, due))
            if not sent:
                break
            handled += sent
        return handled

    def _next_due_before_the_next_tick(self) -> datetime | None:
        now = self._clock()
        if self._cool.every_workspace_cooling(now):
            return None
        with transaction(self.deps.new_session) as session:
            due = next_due_at(session)
        if due is None or (due - now).total_seconds() >= self.deps.settings.scheduler_tick_seconds - EARLY_WAKE_MARGIN:
            return None  # the next tick comes first
        return due

    def _prepare(self, until: datetime, due: datetime) -> list[_Claimed]:
        """Claim and render, batch after batch, the rows due by `until`, as long as the first of them
        (`due`) has not come yet; the rest are claimed and sent the usual way."""
        prepared: list[_Claimed] = []
        while len(prepared) < PREPARE_MAX_BATCHES and self._clock() < due and not self._stopping.is_set():
            claimed = self._claim(until)
            if claimed is None:
                break
            self._render_ahead(claimed)
            prepared.append(claimed)
            if len(claimed.rows) < self.batch:
                break
        return prepared

    def _sleep_until(self, at: datetime) -> None:
        wait = (at - self._clock()).total_seconds()
        if wait > 0 and not self._stopping.is_set():
            self._sleep(wait)

    # --- one batch -------------------------------------------------------------------------------

    def dispatch_once(self, now: datetime | None = None) -> int:
        """Claim one batch of due rows, deliver them, record the outcomes; returns how many were claimed."""
        batch = self._start(now or self._clock())
        return self._finish(batch) if batch is not None else 0

    def _start(self, now: datetime) -> _Batch | None:
        """Claim a batch and hand its rows to the sending threads (or, with one thread, send them here)."""
        claimed = self._claim(now)
        return self._submit(claimed) if claimed is not None else None

    def _claim(self, now: datetime) -> _Claimed | None:
        """Claim the rows due by `now` (a batch), read what their renderers need, find their clients."""
        if self._cool.every_workspace_cooling(now):
            return None
        began, cpu_began = time.perf_counter(), time.thread_time()
        with transaction(self.deps.new_session) as session:
            rows = claim_due(session, now=now, worker=self.worker, lease=LEASE, limit=self.batch)
        if rows:
            with transaction(self.deps.new_session) as session:  # after the claim commits: no write lock held
                prefetched = prefetch(session, rows)
        self._add_busy(time.perf_counter() - began, time.thread_time() - cpu_began)
        if not rows:
            return None
        try:
            return _Claimed(rows, prefetched, self._clients_for({row.team_id for row in rows}))
        except Exception as error:  # the installation store is unreachable: put the batch back, retry later
            log.exception("looking up the batch's bot tokens failed")
            return _Claimed(rows, prefetched, {}, lookup_failed=f"token lookup failed: {error}"[:500])

    def _submit(self, claimed: _Claimed) -> _Batch:
        rows, clients = claimed.rows, claimed.clients
        if claimed.lookup_failed:
            return _Batch(rows, {}, [self._retry(row, claimed.lookup_failed) for row in rows])
        deliver = partial(
            self._deliver, limited=set(), prefetched=claimed.prefetched, clients=clients, rendered=claimed.rendered
        )
        if self._pool is None:
            return _Batch(rows, clients, [deliver(row) for row in rows])
        pool = self._pool
        return _Batch(rows, clients, [pool.submit(deliver, row) for row in rows])

    def _render_ahead(self, claimed: _Claimed) -> None:
        """Render a batch claimed before its rows fall due, in the sending threads (idle until then; a
        render may call users.info). Rows of a workspace being paced or cooled down are rendered when
        their turn comes, as usual: most of them will be put back without a call."""
        clients = claimed.clients
        rows = [row for row in claimed.rows if self._may_render_ahead(row, clients)]
        render = partial(self._render_early, prefetched=claimed.prefetched, clients=clients)
        messages = map(render, rows) if self._pool is None else self._pool.map(render, rows)
        for row, (rendered, message) in zip(rows, messages, strict=True):
            if rendered:
                claimed.rendered[row.id or 0] = message

    def _may_render_ahead(self, row: Outbox, clients: Clients) -> bool:
        return (
            clients.get(row.team_id) is not None
            and row.kind in RENDERERS
            and not self.pacer.paces(row.team_id)
            and self._cool.blocked(key_of(row.team_id, row.recipient), row.due_at) is None
        )

    def _render_early(
        self, row: Outbox, prefetched: Prefetched, clients: Clients
    ) -> tuple[bool, dict[str, Any] | None]:
        """(True, the message or None) as of the row's due time; (False, None) when the render failed
        (it is tried again, and its failure handled, at send time)."""
        began, cpu_began = time.perf_counter(), time.thread_time()
        client = clients[row.team_id]
        assert client is not None  # _may_render_ahead
        try:
            return True, self._render(row, client, prefetched, max(row.due_at, self._clock()))
        except Exception as error:
            log.debug("outbox row %s: rendering ahead failed (%s); rendered again at send time", row.id, error)
            return False, None
        finally:
            self._add_busy(time.perf_counter() - began, time.thread_time() - cpu_began)

    def _finish(self, batch: _Batch) -> int:
        """Wait for a batch's sends, record their outcomes in one transaction; returns the rows handled."""
        self._record([result if isinstance(result, _Result) else result.result() for result in batch.results])
        self._stop_where_not_installed(batch.clients)
        return len(batch.rows)

    # --- whose token -------------------------------------------------------------------------

    def _clients_for(self, teams: set[str]) -> Clients:
        """The client of each workspace of a batch, looked up once per batch: the one client in
        single-token mode; in OAuth mode, one carrying the workspace's current (refreshed) bot token."""
        installations = self.deps.installations
        if installations is None:
            return dict.fromkeys(teams, self.client)
        clients: Clients = {}
        for team, token in installations.tokens.tokens(teams).items():
            clients[team] = self._client_with(token) if token else None
        return clients

    def _client_with(self, token: str) -> WebClient:
        with self._lock:
            client = self._token_clients.get(token)
            if client is None:
                if len(self._token_clients) > 10000:  # rotated tokens: forget the old clients now and then
                    self._token_clients.clear()
                base_url = self.deps.settings.slack_api_url
                client = self._token_clients[token] = make_client(
                    token, base_url, inline_retries=False, pool=SHARED_POOL
                )
            return client

    def _stop_where_not_installed(self, clients: Clients) -> None:
        """A workspace with no active installation gets nothing more: its pending rows are cancelled
        with the reason instead of being retried forever."""
        for team in sorted(team for team, client in clients.items() if client is None):
            with transaction(self.deps.new_session) as session:
                cancelled = stop_deliveries(session, team_id=team)
            log.warning("workspace %s has no active installation: %d pending deliveries cancelled", team, cancelled)

    # --- one row -------------------------------------------------------------------------------

    def _deliver(
        self,
        row: Outbox,
        limited: set[str],
        prefetched: Prefetched | None = None,
        clients: Clients | None = None,
        rendered: dict[int, dict[str, Any] | None] | None = None,
    ) -> _Result:
        """Send one row, not before it is due (rows claimed ahead wait here for their time)."""
        self._sleep_until(row.due_at)
        began, cpu_began = time.perf_counter(), time.thread_time()
        slack_before, slack_cpu_before = self._thread_slack_seconds(), self._thread_slack_cpu()
        client = self.client if clients is None else clients.get(row.team_id)
        try:
            if client is None:
                result = _Result(row, _Outcome.CANCELLED, {"status": "cancelled", "last_error": NOT_INSTALLED_REASON})
            else:
                result = self._attempt(row, limited, client, prefetched, rendered)
        except Exception as error:  # never leave the row claimed until the lease ends; retry, then fail visibly
            log.exception("outbox row %s (%s) could not be delivered", row.id, row.kind)
            result = self._retry(row, f"internal error: {error}"[:500])
        spent = time.perf_counter() - began
        cpu = time.thread_time() - cpu_began - (self._thread_slack_cpu() - slack_cpu_before)
        with self._lock:
            self.stats.busy_seconds += spent
            self.stats.cpu_seconds += cpu
            self.stats.slack_seconds += self._thread_slack_seconds() - slack_before
            setattr(self.stats, result.outcome, getattr(self.stats, result.outcome) + 1)
        return result

    def _attempt(
        self,
        row: Outbox,
        limited: set[str],
        client: WebClient,
        prefetched: Prefetched | None = None,
        rendered: dict[int, dict[str, Any] | None] | None = None,
    ) -> _Result:
        now, key = self._clock(), key_of(row.team_id, row.recipient)
        blocked = self._cool.blocked(key, now)
        if blocked:  # spare the render; checked again right before the call
            return self._defer(row, blocked)
        paced = self._paced(row, now)
        if paced is not None:
            return paced
        if row.kind not in RENDERERS:
            return self._fail(row, f"no renderer for kind {row.kind}")
        if rendered is not None and (row.id or 0) in rendered:  # rendered ahead of the due time
            message = rendered[row.id or 0]
        else:
            message = self._render(row, client, prefetched, now)
        if message is None:
            return _Result(row, _Outcome.CANCELLED, {"status": "cancelled", "last_error": "nothing to send any more"})
        return self._post(row, message, key, limited, client)

    def _render(
        self, row: Outbox, client: WebClient, prefetched: Prefetched | None, at: datetime
    ) -> dict[str, Any] | None:
        """The row's message as of `at` (None: nothing to send any more), by its kind's renderer."""
        with transaction(self.deps.new_session) as session:
            return RENDERERS[row.kind](RenderContext(self.deps, client, session, at, prefetched), row)

    def _post(self, row: Outbox, message: dict[str, Any], key: str, limited: set[str], client: WebClient) -> _Result:
        """Post the rendered message (or call its `_method`), unless the channel's cool-down came first."""
        try:
            channel = message.pop("channel", None) or self._dm_channel(row.team_id, row.recipient)
            call = getattr(client, message.pop("_method", "chat_postMessage"))  # e.g. conversations_archive
            blocked = self._cool.reserve(key, self._clock(), CHANNEL_INTERVAL)
            if blocked:  # another thread posted or was told to wait while this one rendered
                return self._defer(row, blocked)
            try:
                response = self._timed(call, channel=channel, **message)
            except SlackApiError as error:
                if not (_is_user(channel) and _error_code(error) == "channel_not_found"):
                    raise
                log.info("posting to user id %s: channel_not_found; opening the DM with conversations.open", channel)
                channel = self._open_dm(client, row.team_id, row.recipient)
                response = self._timed(client.chat_postMessage, channel=channel, **message)
        except SlackApiError as error:
            return self._slack_error(row, error, limited)
        except OSError as error:  # connection refused, reset, timeout
            return self._retry(row, f"connection error: {error}")
        return self._sent(row, response.get("ts"))

    def _sent(self, row: Outbox, ts: str | None) -> _Result:
        sent_at = self._clock()
        self.pacer.accepted(row.team_id, sent_at.timestamp())
        if self.record_lateness:
            with self._lock:
                self.stats.lateness.append((sent_at - row.due_at).total_seconds())
        return _Result(row, _Outcome.SENT, {"status": "sent", "sent_at": sent_at, "sent_ts": ts, "last_error": ""})

    def _paced(self, row: Outbox, now: datetime) -> _Result | None:
        """None when the row may go now; else the row put back to its slot in its workspace's pace."""
        slot = self.pacer.take(row.team_id, now.timestamp())
        if slot is None:
            return None
        with self._lock:
            self.stats.paced += 1
        return self._defer(row, datetime.fromtimestamp(slot, UTC), error=PACED)

    def _slack_error(self, row: Outbox, error: SlackApiError, limited: set[str]) -> _Result:
        response = error.response
        code = _error_code(error)
        if response is not None and response.status_code == 429:
            wait = timedelta(seconds=_retry_after(response.headers))
            key = key_of(row.team_id, row.recipient)
            until = self._cool.extend(key, self._clock() + wait)
            with self._lock:
                limited.add(key)
                in_workspace = {k for k in limited if k.startswith(f"{row.team_id}|")}
                workspace_limited = len(in_workspace) >= WORKSPACE_LIMITED_AFTER
                self.stats.rate_limited += 1
            resume = None
            if workspace_limited:
                resume = self._cool.extend(workspace_key(row.team_id), until).timestamp()
            self.pacer.limited(row.team_id, self._clock().timestamp(), workspace=workspace_limited, resume=resume)
            return self._defer(row, until, error="ratelimited")
        if code in FATAL_ERRORS:
            return self._fail(row, code)
        if response is not None and response.status_code < 500 and code not in ("internal_error", "fatal_error"):
            return self._fail(row, code or str(error))  # a request Slack refuses will be refused again
        return self._retry(row, code or f"HTTP {response.status_code if response is not None else '?'}")

    def _dm_channel(self, team: str, recipient: str) -> str:
        """Where a row for `recipient` is posted: a channel as it is; a user id as it is too (Slack posts
        in the app's DM with that user), unless Slack refused it once and we opened the DM instead."""
        if not _is_user(recipient):
            return recipient
        with self._lock:
            return self._dm_channels.get((team, recipient), recipient)

    def _open_dm(self, client: WebClient, team: str, recipient: str) -> str:
        channel = str(self._timed(client.conversations_open, users=recipient)["channel"]["id"])
        with self._lock:
            self._dm_channels[(team, recipient)] = channel
        return channel

    # --- outcomes ------------------------------------------------------------------------------

    def _record(self, results: list[_Result]) -> None:
        """Record a batch's outcomes in one transaction; should it fail, one row at a time, so one bad
        row cannot lose the others' outcomes (a row left claimed is taken again after its lease)."""
        began, cpu_began = time.perf_counter(), time.thread_time()
        try:
            with transaction(self.deps.new_session) as session:
                self._write_all(session, results)
        except Exception:
            log.exception("recording %d outcomes in one transaction failed; recording them one by one", len(results))
            for result in results:
                try:
                    with transaction(self.deps.new_session) as session:
                        self._write(session, result)
                except Exception:
                    log.exception("outbox row %s: outcome %s could not be recorded", result.row.id, result.outcome)
        self._add_busy(time.perf_counter() - began, time.thread_time() - cpu_began)

    def _write_all(self, session: Session, results: list[_Result]) -> None:
        """Outcomes with nothing to do after their UPDATE (no settle hook, no owner to tell) are written in
        one statement per set of columns; the others one by one, as their hook needs to know whether this
        worker still held the row."""
        plain: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
        for result in results:
            if result.notify is None and result.row.kind not in ON_SETTLED:
                plain.setdefault(tuple(sorted(result.values)), []).append((result.row.id or 0, result.values))
            else:
                self._write(session, result)
        for outcomes in plain.values():
            held = settle_many(session, outcomes, worker=self.worker)
            if held < len(outcomes):
                log.info("%d outbox rows were claimed by another worker after our lease expired", len(outcomes) - held)

    def _write(self, session: Session, result: _Result) -> None:
        row = result.row
        if not settle(session, row.id or 0, worker=self.worker, **result.values):
            log.info("outbox row %s was claimed by another worker after our lease expired", row.id)
            return
        hook = ON_SETTLED.get(row.kind)
        handled = hook(session, row, result.outcome, result.values.get("sent_ts"), result.notify) if hook else False
        if result.notify is not None and row.kind != FAILED_NOTICE and not handled:
            self._tell_owner(session, row, result.notify)

    def _defer(self, row: Outbox, until: datetime, *, error: str = "") -> _Result:
        """Put the row back for later without counting an attempt (rate limits are not failures)."""
        values = {
            "status": "pending",
            "claimed_by": None,
            "due_at": until,
            "attempts": max(row.attempts - 1, 0),
            "last_error": error or row.last_error,
        }
        return _Result(row, _Outcome.DEFERRED, values)

    def _retry(self, row: Outbox, error: str) -> _Result:
        if row.attempts >= MAX_ATTEMPTS:
            return self._fail(row, error)
        backoff = min(timedelta(seconds=5 * 2**row.attempts), MAX_BACKOFF)
        values = {"status": "pending", "claimed_by": None, "due_at": self._clock() + backoff, "last_error": error[:500]}
        return _Result(row, _Outcome.RETRY, values)

    def _fail(self, row: Outbox, error: str) -> _Result:
        log.warning("outbox row %s (%s to %s) failed: %s", row.id, row.kind, row.recipient, error)
        return _Result(row, _Outcome.FAILED, {"status": "failed", "last_error": error[:500]}, notify=error)

    def _tell_owner(self, session: Session, row: Outbox, error: str) -> None:
        """One DM to whoever the message was for (the record owner when there is one), once per row,
        enqueued in the transaction that records the failure."""
        from store.records import get_record

        owner = row.recipient
        if row.record_type and row.record_id:
            record = get_record(session, team_id=row.team_id, record_type=row.record_type, record_id=row.record_id)
            owner = record.owner_id if record is not None else owner
        if owner.startswith(("C", "G", "D")):
            return
        enqueue(
            session,
            team_id=row.team_id,
            kind=FAILED_NOTICE,
            recipient=owner,
            due_at=self._clock(),
            dedupe_key=f"failed:{row.id}",
            record_type=row.record_type,
            record_id=row.record_id,
            payload={"row_id": row.id, "kind": row.kind, "recipient": row.recipient, "error": error[:300]},
        )

    # --- Slack timing --------------------------------------------------------------------------

    _slack_time = threading.local()

    def _thread_slack_seconds(self) -> float:
        return float(getattr(self._slack_time, "seconds", 0.0))

    def _thread_slack_cpu(self) -> float:
        return float(getattr(self._slack_time, "cpu", 0.0))

    def _timed(self, call: Callable[..., Any], **kwargs: Any) -> Any:
        began, cpu_began = time.perf_counter(), time.thread_time()
        try:
            return call(**kwargs)
        finally:
            self._slack_time.seconds = self._thread_slack_seconds() + time.perf_counter() - began
            self._slack_time.cpu = self._thread_slack_cpu() + time.thread_time() - cpu_began

    def _add_busy(self, seconds: float, cpu: float) -> None:
        with self._lock:
            self.stats.busy_seconds += seconds
            self.stats.cpu_seconds += cpu


def _error_code(error: SlackApiError) -> str:
    response = error.response
    return str(response.get("error", "")) if response is not None else ""


def _retry_after(headers: Any) -> int:
    try:
        return max(int(headers.get("Retry-After", "1") or 1), 1)
    except (TypeError, ValueError):
        return 1


def tick(deps: Deps, client: WebClient, now: datetime | None = None, *, plan: bool = True) -> int:
    """The scheduler's entry point, callable directly by tests with a controlled `now`."""
    dispatcher = Dispatcher(deps, client, threads=1, plan=plan)
    try:
        return dispatcher.tick(now)
    finally:
        dispatcher.close()


def dispatch_due(deps: Deps, client: WebClient, *, limit: int = 50) -> int:
    """Send one batch of due rows (no planning); returns how many rows were handled."""
    dispatcher = Dispatcher(deps, client, batch=limit, threads=1, plan=False)
    try:
        return dispatcher.dispatch_once()
    finally:
        dispatcher.close()
