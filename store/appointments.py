"""Appointments and their reminder rows, written in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from store.kinds import AppointmentStatus
from store.models import Appointment, SlackUser
from store.outbox import cancel, enqueue

REMINDER_KIND = "appointment_reminder"


def reminder_key(appointment_id: int, user_id: str) -> str:
    return f"appointment:{appointment_id}:{user_id}"


def create_appointment(
    session: Session,
    *,
    team_id: str,
    record_type: str,
    record_id: int,
    owner_id: str,
    subject: str,
    start_at: datetime,
    duration_minutes: int,
    attendees: list[str],
    location: str,
    default_minutes_before: int,
    now: datetime,
) -> Appointment:
    appointment = Appointment(
        team_id=team_id,
        record_type=record_type,
        record_id=record_id,
        owner_id=owner_id,
        subject=subject,
        start_at=start_at,
        duration_minutes=duration_minutes,
        attendees=attendees,
        location=location,
    )
    session.add(appointment)
    session.flush()
    schedule_reminders(session, appointment, default_minutes_before=default_minutes_before, now=now)
    return appointment


def recipients(appointment: Appointment) -> list[str]:
    return list(dict.fromkeys([appointment.owner_id, *appointment.attendees]))


def schedule_reminders(
    session: Session, appointment: Appointment, *, default_minutes_before: int, now: datetime
) -> None:
    """One reminder per recipient at start − their lead time, never before now (inside the window: at once)."""
    users = recipients(appointment)
    preferences = dict(
        session.exec(
            select(SlackUser.user_id, SlackUser.reminder_minutes).where(
                SlackUser.team_id == appointment.team_id,
                SlackUser.user_id.in_(users),  # type: ignore[attr-defined]
            )
        ).all()
    )
    for user_id in users:
        minutes = preferences.get(user_id)
        lead_time = timedelta(minutes=default_minutes_before if minutes is None else minutes)
        enqueue(
            session,
            team_id=appointment.team_id,
            kind=REMINDER_KIND,
            recipient=user_id,
            due_at=max(appointment.start_at - lead_time, now),
            dedupe_key=reminder_key(appointment.id or 0, user_id),
            payload={"appointment_id": appointment.id},
            record_type=appointment.record_type,
            record_id=appointment.record_id,
            rearm=True,
        )


def cancel_appointment(session: Session, appointment: Appointment) -> None:
    appointment.status = AppointmentStatus.CANCELLED
    session.add(appointment)
    for user_id in recipients(appointment):
        cancel(session, team_id=appointment.team_id, dedupe_key=reminder_key(appointment.id or 0, user_id))


def get_appointment(session: Session, *, team_id: str, appointment_id: int) -> Appointment | None:
    return session.exec(
        select(Appointment).where(Appointment.team_id == team_id, Appointment.id == appointment_id)
    ).first()
