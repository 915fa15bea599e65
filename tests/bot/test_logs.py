"""Log records of a worker go through one writer thread (bot.logs.log_from_a_thread): every record is
written, in order, a warning without waiting for the writer's next round, and what is left on stop."""

from __future__ import annotations

import functools
import io
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.logs import log_from_a_thread


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    yield out
    root.handlers[:] = saved
    root.setLevel(level)


def test_records_are_written_in_order_and_flushed_on_stop(stream: io.StringIO) -> None:
    stop = log_from_a_thread(every=60)  # no round of the writer during the test
    log = logging.getLogger("salesbot.test")
    for n in range(100):
        log.info("line %d", n)
    assert stream.getvalue() == ""
    stop()
    assert stream.getvalue().splitlines() == [f"INFO line {n}" for n in range(100)]
    assert logging.getLogger().handlers[0].stream is stream  # type: ignore[attr-defined]


def test_a_warning_is_written_without_waiting_for_the_next_round(stream: io.StringIO) -> None:
    stop = log_from_a_thread(every=60)
    try:
        logging.getLogger("salesbot.test").info("before")
        logging.getLogger("salesbot.test").warning("careful")
        deadline = time.monotonic() + 5
        while "careful" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stream.getvalue().splitlines() == ["INFO before", "WARNING careful"]
    finally:
        stop()


def test_records_below_a_handlers_level_are_not_written(stream: io.StringIO) -> None:
    logging.getLogger().handlers[0].setLevel(logging.WARNING)
    stop = log_from_a_thread(every=60)
    logging.getLogger("salesbot.test").info("quiet")
    logging.getLogger("salesbot.test").error("loud")
    stop()
    assert stream.getvalue().splitlines() == ["ERROR loud"]


def test_building_the_bolt_app_leaves_salesbots_info_records_on(stream: io.StringIO) -> None:
    """Bolt gives a listener without a __name__ (our functools.partial listeners) the logger named after
    the app, set to the root's level of that moment: named "salesbot", a worker built while the root
    was at WARNING (Python's default, as in tests) silenced every salesbot.* INFO record after."""
    from slack_bolt import App

    from bot.app import APP_NAME

    logging.getLogger().setLevel(logging.WARNING)
    app = App(name=APP_NAME, token="xoxb-offline", signing_secret="s", token_verification_enabled=False)
    app.command("/lead")(functools.partial(_ack_only, "lead"))
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("salesbot.requests").info("a request line")
    assert stream.getvalue().splitlines() == ["INFO a request line"]


def _ack_only(_name: str, ack: Any) -> None:
    ack()


class _Watched(dict[str, Any]):
    """A view that notes when something prints it (repr) rather than encoding it as JSON."""

    printed = False

    def __repr__(self) -> str:
        _Watched.printed = True
        return super().__repr__()


def test_a_web_api_call_does_not_print_its_body_for_a_debug_line_nobody_logs(fake_slack: Any) -> None:
    """slack-sdk builds `f"... json_body: {json_body}"` whenever its logger's own level is unset (0 <=
    DEBUG), though the record is then dropped: for the Home view, 8 % of a Home request's CPU."""
    from bot.logs import configure_logging
    from bot.slack_client import SHARED_POOL, make_client

    root, client_log = logging.getLogger(), logging.getLogger("slack_sdk.web.base_client")
    handlers, level, client_level = root.handlers[:], root.level, client_log.level
    try:
        configure_logging(logging.INFO)
        client = make_client("xoxb-test-token", fake_slack.api_url, pool=SHARED_POOL)
        client.views_publish(user_id="U1", view=_Watched(type="home", blocks=[]))
        assert fake_slack.calls_to("views.publish") and not _Watched.printed
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        client_log.setLevel(client_level)
