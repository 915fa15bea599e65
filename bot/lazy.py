"""Modules a listener needs only when it runs, imported at their first use instead of when the listener's
module is: `salesbot run`'s first worker answers its first request without them, and the supervisor
imports them for the processes it forks after that one (bot.app.preload_rest; docs/performance.md,
"Start-up (twelfth session, branch start)").

    if TYPE_CHECKING:
        from bot.services import pipeline as service
    else:
        service = deferred("bot.services.pipeline")
"""

from __future__ import annotations

import importlib
from typing import Any

DEFERRED: list[str] = []  # every module named to `deferred`, in the order the listeners' modules named them


class Deferred:
    """Stands for the module `name`: the first attribute read imports it (importlib's per-module lock makes
    that safe from several request threads at once), every later one reads it from the loaded module."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"


def deferred(name: str) -> Any:
    if name not in DEFERRED:
        DEFERRED.append(name)
    return Deferred(name)


def import_deferred() -> None:
    """Import every module named so far (the supervisor, before forking the processes that share them)."""
    for name in list(DEFERRED):
        importlib.import_module(name)
