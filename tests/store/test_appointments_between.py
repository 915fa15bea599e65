"""store.tasks.appointments_page on both databases: the rows the users own or attend, filtered in SQL on
the attendees' JSON text (a colleague's appointment is not read as an object) and exactly in Python."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from store.db import make_engine, session_factory, transaction
from store.models import Appointment, AppointmentAttendee
from store.tasks import appointments_page
from tests.store.plans import analyze

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def test_owned_and_attended_appointments_only(database_url: str) -> None:
    engine = make_engine(database_url)
    rows = [
        ("Owned by U3", "U3", []),
        ("U3 attends", "U1", ["U2", "U3"]),
        ("U33 attends", "U1", ["U33"]),
        ("Another's", "U2", ["U1"]),
        ("Odd attendee text", "U2", ['a"U3"b']),
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(Appointment), [
            {"team_id": "T1", "record_type": "lead", "record_id": 1, "owner_id": owner, "subject": subject,
             "start_at": T0 + timedelta(minutes=n), "attendees": attendees, "status": "scheduled"}
            for n, (subject, owner, attendees) in enumerate(rows)
        ] + [{"team_id": "T2", "record_type": "lead", "record_id": 1, "owner_id": "U3", "subject": "Elsewhere",
              "start_at": T0, "attendees": [], "status": "scheduled"}])  # fmt: skip
    with transaction(session_factory(engine)) as session:
        found = appointments_page(session, team_id="T1", user_ids=["U3"], start=T0, end=T0 + timedelta(days=1), limit=9)
        both = appointments_page(
            session, team_id="T1", user_ids=["U33", "U2"], start=T0, end=T0 + timedelta(hours=1), limit=9
        )
        first = appointments_page(session, team_id="T1", user_ids=["U2"], start=T0, end=T0 + timedelta(days=1), limit=2)
        subjects = [a.subject for a in found[0]], [a.subject for a in both[0]], [a.subject for a in first[0]]
    assert subjects == (["Owned by U3", "U3 attends"], ["U3 attends", "U33 attends", "Another's", "Odd attendee text"],
                        ["U3 attends", "Another's"])  # fmt: skip
    assert (found[1], both[1], first[1]) == (2, 4, 3)
    engine.dispose()


def _attendees(engine: Any) -> set[tuple[int, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(AppointmentAttendee)).all()
    return {(row.appointment_id, row.user_id, row.start_at.isoformat()[:16]) for row in rows}


def test_triggers_keep_the_attendee_rows_on_every_write(database_url: str) -> None:
    """appointment_attendee follows `attendees` and `start_at` through Core inserts, updates and deletes (no
    write path can forget it), one row per user however often the list names them."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.insert(Appointment), [
            {"team_id": "T1", "record_type": "lead", "record_id": 1, "owner_id": "U1", "subject": s,
             "start_at": T0, "attendees": attendees, "status": "scheduled"}
            for s, attendees in (("a", ["U2", "U3", "U2"]), ("b", []), ("c", ["U4"]))
        ])  # fmt: skip
    first, _, third = _ids(engine)
    assert _attendees(engine) == {(first, "U2", "2026-07-01T09:00"), (first, "U3", "2026-07-01T09:00"),
                                  (third, "U4", "2026-07-01T09:00")}  # fmt: skip
    with transaction(session_factory(engine)) as session:
        moved = session.get(Appointment, first)
        assert moved is not None
        moved.attendees, moved.start_at = ["U3", "U5"], T0 + timedelta(days=1)
        session.execute(sa.delete(Appointment).where(Appointment.id == third))
    assert _attendees(engine) == {(first, "U3", "2026-07-02T09:00"), (first, "U5", "2026-07-02T09:00")}
    engine.dispose()


def _ids(engine: Any) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(Appointment.id).order_by(Appointment.id)).scalars())


def test_a_users_appointments_are_read_by_their_ids_not_the_workspaces(database_url: str) -> None:
    """The page reads the user's owned and attended appointments along their indexes: a colleague's
    appointments in the window (the workspace's index by status and start) are never walked."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.insert(Appointment), [
            {"team_id": "T1", "record_type": "lead", "record_id": 1, "owner_id": f"UC{n % 30}", "subject": f"c{n}",
             "start_at": T0 + timedelta(minutes=n), "attendees": [f"UC{n % 7}"], "status": "scheduled"}
            for n in range(2_000)
        ] + [{"team_id": "T1", "record_type": "lead", "record_id": 1, "owner_id": "UC1", "subject": "with U3",
              "start_at": T0 + timedelta(minutes=5), "attendees": ["U3"], "status": "scheduled"}])  # fmt: skip
    analyze(engine, "appointment", "appointment_attendee")
    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        sent.append((args[2], args[3]))

    sa.event.listen(engine, "before_cursor_execute", record)
    with transaction(session_factory(engine)) as session:
        found, total = appointments_page(session, team_id="T1", user_ids=["U3"], start=T0,
                                         end=T0 + timedelta(days=2), limit=5)  # fmt: skip
    sa.event.remove(engine, "before_cursor_execute", record)
    assert ([a.subject for a in found], total) == (["with U3"], 1)
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        plan = " / ".join(str(row[-1]) for row in connection.exec_driver_sql(explain + sent[0][0], sent[0][1]))
    assert "ix_appointment_attendee_user" in plan and "ix_appointment_team_status_start" not in plan, plan
    engine.dispose()
