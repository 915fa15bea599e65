"""`salesbot demo` includes a quote in each status and an order."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.services.demo import load_demo
from store.db import make_engine, session_factory, transaction
from store.models import Quote, SalesOrder, SlackUser


def test_demo_has_a_quote_in_every_status_and_an_order(database_url: str) -> None:
    engine = make_engine(database_url)
    new_session = session_factory(engine)
    with transaction(new_session) as session:
        session.add(SlackUser(team_id="T1", user_id="U1", manager_id="UM"))
    with transaction(new_session) as session:
        report = load_demo(session, team="T1", owner="U1", now=datetime(2026, 12, 6, 9, tzinfo=UTC))
    with transaction(new_session) as session:
        quotes = session.exec(select(Quote).where(Quote.team_id == "T1")).all()
        orders = session.exec(select(SalesOrder).where(SalesOrder.team_id == "T1")).all()
    engine.dispose()
    assert report.quotes == len(quotes) == 8
    assert {q.status for q in quotes} == {"draft", "in_review", "approved", "rejected", "active", "won", "lost",
                                          "revised"}  # fmt: skip
    assert {q.approver_id for q in quotes if q.status == "in_review"} == {"UM"}
    assert [(o.number, o.status) for o in orders] == [(1, "submitted")]
    assert "8 quotes in every status" in report.summary("T1", "U1")
