"""The managers' digest section of leads nobody claimed in the leads channel for a day."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from bot.domain.assistant import day_bounds
from bot.views.assistant import DigestItem
from bot.views.markup import escape
from store.routing import unclaimed_between


def unclaimed_section(session: Session, team: str, day: date, tz: str) -> list[tuple[str, list[DigestItem]]]:
    """Managers' digest: leads posted in the leads channel the day before yesterday (the recipient's
    local days) and still unclaimed. Each lead falls in exactly one such window: mentioned once."""
    start, end = day_bounds(day - timedelta(days=2), tz)
    waiting = unclaimed_between(session, team_id=team, start=start, end=end)
    items = [
        DigestItem(
            f"*{escape(lead.topic)}*" + (f" — {escape(lead.company)}" if lead.company else ""),
            ref=f"lead:{lead.id}",
            label=lead.topic,
        )  # fmt: skip
        for lead in waiting
    ]
    return [("Unclaimed in the leads channel for a day", items)] if items else []
