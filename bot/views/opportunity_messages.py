"""What salesbot posts about an opportunity's outcome (announcements in the card's threads, DMs), as
Slack markup: the user text in it is escaped here, from the plain values the services return."""

from __future__ import annotations

from collections.abc import Sequence

from bot.views.markup import escape, link, mention


def process_finished(topic: str) -> str:
    return f":checkered_flag: *{escape(topic)}* has completed its sales process. Close it as won or lost."


def won(topic: str, owner: str, money: str) -> str:
    return f":trophy: *{escape(topic)}* was won by {mention(owner)} — {money}."


def lost(topic: str, reason: str, competitor: str) -> str:
    to = f" to {escape(competitor)}" if competitor else ""
    return f":small_red_triangle_down: *{escape(topic)}* was lost ({escape(reason)}{to})."


def assigned(by: str, topic: str) -> str:
    """The DM to whom another person made the owner of an opportunity."""
    return f"{mention(by)} assigned you the opportunity *{escape(topic)}*."


def literature_notification(topic: str) -> str:
    return f"Sales literature for {escape(topic)}"


def literature(topic: str, links: Sequence[tuple[str, str]]) -> str:
    """The DM listing the items (url, title) to forward to the customer."""
    lines = "\n".join(f"• {link(url, title)}" for url, title in links)
    return f"Sales literature for *{escape(topic)}* — forward these to the customer:\n{lines}"
