"""A modal submission is acked inside Slack's 3 s even while another connection holds the database's
write lock (SQLite) or the rows and table it writes (PostgreSQL): the ack says "busy, nothing saved"
and nothing is stored; submitted again once the lock is gone, it is saved once."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.app import ACK_DB_BUDGET
from bot.messages import DATABASE_BUSY
from store.db import transaction
from store.models import Activity
from tests.conftest import RunningBot
from tests.handlers.test_lead_flow import create_lead, leads
from tests.slack.driver import Response

ACK_LIMIT = 3.0  # Slack's deadline; the budget keeps us well inside it


@contextmanager
def held_lock(url: str, *, lead_id: int | None = None) -> Iterator[None]:
    """SQLite: the write lock (BEGIN IMMEDIATE). PostgreSQL: the lead's row (SELECT … FOR UPDATE), or
    the whole lead table against inserts when no lead is named."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        if lead_id is None:
            connection.execute(sa.text("LOCK TABLE lead IN EXCLUSIVE MODE"))
        else:
            connection.execute(sa.text("SELECT id FROM lead WHERE id = :id FOR UPDATE"), {"id": lead_id})
        try:
            yield
        finally:
            connection.rollback()
    engine.dispose()


def timed(submit: object) -> tuple[Response, float]:
    started = time.monotonic()
    response = submit()  # type: ignore[operator]
    return response, time.monotonic() - started


def activities(bot: RunningBot, kind: str) -> list[Activity]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(Activity).where(Activity.kind == kind)))


def test_new_lead_under_a_held_lock_is_refused_in_time_and_saved_once_after(bot: RunningBot, database_url: str) -> None:
    user = bot.user()
    user.command("/lead")
    view = bot.slack.last_view("views.open")
    fields = {"Topic": "Grinders for the new shop", "Last name": "Bianchi"}
    with held_lock(database_url):
        response, seconds = timed(lambda: user.submit(view, fields))
    assert seconds < ACK_LIMIT - 0.5, f"ack took {seconds:.2f} s"
    assert seconds >= ACK_DB_BUDGET * 0.5  # it did wait for the lock, within the budget
    assert response.json["response_action"] == "errors"
    assert list(response.json["errors"].values()) == [DATABASE_BUSY]
    assert leads(bot) == []
    assert bot.slack.calls_to("chat.postMessage") == []

    again = user.submit(view, fields)
    assert again.status == 200 and not again.body.strip()
    assert [lead.topic for lead in leads(bot)] == ["Grinders for the new shop"]
    bot.slack.wait_for("chat.postMessage")


def test_log_call_on_a_locked_lead_is_refused_in_time(bot: RunningBot, database_url: str) -> None:
    create_lead(bot)
    card = bot.slack.last_message()
    lead = leads(bot)[0]
    user = bot.user()
    user.click("Log call", card)
    modal = bot.slack.last_view()
    values = {"Subject": "Pricing call", "Direction": "Outgoing"}
    with held_lock(database_url, lead_id=lead.id):
        response, seconds = timed(lambda: user.submit(modal, values))
    assert seconds < ACK_LIMIT - 0.5, f"ack took {seconds:.2f} s"
    assert response.json["response_action"] == "errors"
    assert DATABASE_BUSY in response.json["errors"].values()
    assert activities(bot, "call") == []

    assert user.submit(modal, values).status == 200
    assert [a.subject for a in activities(bot, "call")] == ["Pricing call (Outgoing)"]


def test_without_a_budget_background_work_still_waits_for_the_lock(bot: RunningBot, database_url: str) -> None:
    """The budget bounds only the request being acked: work after the ack (and the scheduler) waits."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite busy timeout is per connection; this checks it is restored after a request")
    user = bot.user()
    user.command("/lead")
    view = bot.slack.last_view("views.open")
    with held_lock(database_url):
        user.submit(view, {"Topic": "One", "Last name": "Verdi"})
    engine = bot.deps.engine
    with engine.connect() as connection:
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert timeout == 30000
