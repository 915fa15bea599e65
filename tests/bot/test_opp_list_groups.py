"""`/opp list`'s groups (bot.services.opportunities.my_open_by_stage) against a reference computed from the
ORM's rows, on SQLite and PostgreSQL: the first `limit` open deals by close date (undated last, then id),
grouped by stage in the order of the process of each stage's first deal (an unknown stage first, ties by
name; stages of two processes merge by name), each group's count and exact money per currency, and the
first `shown` deals in that order split over the groups they belong to."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from bot.domain.process import DEFAULT_PROCESS, DEFAULT_PROCESS_NAME, Process, ProcessLibrary, Stage
from bot.services import opportunities as service
from bot.services.processes import ProcessProvider
from store.db import make_engine
from store.models import Opportunity

# A second process whose stages run in another order than the built-in one's, and share two of its names.
SHORT = Process(name="Short", stages=(Stage("Propose", 0, 50), Stage("Qualify", 0, 80), Stage("Win", 0, 90)))
STAGES = ("Qualify", "Develop", "Propose", "Close", "Legacy", "Win")  # Legacy: in neither process
CURRENCIES = ("EUR", "EUR", "USD", "JPY")


def _rows() -> list[dict[str, Any]]:
    """U1's open deals (some undated, amounts of two decimals, a few without one), closed and others' deals."""
    rows = []
    for n in range(150):
        process = "Short" if n % 7 == 3 else DEFAULT_PROCESS_NAME
        day = None if n % 11 == 5 else date(2026, 1, 1) + timedelta(days=(n * 37) % 90)
        amount = None if n % 13 == 4 else Decimal(n * 1234 + 7) / 100
        rows.append({"team_id": "T1", "owner_id": "U1", "topic": f"D{n}", "status": "open", "process_name": process,
                     "stage": STAGES[(n * 5) % len(STAGES)], "estimated_close_date": day, "estimated_revenue": amount,
                     "currency": CURRENCIES[n % len(CURRENCIES)]})  # fmt: skip
    rows += [{**rows[0], "topic": "Won", "status": "won"}, {**rows[1], "topic": "Theirs", "owner_id": "U2"}]
    return rows


def _reference(engine: sa.Engine, library: ProcessLibrary, limit: int, shown: int) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        query = select(Opportunity).where(Opportunity.owner_id == "U1", Opportunity.status == "open")
        deals = list(session.exec(query))
    deals.sort(key=lambda o: (o.estimated_close_date is None, o.estimated_close_date or date.min, o.id))
    groups: dict[str, list[Any]] = {}
    for deal in deals[:limit]:
        groups.setdefault(deal.stage, []).append(deal)
    order = sorted(groups, key=lambda s: (library.get(groups[s][0].process_name).index(s), s))
    left, found = shown, []
    for stage in order:
        totals: dict[str, Decimal] = {}
        for deal in groups[stage]:
            if deal.estimated_revenue is not None:
                totals[deal.currency] = totals.get(deal.currency, Decimal(0)) + Decimal(deal.estimated_revenue)
        ids = [deal.id for deal in groups[stage][:left]]
        left -= len(ids)
        rounded = {c: v.quantize(Decimal("0.01")) for c, v in totals.items()}
        found.append((stage, len(groups[stage]), rounded, ids))
    return found


@pytest.mark.parametrize(("limit", "shown"), [(200, 40), (60, 25), (30, 40), (100, 0)])
def test_the_groups_are_the_references(database_url: str, limit: int, shown: int) -> None:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), _rows())
    library = ProcessLibrary(custom=(DEFAULT_PROCESS, SHORT))
    groups, total = service.my_open_by_stage(
        engine, ProcessProvider(library), team="T1", user="U1", limit=limit, shown=shown
    )
    got = [(g.stage, g.deals, {c: Decimal(v).quantize(Decimal("0.01")) for c, v in g.totals.items()},
            [o.id for o in g.shown]) for g in groups]  # fmt: skip
    assert got == _reference(engine, library, limit, shown)
    assert total == 150  # fewer than the cap: the exact count
    assert sum(len(g.shown) for g in groups) == min(shown, limit)
    assert [g.stage for g in groups][:1] == ["Legacy"]  # in neither process: index 0, then by name
    engine.dispose()
