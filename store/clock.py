"""The install's clock offset (`salesbot playground`'s Skip ahead): one row, read by every process."""

from __future__ import annotations

from sqlmodel import Session

from store.models import ClockOffset

CLOCK = "clock"


def offset_seconds(session: Session) -> float:
    row = session.get(ClockOffset, CLOCK)
    return row.seconds if row else 0.0


def set_offset_seconds(session: Session, seconds: float) -> None:
    row = session.get(ClockOffset, CLOCK) or ClockOffset(name=CLOCK)
    row.seconds = seconds
    session.add(row)
