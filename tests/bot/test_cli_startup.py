"""`salesbot --help` and argument errors start light: no SQLAlchemy, pydantic-settings, Bolt or rich
(their imports cost several times `import slack_bolt`; docs/performance.md, start-up)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "pydantic_settings", "slack_bolt", "slack_sdk", "rich", "sqlmodel", "waitress")
PROBE = """
import sys
from bot.cli import main
sys.argv = ["salesbot", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
print("CODE", code, "LOADED", ",".join(sorted(m for m in {heavy!r} if m in sys.modules)) or "-")
"""


@pytest.mark.parametrize(
    ("args", "code"), [(["--help"], 0), (["run", "--help"], 0), (["run", "--workers", "x"], 2), ([], 2)]
)
def test_help_and_argument_errors_import_nothing_heavy(args: list[str], code: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True, timeout=60
    )
    last = done.stdout.strip().splitlines()[-1]
    assert last == f"CODE {code} LOADED -", (last, done.stderr[-2000:])


def test_start_up_without_collection_turns_collection_back_on_even_when_it_fails() -> None:
    import gc

    from bot.cli import _no_collection

    with pytest.raises(RuntimeError), _no_collection():
        assert not gc.isenabled()
        raise RuntimeError("settings refused")
    assert gc.isenabled()
