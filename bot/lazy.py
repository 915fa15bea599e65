"""Modules a listener needs only when it runs, imported at their first use instead of when the listener's
module is: `salesbot run`'s supervisor preloads every listener's module before forking the workers, and
what it imports is on the path to the first answer; each worker imports these when a request first needs
them (docs/performance.md, "Start-up (twelfth session, branch start)").

    if TYPE_CHECKING:
        from bot.services import pipeline as service
    else:
        service = deferred("bot.services.pipeline")
"""

from __future__ import annotations

import importlib
from typing import Any

DEFERRED: list[str] = []  # every module named to `deferred` (tests/bot/test_cli_startup.py checks none is preloaded)


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
