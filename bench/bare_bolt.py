"""The reference of the ack benchmarks: a bare Bolt app (`process_before_response=True`), served by
salesbot's own server (`bot.server.serve_http_workers`: the same waitress workers and sockets as
`salesbot run --workers N`). Its listeners:
  `/lead` and `/opp`      ack a static text;
  `app_home_opened`       acks, then publishes a static Home view (`views.publish`);
  a `record_timeline` click (the record card's Timeline button) acks, then opens a static modal
                          (`views.open`), so Home and Timeline make the same Slack round trip as salesbot's.

    python -m bench.bare_bolt --port 3100 --workers 2 [--database URL]

Signing secret from SLACK_SIGNING_SECRET; auth.test (once, as Bolt does) at SLACK_API_URL.
No database, no logging per request, no middleware of ours. With `--database`, before serving it opens
that database through SQLAlchemy (create_engine, one SELECT of the schema's revision, dispose): the
start-up reference of an app that reads its database through SQLAlchemy (bench/startup.py).
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


HOME = {
    "type": "home",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Your sales desk"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "You have no open leads."}},
    ],
}
TIMELINE = {
    "type": "modal",
    "callback_id": "timeline",
    "title": {"type": "plain_text", "text": "Timeline"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Nothing recorded yet."}}],
}


def lead(ack: Ack) -> None:
    ack(**ANSWER)


def home(ack: Ack, event: dict[str, Any], client: WebClient) -> None:
    ack()
    client.views_publish(user_id=event["user"], view=HOME)


def timeline(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=TIMELINE)


def bare_app() -> tuple[App, Callable[[], None]]:
    client = WebClient(token="xoxb-bench", base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"))
    app = App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
        token_verification_enabled=False,
    )
    app.command("/lead")(lead)
    app.command("/opp")(lead)
    app.command("/task")(lead)
    app.event("app_home_opened")(home)
    app.action("record_timeline")(timeline)
    return app, _nothing


def _nothing() -> None:
    return None


def open_database(url: str) -> None:
    """SQLAlchemy imported, an engine made and one SELECT run on `url`, in the process that forks the
    workers (where salesbot checks its schema's revision)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default=None, help="open this database through SQLAlchemy first")
    args: Any = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.database:
        open_database(args.database)
    serve_http_workers(bare_app, args.host, args.port, workers=args.workers)


if __name__ == "__main__":
    main()
