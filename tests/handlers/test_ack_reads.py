"""`/lead list` and `/lead TEXT` answer in the ack with one pooled connection and a fixed number of
statements (issue 12): counted on the database connections while the commands travel through signed
HTTP. SQLite: the statements sqlite3 runs (its trace callback). PostgreSQL: the round trips (each
ReadyForQuery in libpq's protocol trace), so a BEGIN, a ROLLBACK or a ping would count too."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.domain.text import search_text
from store.db import transaction
from store.models import Lead, Opportunity
from tests import factories as make
from tests.conftest import RunningBot
from tests.handlers.test_lead_story import new_lead
from tests.slack.driver import blocks_text


@dataclass
class Reads:
    checkouts: int = 0
    statements: list[str] = field(default_factory=list)
    traces: dict[int, tuple[Any, Any]] = field(default_factory=dict)  # id: (DBAPI connection, trace file)

    def on_checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        self.checkouts += 1
        if hasattr(dbapi_connection, "set_trace_callback"):  # sqlite3
            dbapi_connection.set_trace_callback(self.on_statement)
            self.traces[id(dbapi_connection)] = (dbapi_connection, None)
            return
        trace = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed at checkin)
        self.traces[id(dbapi_connection)] = (dbapi_connection, trace)
        dbapi_connection.pgconn.trace(trace.fileno())

    def on_statement(self, statement: str) -> None:
        # run by SQLite itself, not sent: FTS5's own tables, and its configuration read once per connection
        if not statement.startswith(("-- ", "PRAGMA 'main'.data_version", "SELECT k, v FROM 'main'.")):
            self.statements.append(statement)

    def on_checkin(self, dbapi_connection: Any, _record: Any) -> None:
        _, trace = self.traces.pop(id(dbapi_connection), (None, None))
        if hasattr(dbapi_connection, "set_trace_callback"):
            dbapi_connection.set_trace_callback(None)
        elif trace is not None:
            dbapi_connection.pgconn.untrace()
            trace.seek(0)
            self.statements += [line for line in trace.read().splitlines() if "ReadyForQuery" in line]
            trace.close()

    def finish(self) -> None:
        """The connections the prepared reads keep out of the pool (store/prepared.reading) are never
        checked in: their statements are collected here."""
        for dbapi_connection, _ in list(self.traces.values()):
            self.on_checkin(dbapi_connection, None)


@contextmanager
def reads(bot: RunningBot) -> Iterator[Reads]:
    """What the database connections run inside the block. The engine is disposed first: the pool's
    connections and those the prepared reads keep are closed, so every connection used is checked out."""
    seen = Reads()
    engine = bot.deps.engine
    engine.dispose()
    sa.event.listen(engine, "checkout", seen.on_checkout)
    sa.event.listen(engine, "checkin", seen.on_checkin)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "checkout", seen.on_checkout)
        sa.event.remove(engine, "checkin", seen.on_checkin)
        seen.finish()


def _leads(bot: RunningBot, count: int) -> None:
    with transaction(bot.deps.new_session) as session:
        session.add_all(
            Lead(
                team_id="T1",
                owner_id="U1",
                topic=f"Roast {n}",
                company="Bean & Co",
                status="open",
                search_text=search_text(f"Roast {n}", "Bean & Co"),
            )  # fmt: skip
            for n in range(count)
        )


def _warm(bot: RunningBot) -> None:
    """The first request of a user refreshes their profile after the ack (another connection)."""
    bot.user().command("/lead", "help")
    bot.deps.background.wait_idle()


def _twice(bot: RunningBot, command: str, text: str) -> tuple[list[Any], Reads]:
    """The user's `command text` sent twice after a warm-up, and what the database ran meanwhile (both on
    the one connection kept after the first: checked here)."""
    _warm(bot)
    with reads(bot) as seen:
        answers = [bot.user().command(command, text) for _ in range(2)]
    assert seen.checkouts == 1  # the second on the connection kept after the first
    return answers, seen


def _plan_mode_set(_bot: RunningBot) -> int:
    """A new kept connection is set up once, before its first read (store/prepared._Kept): PostgreSQL's to
    its plan mode (`reading`'s `generic_plans`), SQLite's to the readers' page cache (SQLITE_READER_CACHE_KIB)."""
    return 1


def test_lead_list_reads_its_page_and_count_in_one_statement(bot: RunningBot) -> None:
    _leads(bot, 25)
    answers, seen = _twice(bot, "/lead", "list")
    assert [answer.json["text"] for answer in answers] == ["Your open leads (25)"] * 2
    # each the page with its count: no BEGIN, ROLLBACK or ping
    assert len(seen.statements) == 2 + _plan_mode_set(bot), seen.statements


def test_lead_search_reads_the_asker_and_the_hits_on_one_connection(bot: RunningBot) -> None:
    _leads(bot, 25)
    answers, seen = _twice(bot, "/lead", "roast")
    assert [answer.json["text"] for answer in answers] == ["25 leads match"] * 2
    # each: the text index's probe with the asker's role (store/users.role_columns), the hits
    assert len(seen.statements) == 2 * 2 + _plan_mode_set(bot), seen.statements


def _home_round_trips(bot: RunningBot) -> int:
    """The statements (SQLite) or round trips (PostgreSQL) of one App Home, until its views.publish."""
    with reads(bot) as seen:
        bot.user().open_home()
        bot.deps.background.wait_idle()
    assert bot.slack.last_view("views.publish")["type"] == "home"
    return len(seen.statements)


def test_home_probes_its_work_queue_once_for_tasks_and_appointments(bot: RunningBot) -> None:
    """A user with a task due: the work queue's probe answers for the tasks and the workspace's appointments
    at once, then the page is read; no second probe for the appointments (issue 12: on PostgreSQL each round
    trip costs the backend 30-45 µs of CPU between a client's other work)."""
    _warm(bot)
    without_tasks = _home_round_trips(bot)
    with transaction(bot.deps.new_session) as session:
        session.add(make.task("U1", "Call back", datetime.now(UTC) - timedelta(hours=1)))
    assert _home_round_trips(bot) == without_tasks + 1  # the queue's page
    assert "Call back" in blocks_text(bot.slack.last_view("views.publish")["blocks"])


def test_home_reads_its_pipeline_section_in_one_statement(bot: RunningBot) -> None:
    """A rep's App Home without a task due: the event's dedupe row, who asks with the library version, the
    pipeline section's next close dates, stage groups and won totals (one UNION ALL: store/pipeline.py's
    `home_pipeline`, where there were three statements), the quotes' and work queue's probes, the open leads'
    page. PostgreSQL: a new kept connection's first write also sets its commits not to wait for the disk
    (store/prepared.write_once, once per connection)."""
    soon = datetime.now(UTC).date() + timedelta(days=3)
    with bot.deps.engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), [
            {"team_id": "T1", "owner_id": "U1", "topic": "Closing soon", "status": "open",
             "estimated_close_date": soon, "estimated_revenue": 1200, "currency": "EUR"}
        ])  # fmt: skip
    _warm(bot)
    write_setup = 0 if bot.deps.engine.dialect.name == "sqlite" else 1
    assert _home_round_trips(bot) == 1 + write_setup + 4 + _plan_mode_set(bot)
    shown = blocks_text(bot.slack.last_view("views.publish")["blocks"])
    assert "Closing soon" in shown and "1,200" in shown, shown


