"""Block Kit for deal rooms: the outcome posted in the room when the deal closes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.views.blocks import Block, context, escape, section


def outcome_message(
    *,
    outcome: str,
    title: str,
    amount: str,
    reason: str,
    competitor: str,
    stages: Sequence[tuple[str, date]],
    archive_days: int,
    quotes: Sequence[str] = (),
    competitors: Sequence[str] = (),
) -> tuple[str, list[Block]]:
    """Won or lost, the amount or the reason, the stages with their dates, the quotes (lines already
    escaped) and competitors, and when the room closes."""
    if outcome == "won":
        text = f":tada: *{escape(title)}* is won" + (f" — {amount}" if amount else "")
    else:
        why = " to ".join(escape(part) for part in (reason, competitor) if part)
        text = f":small_red_triangle_down: *{escape(title)}* is lost" + (f" — {why}" if why else "")
    path = " › ".join(f"{escape(name)} {day.day} {day.strftime('%b')}" for name, day in stages)
    blocks: list[Block] = [section(text)]
    if path:
        blocks.append(section(f"Stages: {path}"))
    if quotes:
        blocks.append(section("Quotes:\n" + "\n".join(f"• {line}" for line in quotes[:10])))
    if competitors:
        blocks.append(section("Competitors: " + ", ".join(escape(name) for name in competitors[:10])))
    if archive_days:
        blocks.append(context(f"This room will be archived in {archive_days} day{'s' if archive_days != 1 else ''}."))
    return text.replace("*", ""), blocks
