"""Deal room names as Slack wants channel names: lowercase, no spaces or punctuation, at most 80
characters; `-2`, `-3`… when a name is taken."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.domain.text import fold

NAME_MAX = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")


def room_name(account: str, topic: str, attempt: int = 1) -> str:
    """`deal-<account>-<topic>`, slugged; attempt 2 and later end in `-<attempt>` within the limit."""
    slug = _NOT_ALLOWED.sub("-", fold(" ".join(part for part in (account, topic) if part))).strip("-_")
    slug = re.sub("-{2,}", "-", slug) or "opportunity"
    suffix = f"-{attempt}" if attempt > 1 else ""
    return f"deal-{slug}"[: NAME_MAX - len(suffix)].rstrip("-_") + suffix


class RoomRuleError(Exception):
    """`[deal_rooms]` in PROCESS_FILE is malformed (a start-up error naming the key)."""


@dataclass(frozen=True)
class RoomRule:
    """When a deal gets its room without anyone pressing `Open deal room`: an estimated revenue of at
    least `min_revenue`, or a process among `processes` (either is enough)."""

    min_revenue: Decimal | None = None
    processes: tuple[str, ...] = ()

    def wants(self, revenue: Decimal | None, process_name: str) -> str:
        """Why the deal gets a room automatically ("" when it does not)."""
        if self.min_revenue is not None and revenue is not None and revenue >= self.min_revenue:
            return f"its estimated revenue is at least {self.min_revenue:,.2f}"
        folded = {fold(name) for name in self.processes}
        if process_name and fold(process_name) in folded:
            return f"it follows the {process_name} process"
        return ""


def parse_room_rule(data: dict[str, Any], *, source: str = "PROCESS_FILE") -> RoomRule | None:
    """`[deal_rooms]` with `min_revenue` and/or `processes`, or None when the file has none."""
    raw = data.get("deal_rooms")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RoomRuleError(f"{source}: deal_rooms: use a [deal_rooms] table")
    unknown = sorted(set(raw) - {"min_revenue", "processes"})
    if unknown:
        raise RoomRuleError(f"{source}: deal_rooms.{unknown[0]}: unknown key (expected min_revenue, processes)")
    minimum = raw.get("min_revenue")
    if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, int | float) or minimum < 0):
        raise RoomRuleError(f"{source}: deal_rooms.min_revenue: must be a number of 0 or more")
    processes = raw.get("processes", [])
    if not isinstance(processes, list) or not all(isinstance(name, str) and name for name in processes):
        raise RoomRuleError(f"{source}: deal_rooms.processes: must be a list of process names")
    if minimum is None and not processes:
        raise RoomRuleError(f"{source}: deal_rooms: set min_revenue or processes")
    return RoomRule(None if minimum is None else Decimal(str(minimum)), tuple(processes))
