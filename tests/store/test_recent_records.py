"""The "Log message to…" picker's records (store/recent_records.py) on SQLite and PostgreSQL: the same
records in the same order as the plain statement over everything the viewer may see (store.access.visible,
drafts left out, open first, then the most recently updated, then the newest), for a rep, a manager and
an admin; the walks follow the search indexes instead of sorting a viewer's records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from store.access import Viewer, visible
from store.db import make_engine, session_factory, transaction
from store.models import SalesTeamMember, Share, TeamShare
from store.prepared import reading
from store.recent_records import _WALKS, RECENT, recent_titles
from store.records import MODELS, RecordTitle
from tests.store.plans import analyze, plan

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
VIEWERS = (
    Viewer(team_id="T1", user_id="U1"),
    Viewer(team_id="T1", user_id="UM", role="manager", reps=frozenset({"U1", "U3"})),
    Viewer(team_id="T1", user_id="UA", role="admin"),
    Viewer(team_id="T1", user_id="U9"),  # sees nothing
)


def _rows(kind: str) -> list[dict[str, Any]]:
    """U1's 70 (statuses mixed; leads: some drafts; pairs with the same updated_at), U2's 30, U3's 20, and
    another workspace's 5 updated last."""
    statuses = ("open", "won", "open", "lost", "draft") if kind == "lead" else ("open", "won", "open", "lost")
    extra = "company" if kind == "lead" else "account_name"
    rows = []
    for owner, count in (("U1", 70), ("U2", 30), ("U3", 20)):
        for n in range(count):
            status = statuses[n % len(statuses)]
            if kind == "lead" and status in ("won", "lost"):
                status = "qualified" if status == "won" else "disqualified"
            at = T0 + timedelta(minutes=n // 2 * 7 + (3 if owner == "U2" else 0))
            rows.append({"team_id": "T1", "owner_id": owner, "topic": f"{owner}-{n}", extra: f"Co {n}" if n % 3 else "",
                         "status": status, "created_at": T0, "updated_at": at})  # fmt: skip
    rows += [{"team_id": "T2", "owner_id": "U1", "topic": f"other-{n}", extra: "", "status": "open", "created_at": T0,
              "updated_at": T0 + timedelta(days=9)} for n in range(5)]  # fmt: skip
    return rows


SHARED = ("U2-1", "U2-4", "U2-29")  # with U1: the first two alone, the last through U1's sales team


def _seed(engine: sa.Engine) -> None:
    """`_rows`, and U2's SHARED records shared with U1, open and updated last."""
    with engine.begin() as connection:
        for kind, model in MODELS.items():
            table: Any = model.__table__  # type: ignore[union-attr]
            connection.execute(sa.insert(model), _rows(kind))
            ids: dict[str, int] = dict(
                connection.execute(sa.select(table.c.topic, table.c.id).where(table.c.team_id == "T1")).all()
            )
            late = sa.update(table).where(table.c.id.in_([ids[t] for t in SHARED]))
            connection.execute(late.values(status="open", updated_at=T0 + timedelta(days=1)))
            shares = [{"team_id": "T1", "record_type": kind, "record_id": ids[t], "user_id": "U1"} for t in SHARED[:2]]
            connection.execute(sa.insert(Share), shares)
            team_share = {"team_id": "T1", "record_type": kind, "record_id": ids[SHARED[2]], "sales_team_id": 5}
            connection.execute(sa.insert(TeamShare), [team_share])
        connection.execute(sa.insert(SalesTeamMember), [{"team_id": "T1", "sales_team_id": 5, "user_id": "U1"}])


def _expected(engine: sa.Engine, viewer: Viewer, kind: str) -> list[RecordTitle]:
    model: Any = MODELS[kind]
    extra = "company" if kind == "lead" else "account_name"
    query = (
        select(model)
        .where(visible(model, kind, viewer), col(model.status) != "draft")
        .order_by(col(model.status) != "open", col(model.updated_at).desc(), col(model.id).desc())
        .limit(RECENT)
    )
    with transaction(session_factory(engine)) as session:
        return [RecordTitle(kind, r.id, r.topic, getattr(r, extra)) for r in session.exec(query)]


def test_the_picker_offers_what_the_plain_statement_finds_in_the_same_order(database_url: str) -> None:
    engine = make_engine(database_url)
    _seed(engine)
    with reading(engine) as reader:
        for viewer in VIEWERS:
            for kind in MODELS:
                expected = _expected(engine, viewer, kind)
                assert recent_titles(reader, viewer=viewer, record_type=kind) == expected, (viewer.role, kind)
                if viewer.user_id != "U9":
                    assert len(expected) == RECENT
    with reading(engine) as reader:
        rep = recent_titles(reader, viewer=VIEWERS[0], record_type="lead")
        manager = recent_titles(reader, viewer=VIEWERS[1], record_type="opportunity")
    assert [r.topic for r in rep[:3]] == ["U2-29", "U2-4", "U2-1"] and not any(r.topic[:2] == "U3" for r in rep)
    assert {r.topic[:2] for r in manager} == {"U1", "U3"}  # the manager's own (none), the reps'; U2's not shared
    engine.dispose()


def test_the_walks_follow_the_search_indexes(database_url: str) -> None:
    """With statistics of a few thousand records on PostgreSQL: each walk reads its index in display order
    (no sort of the owner's or the workspace's records)."""
    engine = make_engine(database_url)
    _seed(engine)
    with engine.begin() as connection:
        for kind, model in MODELS.items():
            extra = "company" if kind == "lead" else "account_name"
            plain = [{"team_id": "T1", "owner_id": "U1" if n % 4 else "U2", "topic": f"P{n}", extra: "",
                      "status": "open", "created_at": T0, "updated_at": T0 + timedelta(seconds=n)}
                     for n in range(4_000)]  # fmt: skip
            connection.execute(sa.insert(model), plain)
    analyze(engine, "lead", "opportunity")
    values = {"team": "T1", "user": "U1"}
    with reading(engine) as reader:
        walks = {
            f"{kind} owner": (plan(reader, _WALKS[kind].owner, values), f"ix_{kind}_owner_search") for kind in MODELS
        }
        walks["team"] = (plan(reader, _WALKS["opportunity"].team, values), "ix_opportunity_team_search")
    for name, (steps, index) in walks.items():
        assert any(index in step for step in steps), (name, steps)
        # No sort step (a Merge Append of PostgreSQL's two lead indexes keeps their order: its "Sort Key").
        assert not any("TEMP B-TREE" in step or " Sort  (" in f" {step.lstrip('-> ')}" for step in steps), steps
    engine.dispose()
