"""`salesbot --help` and argument errors start light: no SQLAlchemy, pydantic-settings, Bolt or rich
(their imports cost several times `import slack_bolt`; docs/performance.md, start-up)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy", "pydantic_settings", "slack_bolt", "slack_sdk", "rich", "sqlmodel", "waitress")
PROBE = """
import sys
from pathlib import Path
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


def test_preload_freezes_the_imported_heap_without_a_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full collection before the freeze cost 60-110 ms of `salesbot run`'s start-up to free a few
    hundred objects (docs/performance.md, start-up, seventh session)."""
    import gc

    from bot.app import preload

    def no_collection(*_args: object) -> int:
        raise AssertionError("preload collected")

    monkeypatch.setattr(gc, "collect", no_collection)
    try:
        preload()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_http_serving_imports_no_socket_mode_machinery() -> None:
    """What `salesbot run` imports in HTTP mode (the server, the app, every listener) leaves Bolt's and
    slack-sdk's Socket Mode modules out: only Socket Mode serving imports them."""
    probe = "import sys, bot.server, bot.app, handlers; print(sorted(m for m in sys.modules if 'socket_mode' in m))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", (done.stdout, done.stderr[-2000:])


def test_serving_on_sqlite_imports_no_postgresql_dialect(tmp_path: Path) -> None:
    """`salesbot run`'s supervisor on SQLite (settings, the database check, preload: every module the
    workers serve with) leaves SQLAlchemy's PostgreSQL dialect out (~30 ms of start-up)."""
    probe = (
        "import sys, os\n"
        "from bot import cli\n"
        "cli._ready_to_serve(with_scheduler=True)\n"
        "print(sorted(m for m in sys.modules if 'postgresql' in m or m == 'psycopg'))\n"
        "os._exit(0)\n"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'light.db'}", "SLACK_BOT_TOKEN": "xoxb-1",
           "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "", "SLACK_CLIENT_ID": ""}  # fmt: skip
    # migrated first, as a deployment's database is: Alembic itself (a fresh database) loads every dialect
    upgrade = [sys.executable, "-m", "bot", "db", "upgrade"]
    subprocess.run(upgrade, capture_output=True, timeout=120, env=env, check=True)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.strip().splitlines()[-1:] == ["[]"], (done.stdout, done.stderr[-2000:])
