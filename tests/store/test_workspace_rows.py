"""A workspace's rows for its export (store.workspaces.rows_of), on SQLite and PostgreSQL: every row of
the workspace and none of another's, in id order, across batches; SQLite continues along the primary key
(a batch never reads and sorts the workspace's whole index)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from store.db import make_engine, session_factory, transaction
from store.models import Lead
from store.workspaces import rows_of


def test_rows_of_reads_the_workspaces_rows_in_id_order_across_batches(database_url: str) -> None:
    engine = make_engine(database_url)
    rows = [{"team_id": "T1" if n % 3 else "T2", "owner_id": "U1", "topic": f"L{n}"} for n in range(40)]
    with engine.begin() as connection:
        connection.execute(sa.insert(Lead), rows)
    table = Lead.__table__  # type: ignore[attr-defined]
    sent: list[tuple[str, Any]] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: sent.append((args[2], args[3])))
    with transaction(session_factory(engine)) as session:
        mine = [row["topic"] for row in rows_of(session, table, team_id="T1", batch=4)]
        theirs = [row["topic"] for row in rows_of(session, table, team_id="T2", batch=5)]
    assert mine == [f"L{n}" for n in range(40) if n % 3] and theirs == [f"L{n}" for n in range(0, 40, 3)]
    if engine.dialect.name == "sqlite":
        statement, parameters = next((s, p) for s, p in sent if "lead.id >" in s)
        with engine.connect() as connection:
            steps = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        assert steps == ["SEARCH lead USING INTEGER PRIMARY KEY (rowid>?)"], steps
    engine.dispose()
