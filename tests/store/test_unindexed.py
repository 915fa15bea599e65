"""store/unindexed.py: reads of a workspace's records by id go by primary key on both databases, where
SQLite would take the first index starting with team_id (every row of the workspace read): with the plain
`team_id = ? AND id IN (…)` this test's plan is `USING INDEX ix_opportunity_owner_close (team_id=?)`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from store.db import make_engine
from store.models import Opportunity
from store.records import records_by_ids
from store.unindexed import in_team_by_ids
from tests.store.plans import analyze


def _plan(engine: Any, statement: Any) -> list[str]:
    compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    sqlite = engine.dialect.name == "sqlite"
    values = tuple(compiled.params[k] for k in compiled.positiontup) if compiled.positiontup else compiled.params
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + str(compiled), values)
        return [str(row[-1] if sqlite else row[0]) for row in rows]


def test_records_by_id_are_read_by_primary_key(database_url: str) -> None:
    engine = make_engine(database_url)
    rows = [{"team_id": "T1" if n % 10 else "T2", "owner_id": f"U{n % 7}", "topic": f"Deal {n}", "stage": "qualify",
             "status": "open", "search_text": f"deal {n}"} for n in range(3_000)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(Opportunity), rows)
    analyze(engine, "opportunity")  # PostgreSQL; SQLite without statistics, as salesbot's files are
    ids = [5, 10, 11, 2_999, 40_000]
    steps = _plan(engine, select(Opportunity).where(in_team_by_ids(Opportunity, "T1", ids)))
    assert any("PRIMARY KEY" in step or "pk_opportunity" in step or "opportunity_pkey" in step for step in steps), steps
    with Session(engine) as session:
        found = records_by_ids(session, team_id="T1", record_type="opportunity", ids=ids)
        other = records_by_ids(session, team_id="T2", record_type="opportunity", ids=ids)
    assert sorted(o.id or 0 for o in found) == [5, 10, 2_999] and [o.id for o in other] == [11]
    engine.dispose()
