"""The Slack call that ends a piece of after-ack work (App Home's views.publish, a modal's views.open) is made
by a sender thread, not by the request thread that acked (bot.background.send_last): with a slow Slack the
request threads stay free, Retry-After is honoured, a failure still reaches the user, and a worker stopping
sends what it acked first. Signed requests over loopback HTTP into the app, the fake Slack over loopback."""

from __future__ import annotations

import threading
import time

from bot.background import SLACK_WINDOW, BackgroundWork, send_last
from bot.deps import build_deps
from bot.messages import GENERIC_ERROR
from bot.server import _serve_on, listening_socket
from tests.conftest import SIGNING_SECRET, RunningBot, make_settings
from tests.slack.driver import SlackDriver
from tests.slack.fake_slack import FakeSlack

SLOW = 1.0  # seconds the fake Slack takes to answer a views.publish
USERS = [f"U{n}" for n in range(1, 9)]  # twice the request threads that may carry work (8 threads, 4 carrying)


def published(slack: FakeSlack) -> list[str]:
    return [c.args["user_id"] for c in slack.calls_to("views.publish") if not c.args.get("_failed")]


def test_homes_wait_for_a_slow_slack_on_sender_threads_not_on_request_threads(bot: RunningBot) -> None:
    bot.slack.latency["views.publish"] = SLOW
    opened = [threading.Thread(target=bot.user(user).open_home) for user in USERS]
    for thread in opened:
        thread.start()
    for thread in opened:
        thread.join(10)
    started = time.monotonic()
    assert bot.user().command("/lead", "list").status == 200  # acked while every Home waits for Slack
    assert time.monotonic() - started < SLOW / 2
    assert bot.deps.background.wait_idle(10)
    assert sorted(published(bot.slack)) == sorted(USERS)  # each Home once
    # more publishes waited for Slack at once than request threads may carry work: none held one
    assert bot.slack.peak_in_flight >= len(USERS)


def test_a_429_on_views_publish_is_sent_again_after_retry_after_once(bot: RunningBot) -> None:
    bot.slack.fail_next("views.publish", status=429, retry_after=1)
    bot.user().open_home()
    assert bot.deps.background.wait_idle(10)
    calls = bot.slack.calls_to("views.publish")
    assert [bool(c.args.get("_failed")) for c in calls] == [True, False]  # refused once, then published once
    assert calls[1].at - calls[0].at >= 1.0
    assert not bot.slack.calls_to("chat.postMessage")  # no error told: it was published


def test_a_publish_slack_refuses_reaches_the_user(bot: RunningBot) -> None:
    bot.slack.fail_next("views.publish", error="invalid_arguments")
    bot.user().open_home()
    assert bot.deps.background.wait_idle(10)
    assert not published(bot.slack)
    assert bot.slack.last_message().text == GENERIC_ERROR  # a DM: Home has no channel


def test_a_stopping_worker_sends_every_home_it_acked(database_url: str, fake_slack: FakeSlack) -> None:
    from bot.app import create_app

    fake_slack.latency["views.publish"] = SLOW
    deps = build_deps(make_settings(database_url, fake_slack))
    sock = listening_socket("127.0.0.1", 0, reuse_port=True)
    port = sock.getsockname()[1]
    stop = threading.Event()
    worker = threading.Thread(target=_serve_on, args=(sock, lambda: (create_app(deps)[0], deps.background.wait_idle),
                                                      8, stop))  # fmt: skip
    worker.start()
    driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, fake_slack, settle=lambda: True)
    try:
        for user in USERS[:4]:
            assert driver.as_user(user, "T1").open_home().status == 200
        stop.set()  # what SIGTERM does in a worker process, while the publishes wait for Slack
        worker.join(15)
        assert not worker.is_alive()
        assert sorted(published(fake_slack)) == sorted(USERS[:4])  # sent before the worker returned
    finally:
        stop.set()
        deps.background.shutdown()
        deps.engine.dispose()


def test_past_the_send_limit_the_work_makes_its_call_itself() -> None:
    background = BackgroundWork(senders=1, send_limit=1)
    release = threading.Event()
    made_on: list[str] = []

    def call(wait: bool) -> None:
        made_on.append(threading.current_thread().name)
        if wait:
            assert release.wait(5)

    def work(wait: bool) -> None:
        send_last(call, wait)

    background.submit(work, True)
    deadline = time.monotonic() + 5
    while not made_on and time.monotonic() < deadline:
        time.sleep(0.01)
    background.submit(work, False)  # the one sender is busy and the limit reached
    deadline = time.monotonic() + 5
    while len(made_on) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    assert background.wait_idle(5)
    background.shutdown()
    assert made_on[0].startswith("slack-send") and made_on[1].startswith("after-ack")


def test_while_slack_answers_fast_the_work_makes_its_call_itself() -> None:
    background = BackgroundWork()
    background.slack_seconds = 0.001  # measured: Slack answers in a millisecond
    made_on: list[str] = []
    background.submit(lambda: send_last(lambda: made_on.append(threading.current_thread().name)))
    assert background.wait_idle(5)
    background.shutdown()
    assert made_on and made_on[0].startswith("after-ack")  # the work's thread: no sender woken


def _made_on(background: BackgroundWork, seconds: float) -> str:
    """The thread that made a call of `seconds` ending a piece of work (`send_last`), once it is done."""
    made_on: list[str] = []

    def call() -> None:
        made_on.append(threading.current_thread().name)
        time.sleep(seconds)

    background.submit(lambda: send_last(call))
    assert background.wait_idle(5)
    return made_on[0]


def test_a_few_slow_calls_among_fast_ones_keep_the_calls_on_the_works_thread() -> None:
    """Under load a call to a fast Slack sometimes takes long (its thread waits for the GIL and a core): that
    is no reason to wake a sender per call. A moving average read three 100 ms calls as a slow Slack."""
    background = BackgroundWork()
    assert _made_on(background, 0.001).startswith("slack-send")  # not measured yet: slow until measured
    for _ in range(40):  # a fast Slack, well measured (a moving average too had settled at ~6 ms)
        _made_on(background, 0.001)
    for seconds in (0.1, 0.1, 0.1, 0.001):
        assert _made_on(background, seconds).startswith("after-ack")
    background.shutdown()


def test_once_slack_answers_slowly_call_after_call_a_sender_makes_the_calls() -> None:
    background = BackgroundWork()
    for _ in range(3):
        _made_on(background, 0.001)
    made = [_made_on(background, 0.03) for _ in range(SLACK_WINDOW + 1)]
    assert all(name.startswith("after-ack") for name in made[:SLACK_WINDOW])  # a fast call among the last ones
    assert made[SLACK_WINDOW].startswith("slack-send")  # every one of the last calls was slow
    background.shutdown()
