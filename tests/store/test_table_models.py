"""Table models build pydantic's validator and serializer on first use, not at import (start-up:
docs/performance.md, fifth session), and behave as before once they do."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

from sqlmodel import SQLModel

from store.base import TableModel
from store.models import Lead

PROBE = """
import store.models
from sqlmodel import SQLModel
from store.base import TableModel
tables = [m.class_ for m in SQLModel._sa_registry.mappers]
lead = store.models.Lead(team_id="T1", owner_id="U1", topic="Espresso machines")
built = [t.__name__ for t in tables if t.__pydantic_complete__]
print(len(tables), sum(issubclass(t, TableModel) for t in tables), lead.status, ",".join(built) or "-")
"""


def test_importing_the_models_and_building_a_row_builds_no_validator() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    count, deferred, status, built = done.stdout.split()
    assert int(count) >= 46 and deferred == count  # every table, and each one is a TableModel
    assert status == "open"  # defaults still applied at construction
    assert built == "-"


def test_model_dump_builds_the_serializer_on_first_use() -> None:
    lead = Lead(team_id="T1", owner_id="U1", topic="Grinders", annual_revenue=Decimal("1200.50"))
    dumped = lead.model_dump(exclude={"id"})
    assert dumped["topic"] == "Grinders" and dumped["annual_revenue"] == Decimal("1200.50")
    assert dumped["status"] == "open" and dumped["created_at"] == lead.created_at
    assert Lead.__pydantic_complete__
    assert all(issubclass(m.class_, TableModel) for m in SQLModel._sa_registry.mappers)
