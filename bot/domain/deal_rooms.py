"""Deal room names as Slack wants channel names: lowercase, no spaces or punctuation, at most 80
characters; `-2`, `-3`… when a name is taken."""

from __future__ import annotations

import re

from bot.domain.text import fold

NAME_MAX = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")


def room_name(account: str, topic: str, attempt: int = 1) -> str:
    """`deal-<account>-<topic>`, slugged; attempt 2 and later end in `-<attempt>` within the limit."""
    slug = _NOT_ALLOWED.sub("-", fold(" ".join(part for part in (account, topic) if part))).strip("-_")
    slug = re.sub("-{2,}", "-", slug) or "opportunity"
    suffix = f"-{attempt}" if attempt > 1 else ""
    return f"deal-{slug}"[: NAME_MAX - len(suffix)].rstrip("-_") + suffix
