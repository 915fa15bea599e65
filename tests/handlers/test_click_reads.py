"""A click loads the record once and writes once: one transaction for the action, one read for the
refreshed card (issue 10). Counted on the engine, while a real click travels through signed HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from tests.conftest import RunningBot
from tests.handlers.opp_helpers import card, new_opportunity, opportunity

READS_OPPORTUNITY = re.compile(r"^\s*SELECT\b.*\bFROM opportunity\b(?!_)", re.IGNORECASE | re.DOTALL)


@contextmanager
def statements(bot: RunningBot) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(bot.deps.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(bot.deps.engine, "before_cursor_execute", record)


def test_next_stage_reads_the_opportunity_once_for_the_move_and_once_for_the_card(bot: RunningBot) -> None:
    new_opportunity(bot)
    clicked = card(bot)
    with statements(bot) as seen:
        bot.user().click("Next stage", clicked)
    assert opportunity(bot).stage == "Develop"
    reads = [s for s in seen if READS_OPPORTUNITY.match(s)]
    assert len(reads) == 2, reads
    assert sum(1 for s in seen if re.match(r"^\s*(UPDATE|INSERT)", s)) >= 1
