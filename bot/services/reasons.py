"""Lost and disqualify reasons per workspace: admins add, rename and retire them in `/salesbot admin`.

A workspace that never changed a kind offers the built-in reasons; its first change copies them into
the table. Records store the reason's text, so renaming or retiring one leaves old records as they
were; a retired reason is no longer offered in `Close as lost` / `Disqualify`. The built-in
`Out-sold` keeps its meaning (a competitor is named) through a rename. The caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.domain.leads import DISQUALIFY_REASONS
from bot.domain.text import fold
from bot.refusals import FieldRefused, Refused
from store import reasons as reason_store
from store.audit import record_change
from store.models import SalesReason

LOST, DISQUALIFY = "lost", "disqualify"
LOST_REASONS = ("Canceled", "Out-sold")
BUILT_IN = {LOST: LOST_REASONS, DISQUALIFY: DISQUALIFY_REASONS}
KIND_LABELS = {LOST: "Lost reason", DISQUALIFY: "Disqualify reason"}
OUT_SOLD = "out_sold"
NAME_MAX = 64
GONE = "That reason is no longer there; nothing was changed."


@dataclass(frozen=True)
class ReasonRow:
    id: int
    name: str
    retired: bool


def offered(session: Session, team_id: str, kind: str) -> tuple[str, ...]:
    """The reasons `Close as lost` (kind "lost") or `Disqualify` offer, in order."""
    rows = reason_store.reasons_of(session, team_id=team_id, kind=kind)
    if not rows:
        return BUILT_IN[kind]
    return tuple(row.name for row in rows if not row.retired)


def needs_competitor(session: Session, team_id: str, reason: str) -> bool:
    """A lost reason meaning "Out-sold" (under whatever name it now has) needs the competitor that won."""
    rows = reason_store.reasons_of(session, team_id=team_id, kind=LOST)
    if not rows:
        return reason == "Out-sold"
    return any(row.code == OUT_SOLD and row.name == reason for row in rows)


def listing(session: Session, team_id: str, kind: str) -> list[ReasonRow]:
    """Every reason of `kind` for the admin, retired ones included (built-ins copied in first)."""
    return [ReasonRow(row.id or 0, row.name, row.retired) for row in _seeded(session, team_id, kind)]


def clean_name(text: str) -> str:
    name = " ".join((text or "").split())
    if not name:
        raise FieldRefused("name", "Give the reason a name.")
    if len(name) > NAME_MAX:
        raise FieldRefused("name", f"Keep a reason under {NAME_MAX} characters.")
    return name


def add(session: Session, *, team_id: str, kind: str, name: str, actor: str, now: datetime) -> None:
    """Add a reason; the name of a retired one brings it back. A duplicate is refused."""
    if kind not in BUILT_IN:
        raise FieldRefused("kind", "Choose whether it is a lost or a disqualify reason.")
    name = clean_name(name)
    rows = _seeded(session, team_id, kind)
    same = next((row for row in rows if row.name_key == _key(name)), None)
    if same is not None and not same.retired:
        raise FieldRefused("name", f"“{same.name}” is already a {KIND_LABELS[kind].lower()}.")
    if same is not None:
        same.retired, same.name = False, name
        session.add(same)
    else:
        position = max((row.position for row in rows), default=0) + 1
        reason_store.add_reason(session, team_id=team_id, kind=kind, name=name, name_key=_key(name), position=position)
    _audit(session, team_id, actor, f"{KIND_LABELS[kind]} added", name, now)


def rename(session: Session, *, team_id: str, reason_id: int, name: str, actor: str, now: datetime) -> None:
    row = _row(session, team_id, reason_id)
    name = clean_name(name)
    other = next(
        (r for r in reason_store.reasons_of(session, team_id=team_id, kind=row.kind)
         if r.name_key == _key(name) and r.id != row.id),
        None,
    )  # fmt: skip
    if other is not None:
        retired = " (retired: add it again to bring it back)" if other.retired else ""
        raise FieldRefused("name", f"“{other.name}” is already a {KIND_LABELS[row.kind].lower()}{retired}.")
    old = row.name
    row.name, row.name_key = name, _key(name)
    session.add(row)
    session.flush()
    _audit(session, team_id, actor, f"{KIND_LABELS[row.kind]} renamed", f"{old} → {name}", now)


def retire(session: Session, *, team_id: str, reason_id: int, actor: str, now: datetime) -> None:
    """Stop offering a reason (records that have it keep it); the last one offered stays."""
    row = _row(session, team_id, reason_id)
    if row.retired:
        return
    active = [r for r in reason_store.reasons_of(session, team_id=team_id, kind=row.kind) if not r.retired]
    if len(active) <= 1:
        raise Refused(f"“{row.name}” is the last {KIND_LABELS[row.kind].lower()} offered: add another first.")
    row.retired = True
    session.add(row)
    session.flush()
    _audit(session, team_id, actor, f"{KIND_LABELS[row.kind]} retired", row.name, now)


def restore(session: Session, *, team_id: str, reason_id: int, actor: str, now: datetime) -> None:
    """Offer a retired reason again."""
    row = _row(session, team_id, reason_id)
    if not row.retired:
        return
    row.retired = False
    session.add(row)
    session.flush()
    _audit(session, team_id, actor, f"{KIND_LABELS[row.kind]} offered again", row.name, now)


def find(session: Session, team_id: str, reason_id: int) -> tuple[ReasonRow, str]:
    """A reason and its kind (Refused when it is gone)."""
    row = _row(session, team_id, reason_id)
    return ReasonRow(row.id or 0, row.name, row.retired), row.kind


def _row(session: Session, team_id: str, reason_id: int) -> SalesReason:
    row = reason_store.get_reason(session, team_id=team_id, reason_id=reason_id)
    if row is None:
        raise Refused(GONE)
    return row


def _seeded(session: Session, team_id: str, kind: str) -> list[SalesReason]:
    rows = reason_store.reasons_of(session, team_id=team_id, kind=kind)
    if rows:
        return rows
    try:
        with session.begin_nested():
            for position, name in enumerate(BUILT_IN[kind]):
                code = OUT_SOLD if (kind, name) == (LOST, "Out-sold") else ""
                reason_store.add_reason(
                    session, team_id=team_id, kind=kind, name=name, name_key=_key(name), position=position, code=code
                )
    except IntegrityError:
        pass  # another admin's first change copied them at the same moment
    return reason_store.reasons_of(session, team_id=team_id, kind=kind)


def _key(name: str) -> str:
    return fold(name)[:NAME_MAX]


def _audit(session: Session, team_id: str, actor: str, action: str, detail: str, now: datetime) -> None:
    record_change(session, team_id=team_id, actor_id=actor, action=action, detail=detail, people=[], at=now)