def test_opp_list_reads_its_page_with_the_count_and_library_version_then_the_shown_rows(bot: RunningBot) -> None:
    """A rep whose 200-deal page holds dated and undated deals: the page's keys (dated by close date, then the
    undated), the open count and the workspace's process library version in one statement (three before, one
    round trip each on PostgreSQL), then the shown deals by id."""
    with bot.deps.engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), [
            {"team_id": "T1", "owner_id": "U1", "topic": f"Deal {n}", "status": "open",
             "estimated_close_date": date(2027, 1, 1) + timedelta(days=n % 90) if n < 150 else None}
            for n in range(230)
        ])  # fmt: skip
    answers, seen = _twice(bot, "/opp", "list")
    assert all("230" in answer.json["text"] for answer in answers), answers[0].json["text"]
    assert len(seen.statements) == 2 * 2 + _plan_mode_set(bot), seen.statements


def test_task_list_reads_its_page_with_the_count_and_the_askers_zone_in_one_statement(bot: RunningBot) -> None:
    """A rep with open tasks: the page, the exact count and the rep's stored time zone (the due times are shown
    in it) in one statement, where the zone was a second (a round trip on PostgreSQL)."""
    with transaction(bot.deps.new_session) as session:
        session.add_all([make.task("U1", f"Call back {n}", datetime.now(UTC) + timedelta(hours=n)) for n in range(3)])
    answers, seen = _twice(bot, "/task", "list")
    assert all("Call back 2" in blocks_text(answer.json["blocks"]) for answer in answers), answers[0].json
    assert len(seen.statements) == 2 * 1 + _plan_mode_set(bot), seen.statements


def test_the_timeline_reads_who_asks_the_record_and_its_page_in_one_statement(bot: RunningBot) -> None:
    """A click on a lead's Timeline: who asks, the lead's owner and topic, its entry count and the page's
    entries in one statement (four before: a round trip each on PostgreSQL)."""
    rep = bot.user("U1")
    card = new_lead(bot, rep)
    _warm(bot)
    rep.click("Timeline", card)  # the kept connection's set-up, not counted
    with reads(bot) as seen:
        rep.click("Timeline", card)
        rep.click("Timeline", card)
        bot.deps.background.wait_idle()
    assert "Lead created" in blocks_text(bot.slack.last_message().blocks)
    setup = 1 if bot.deps.engine.dialect.name == "sqlite" else 0  # the Timeline reads in PostgreSQL's default mode
    assert len(seen.statements) == 2 * 1 + setup, seen.statements


def test_opp_search_reads_who_asks_with_its_probe(bot: RunningBot) -> None:
    """A rep's `/opp TEXT` with several hits: the text index's probe with the asker's role
    (store/users.role_columns), then the hits with whether each has a sales order; no read of who asks
    before, no statement of its own for the orders."""
    with bot.deps.engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), [
            {"team_id": "T1", "owner_id": "U1", "topic": f"Roast deal {n}", "status": "open",
             "search_text": search_text(f"Roast deal {n}", "Bean")} for n in range(3)
        ])  # fmt: skip
    answers, seen = _twice(bot, "/opp", "roast deal")
    assert all("Roast deal 2" in blocks_text(answer.json["blocks"]) for answer in answers), answers[0].json
    assert len(seen.statements) == 2 * 2 + _plan_mode_set(bot), seen.statements
