"""A rate-limited workspace is paced at the rate Slack lets through instead of being sent every due row
and answering 429 for most of them; another workspace's messages go out meanwhile as if nothing were
limited. The fake Slack limits chat.postMessage per workspace as Slack does (a bucket refilled steadily,
429 + Retry-After past it) on time-machine's clock; the dispatcher runs one tick per controlled second."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import time_machine
from sqlmodel import select

from bot.slack_client import make_client
from scheduler.dispatcher import Dispatcher
from scheduler.pacing import Pacer
from store.db import transaction
from store.models import Outbox
from store.outbox import enqueue
from tests.conftest import RunningBot
from tests.slack.fake_slack import WorkspaceLimit

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
LIMITED, FREE = "T1", "T2"
PER_MINUTE, BURST = 60, 5  # T1: one message a second after a burst of five


def _dm(bot: RunningBot, team: str, n: int, due: datetime) -> None:
    with transaction(bot.deps.new_session) as session:
        enqueue(
            session, team_id=team, kind="dm", recipient=f"U{team}{n:03d}", due_at=due,
            dedupe_key=f"{team}-{n}", payload={"text": f"{team} reminder {n}"},
        )  # fmt: skip


def _rows(bot: RunningBot, team: str) -> list[Outbox]:
    with transaction(bot.deps.new_session) as session:
        rows = session.exec(select(Outbox).where(Outbox.team_id == team, Outbox.kind == "dm"))
        return list(rows)


def _posted(bot: RunningBot, team: str) -> Counter[str]:
    calls = bot.slack.calls_to("chat.postMessage")
    return Counter(c.args["text"] for c in calls if not c.args.get("_failed") and c.args["text"].startswith(team))


def _run(bot: RunningBot, seconds: int) -> Dispatcher:
    """One dispatcher (its pace lives in it), ticking once a second of controlled time."""
    dispatcher = Dispatcher(bot.deps, make_client(None, bot.slack.api_url, inline_retries=False), threads=1, plan=False)
    try:
        for second in range(seconds):
            now = T0 + timedelta(seconds=second)
            with time_machine.travel(now, tick=False):
                dispatcher.tick(now)
    finally:
        dispatcher.close()
    return dispatcher


def test_a_limited_workspace_is_paced_and_another_is_not_held_back(oauth_bot: RunningBot) -> None:
    bot = oauth_bot
    limit = bot.slack.workspace_limits[LIMITED] = WorkspaceLimit(per_minute=PER_MINUTE, burst=BURST)
    for n in range(40):
        _dm(bot, LIMITED, n, T0)
    for n in range(10):  # T2: ten due with T1's forty, ten more while T1 is being paced
        _dm(bot, FREE, n, T0 if n < 5 else T0 + timedelta(seconds=10 + n))
    dispatcher = _run(bot, 45)

    assert _posted(bot, LIMITED) == Counter(f"{LIMITED} reminder {n}" for n in range(40))  # all, each once
    assert _posted(bot, FREE) == Counter(f"{FREE} reminder {n}" for n in range(10))
    # without pacing each tick sends until 3 channels are limited: ~3 429s per message Slack takes (~100)
    assert limit.limited <= 6, f"{limit.limited} 429s for 40 messages"
    assert dispatcher.stats.rate_limited == limit.limited
    last = max(row.sent_at for row in _rows(bot, LIMITED) if row.sent_at is not None)
    bound = (40 - BURST) / (PER_MINUTE / 60)  # what the limit allows: the burst, then one a second
    assert (last - T0).total_seconds() <= bound + 1
    assert dispatcher.pacer.rate(LIMITED) == 1.0 and dispatcher.pacer.rate(FREE) is None
    for row in _rows(bot, FREE):  # each sent at the tick it fell due, none put back
        assert row.sent_at == row.due_at and row.attempts == 1, row


def test_the_pace_is_the_rate_slack_accepted_between_two_429s() -> None:
    pacer = Pacer()
    pacer.limited("T1", 100.0, workspace=False)  # one channel's 429: not the workspace's limit
    assert pacer.take("T1", 100.0) is None and pacer.rate("T1") is None
    pacer.limited("T1", 100.0, workspace=True)
    assert pacer.take("T1", 100.5) is None  # not measured yet: sent freely (the Retry-After holds it back)
    for at in range(1, 11):
        pacer.accepted("T1", 100.0 + at / 5)  # five a second for two seconds
    pacer.limited("T1", 102.0, workspace=False)
    assert pacer.rate("T1") == 5.0
    slots = [pacer.take("T1", 102.0) for _ in range(3)]  # Slack's bucket is empty: a token in 1 / (5 × 1.03) s,
    assert [round(s, 3) for s in slots if s is not None] == [102.194, 102.363, 102.532]  # slots 1.15× closer
    assert pacer.take("T1", 102.2) is None  # the first slot's row, back at its time
    assert pacer.take("T2", 102.0) is None  # another workspace is not paced
