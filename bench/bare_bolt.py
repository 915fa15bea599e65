"""The reference of the ack benchmarks: a bare Bolt app, one `/lead` listener acking a static text
(`process_before_response=True`), served by salesbot's own server (`bot.server.serve_http_workers`:
the same waitress workers and sockets as `salesbot run --workers N`).

    python -m bench.bare_bolt --port 3100 --workers 2

Signing secret from SLACK_SIGNING_SECRET; auth.test (once, as Bolt does) at SLACK_API_URL.
No database, no logging per request, no middleware of ours.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.server import serve_http_workers

ANSWER = {"response_type": "ephemeral", "text": "You have no open leads."}


def lead(ack: Ack) -> None:
    ack(**ANSWER)


def bare_app() -> tuple[App, Callable[[], None]]:
    client = WebClient(token="xoxb-bench", base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"))
    app = App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
        token_verification_enabled=False,
    )
    app.command("/lead")(lead)
    return app, _nothing


def _nothing() -> None:
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args: Any = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    serve_http_workers(bare_app, args.host, args.port, workers=args.workers)


if __name__ == "__main__":
    main()
