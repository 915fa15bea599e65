"""What the ORM builds from rows: tests that prove a read stays bounded count the objects it makes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa


@contextmanager
def orm_loads(model: type[Any], attribute: str) -> Iterator[list[Any]]:
    """Within the block, each `model` object the ORM builds from a row, named by its `attribute` (read as it
    loads: a later read could load it again)."""
    loaded: list[Any] = []

    def count(target: Any, _: object) -> None:
        loaded.append(getattr(target, attribute))

    sa.event.listen(model, "load", count)
    try:
        yield loaded
    finally:
        sa.event.remove(model, "load", count)
