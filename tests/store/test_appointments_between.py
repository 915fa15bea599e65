"""store.tasks.appointments_page on both databases: the rows the users own or attend, filtered in SQL on
the attendees' JSON text (a colleague's appointment is not read as an object) and exactly in Python."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from store.db import make_engine, session_factory, transaction
from store.models import Appointment
from store.tasks import appointments_page

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
