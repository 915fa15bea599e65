"""The reference of the ack benchmarks: a bare Bolt app (`process_before_response=True`), served by
salesbot's own server (`bot.server.serve_http_workers`: the same waitress workers and sockets as
`salesbot run --workers N`). Its listeners:
  `/lead` and `/opp`      ack a static text;
  `app_home_opened`       acks, then publishes a static Home view (`views.publish`);
  a `record_timeline` click (the record card's Timeline button) acks, then opens a static modal
                          (`views.open`), so Home and Timeline make the same Slack round trip as salesbot's.

    python -m bench.bare_bolt --port 3100 --workers 2 [--database URL [--models]] [--reads URL]

Signing secret from SLACK_SIGNING_SECRET; auth.test (once, as Bolt does) at SLACK_API_URL.
No database, no logging per request, no middleware of ours. With `--reads URL`, every listener first makes
one read of that database (`SELECT version_num FROM alembic_version`, one row) on a DBAPI connection its
thread keeps (psycopg in autocommit with a prepared statement: one round trip; or sqlite3): the reference
"bare Bolt + 1 read" of the ack benchmarks, what one round trip to the database costs an app that does
nothing else.

With `--database`, before serving it opens that database through SQLAlchemy (create_engine, one SELECT of
the schema's revision, dispose): the start-up reference of an app that reads its database through
SQLAlchemy (bench/startup.py). With `--models` too, it also reads its settings (bot.config), imports
salesbot's tables (store.models), configures their mappers and makes one ORM read: the floor of an app on
salesbot's schema and stack.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import threading
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


READ = "SELECT version_num FROM alembic_version"


class OneRead:
    """`--reads`: one read of the database per request, on a connection kept per request thread."""

    url: str | None = None
    _kept = threading.local()

    @classmethod
    def run(cls) -> None:
        if cls.url is None:
            return
        connection = getattr(cls._kept, "connection", None)
        if connection is None:
            connection = cls._kept.connection = _connect(cls.url)
        postgres = not isinstance(connection, sqlite3.Connection)
        cursor = connection.execute(READ, prepare=True) if postgres else connection.execute(READ)
        cursor.fetchall()


def _connect(url: str) -> Any:
    """A DBAPI connection for an SQLAlchemy-style URL (sqlite:///FILE or postgresql+psycopg://...)."""
    if url.startswith("sqlite:///"):
        return sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False)
    import psycopg

    # autocommit: one round trip per read, no BEGIN or COMMIT (as salesbot's kept readers, store/prepared.py)
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def lead(ack: Ack) -> None:
    OneRead.run()
    ack(**ANSWER)


def home(ack: Ack, event: dict[str, Any], client: WebClient) -> None:
    ack()
    OneRead.run()
    client.views_publish(user_id=event["user"], view=HOME)


def timeline(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    OneRead.run()
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


def open_models(url: str) -> None:
    """What any app reading salesbot's schema through its SQLModel classes imports and runs before its first
    answer, beyond `open_database`: its settings read through pydantic-settings (bot.config), the tables
    (store.models) with their mappers configured, and one ORM read. No listener, service or view of
    salesbot's: the floor under `salesbot run`'s start-up that no lazy import of salesbot's own can lower
    (bench/startup.py, docs/performance.md "Start-up (twelfth session, branch start)")."""
    import sqlalchemy as sa
    from sqlalchemy.orm import configure_mappers
    from sqlmodel import Session, select

    import store.models
    from bot.config import load_settings

    load_settings()
    configure_mappers()
    engine = sa.create_engine(url)
    with Session(engine) as session:
        session.exec(select(store.models.Lead).limit(1)).all()
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default=None, help="open this database through SQLAlchemy first")
    parser.add_argument("--models", action="store_true", help="with --database: settings, tables, one ORM read")
    parser.add_argument("--reads", default=None, help="one read of this database per request (URL)")
    args: Any = parser.parse_args(argv)
    OneRead.url = args.reads
    logging.basicConfig(level=logging.WARNING)
    if args.database:
        open_database(args.database)
    if args.database and args.models:
        open_models(args.database)
    serve_http_workers(bare_app, args.host, args.port, workers=args.workers)


if __name__ == "__main__":
    main()
