"""A bytecode cache for the code `dataclasses` and `typing` compile from text, as `__pycache__` is for modules.

`@dataclass` writes each class's `__init__`, `__repr__`, `__eq__` (and, frozen, `__setattr__`,
`__delattr__`, `__hash__`) as source text and compiles it with `exec`: ~1,000 compilations for the
~200 dataclasses `salesbot run` defines before its first answer (salesbot's and pydantic's), 60-75 ms of
a ~750 ms start-up; `typing.ForwardRef` compiles each string annotation it is given (pydantic's
TypedDicts and models: ~1,200, 10-20 ms) (docs/performance.md, "Start-up (eighth session)"). Compiling a
text gives the same code object every time, so while installed both modules get the code object
compiled from the same text in an earlier run, read from one marshal file (~4 ms for all of them);
`save()` writes the new ones and stops. Keyed by the exact text and mode (nothing goes stale), per
Python version and optimisation level (the file name); a missing, unreadable or unwritable file only
means compiling as before. Installed around `salesbot run`'s start-up only (bot.cli._ready_to_serve).
"""

from __future__ import annotations

import contextlib
import dataclasses
import marshal
import os
import sys
import typing
from pathlib import Path
from types import CodeType
from typing import Any

CACHE_FILE = (
    Path(__file__).resolve().parent
    / "__pycache__"
    / f"generated-code.{sys.implementation.cache_tag}.opt{sys.flags.optimize}.marshal"
)


class _Cache:
    """The code objects by source text: those read from the file, and those compiled or used in this run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known: dict[str, CodeType] | None = None  # read at the first class, not at install
        self.used: dict[str, CodeType] = {}
        self.compiled = 0

    def code(self, text: str, mode: str) -> CodeType:
        if self.known is None:
            self.known = _read(self.path)
        key = f"{mode}:{text}"
        found = self.known.get(key)
        if found is None:
            # dont_inherit: compiled as the builtin compiles it for `dataclasses` and `typing`, without this
            # module's `from __future__ import annotations` (which would turn annotations into strings)
            found = compile(text, "<string>", mode, dont_inherit=True)
            self.compiled += 1
        self.used[key] = found
        return found

    def exec(self, source: Any, globals_: Any = None, locals_: Any = None) -> None:
        """`dataclasses`' calls of the builtin `exec(text, globals, ns)`, with the text's code object."""
        if isinstance(source, str):
            source = self.code(source, "exec")
        exec(source, globals_, locals_)  # noqa: S102 (dataclasses' own generated code, as it would run it)

    def compile(self, source: Any, filename: str, mode: str, *args: Any, **kwargs: Any) -> Any:
        """`typing`'s calls of the builtin `compile(text, "<string>", "eval")` (a ForwardRef's expression)."""
        if isinstance(source, str) and filename == "<string>" and not args and not kwargs:
            return self.code(source, mode)
        return compile(source, filename, mode, *args, **kwargs)


_active: _Cache | None = None


def install(path: Path = CACHE_FILE) -> None:
    """From now on, `dataclasses` and `typing` take their code from the cache (until `save`)."""
    global _active
    if _active is None:
        _active = _Cache(path)
        # each shadows the builtin in that module only
        dataclasses.exec = _active.exec  # type: ignore[attr-defined]
        typing.compile = _active.compile  # type: ignore[attr-defined]


def save() -> int:
    """Stop caching; write the file if this run compiled anything new. The number of texts compiled in
    this run. Written even under PYTHONDONTWRITEBYTECODE, which deployments set with their modules'
    bytecode compiled beforehand (compileall): this cache has no such step, and it is salesbot's own file."""
    global _active
    cache, _active = _active, None
    if cache is None:
        return 0
    for module, name in ((dataclasses, "exec"), (typing, "compile")):
        with contextlib.suppress(AttributeError):
            delattr(module, name)  # the builtin again
    if cache.compiled:  # what this start-up used: texts of classes since changed are not kept
        _write(cache.path, cache.used)
    return cache.compiled


def _read(path: Path) -> dict[str, CodeType]:
    try:
        found = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(found, dict) or not all(isinstance(code, CodeType) for code in found.values()):
        return {}
    return found


def _write(path: Path, codes: dict[str, CodeType]) -> None:
    """Atomically (a start-up running beside reads the old file or the new one, never half of one)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        temporary.write_bytes(marshal.dumps(codes))
        os.replace(temporary, path)
    except OSError:  # a read-only install: compiled at every start, as without the cache
        with contextlib.suppress(OSError):
            temporary.unlink()
