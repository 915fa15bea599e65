"""How the benchmarks print a spread of rounds: min / median / max."""

from __future__ import annotations

import statistics


def spread(values: list[float], digits: int = 2, *, thousands: bool = False, scale: float = 1.0) -> str:
    """`min / median / max` of `values` (times `scale`), `digits` after the point, with thousands
    separators if asked."""
    pattern = "{:" + ("," if thousands else "") + f".{digits}f" + "}"
    return " / ".join(pattern.format(v * scale) for v in (min(values), statistics.median(values), max(values)))
