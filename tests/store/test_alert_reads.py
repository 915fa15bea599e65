"""The alert planner's reads past its cursors (store/alerts.py) on SQLite and PostgreSQL: the workspace's
rows after the cursor and none of another's, the last id past a cursor (the cursor itself when nothing is
new); on SQLite every statement continues along the primary key (no read and sort of the workspace's
index on team_id at each tick)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from store import alerts as alert_store
from store.db import make_engine, session_factory, transaction
from store.models import Activity, StageChange

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def test_reads_past_a_cursor_see_the_workspaces_new_rows_along_the_primary_key(database_url: str) -> None:
    engine = make_engine(database_url)
    moves = [{"team_id": "T1" if n % 2 else "T2", "opportunity_id": n, "owner_id": "U1", "to_stage": "Qualify",
              "kind": "enter", "at": T0} for n in range(1, 21)]  # fmt: skip
    lines = [{"team_id": "T1" if n % 2 else "T2", "record_type": "lead", "record_id": n, "kind": "status",
              "subject": "Lead created", "author_id": "U1", "occurred_at": T0} for n in range(1, 21)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(StageChange), moves)
        connection.execute(sa.insert(Activity), lines)
    sent: list[tuple[str, Any]] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: sent.append((args[2], args[3])))
    with transaction(session_factory(engine)) as session:
        after = [
            row.opportunity_id for row in alert_store.stage_changes_after(session, team_id="T1", after_id=12, limit=3)
        ]
        events = alert_store.activity_events_after(session, team_id="T2", after_id=14, limit=10)
        tops = [alert_store.last_activity_id(session, team_id=team, after_id=a) for team, a in (("T1", 5), ("T2", 20))]
        cursor = alert_store.cursor(session, team_id="T2", source="stage_change")
    assert after == [13, 15, 17] and [row.record_id for row in events] == [16, 18, 20]
    assert tops == [19, 20] and cursor.last_id == 20
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            for statement, parameters in [(s, p) for s, p in sent if "alert_cursor" not in s]:
                steps = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
                assert "USING INTEGER PRIMARY KEY (rowid>?)" in steps[0] and len(steps) == 1, (statement, steps)
    engine.dispose()
