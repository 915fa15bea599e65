"""Dependencies point one way (README.md, Layout): handlers/ → bot/ → store/, scheduler/ → bot/ → store/.
slackstandin/ is Slack itself (the Web API stand-in the tests and the playground use): it knows nothing of
salesbot, and salesbot reaches it only over HTTP, bar the playground's composition root.

Read from the source (the AST of every module, migrations included; imports inside functions and
`if TYPE_CHECKING:` blocks count too), so a lazy import can't hide a wrong-way dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The composition roots: the one place each wires an upper layer in. bot/app.py registers the
# handlers on the app it builds; bot/cli.py starts the scheduler next to the bot (`salesbot run`,
# `salesbot scheduler`).
COMPOSITION_ROOTS: dict[str, frozenset[str]] = {
    "bot/app.py": frozenset({"handlers"}),
    "bot/cli.py": frozenset({"scheduler"}),
    "bot/playground.py": frozenset({"scheduler", "slackstandin"}),  # `salesbot playground` wires the stand-in in
}
OURS = frozenset({"bot", "handlers", "store", "scheduler"})


def imported_packages(source: str, package: str) -> set[str]:
    """The top-level packages a module of `package` (e.g. `store` for store/catalog.py) imports."""
    found: set[str] = set()
    parts = package.split(".")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `.` is the module's own package, `..` its parent…
                base = parts[: len(parts) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target:
                found.add(target.split(".")[0])
    return found


def wrong_way_imports(package: str, forbidden: frozenset[str]) -> list[str]:
    """`path: imports X` for each module of `package` importing one of `forbidden`."""
    paths = sorted((ROOT / package).rglob("*.py"))
    assert paths, f"no modules under {ROOT / package}"  # a wrong root must not pass for a clean one
    problems = []
    for path in paths:
        relative = path.relative_to(ROOT).as_posix()
        allowed = COMPOSITION_ROOTS.get(relative, frozenset())
        imported = imported_packages(
            path.read_text(encoding="utf-8"), path.parent.relative_to(ROOT).as_posix().replace("/", ".")
        )
        wrong = (imported & forbidden) - allowed
        problems.extend(f"{relative}: imports {name}" for name in sorted(wrong))
    return problems


def test_store_imports_nothing_above_it() -> None:
    """store/ holds tables, queries and row writes; the rules deciding what to write live in bot/."""
    assert wrong_way_imports("store", frozenset({"bot", "handlers", "scheduler", "slackstandin"})) == []


def test_bot_never_imports_handlers_or_scheduler() -> None:
    """bot/ is called by handlers/ and scheduler/, never the other way round (bar its composition roots)."""
    assert wrong_way_imports("bot", frozenset({"handlers", "scheduler", "slackstandin"})) == []


def test_slack_listeners_and_the_scheduler_do_not_import_each_other() -> None:
    """handlers/ and scheduler/ are two front ends of bot/: what both need lives in bot/."""
    assert wrong_way_imports("handlers", frozenset({"scheduler", "slackstandin"})) == []
    assert wrong_way_imports("scheduler", frozenset({"handlers", "slackstandin"})) == []


def test_the_slack_stand_in_knows_nothing_of_salesbot() -> None:
    """slackstandin/ plays Slack: it talks to the bot only through signed HTTP and the Web API."""
    assert wrong_way_imports("slackstandin", OURS) == []


@pytest.mark.parametrize(
    ("source", "package", "expected"),
    [
        ("from bot.domain.text import fold", "store", {"bot"}),
        ("import bot.domain.text as text", "store", {"bot"}),
        ("import sqlalchemy as sa, handlers.cards", "store", {"sqlalchemy", "handlers"}),
        ("def f():\n    from handlers import cards", "store", {"handlers"}),
        ("if TYPE_CHECKING:\n    import scheduler.setup", "bot", {"scheduler"}),
        ("from . import models", "store", {"store"}),
        ("from ..domain import text", "bot.views", {"bot"}),
        ("from .. import handlers", "store.sub", {"store"}),
    ],
)
def test_every_kind_of_import_is_seen(source: str, package: str, expected: set[str]) -> None:
    """The checks above can fail: each way of writing an import is caught, relative ones resolved."""
    assert imported_packages(source, package) == expected


def test_the_check_catches_a_wrong_way_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store module importing bot (as store/catalog.py did) is reported, a composition root's own
    import is not, and the same import from elsewhere in bot/ is."""
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "catalog.py").write_text("from bot.domain.text import fold\n")
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "app.py").write_text("def build():\n    import handlers\n")
    (tmp_path / "bot" / "views.py").write_text("import handlers.cards\nfrom scheduler import setup\n")
    monkeypatch.setattr(__name__ + ".ROOT", tmp_path)
    assert wrong_way_imports("store", frozenset({"bot", "handlers", "scheduler"})) == ["store/catalog.py: imports bot"]
    assert wrong_way_imports("bot", frozenset({"handlers", "scheduler"})) == [
        "bot/views.py: imports handlers",
        "bot/views.py: imports scheduler",
    ]
