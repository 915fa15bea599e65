"""Dependencies point one way (README.md, Layout): handlers/ → bot/ → store/, scheduler/ → bot/ → store/.
slackstandin/ is Slack itself (the Web API stand-in the tests and the playground use): it knows nothing of
salesbot, and salesbot reaches it only over HTTP, bar the playground's composition root.

Read from the source (the AST of every module, migrations included; imports inside functions and
`if TYPE_CHECKING:` blocks count too), so a lazy import can't hide a wrong-way dependency.
"""

from __future__ import annotations

import ast
import re
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


# --- the middle floor (issue 10) -----------------------------------------------------------------

OUR_PACKAGES = ("bot", "handlers", "store", "scheduler")
# store modules any handler may use: the unit of work, the row types, the viewer a permission check reads
STORE_FOR_EVERY_HANDLER = frozenset({"store.db", "store.models", "store.access"})
# Handlers that still read or write through store/ directly instead of a service: none are left.
HANDLERS_STILL_REACHING_STORE: dict[str, frozenset[str]] = {}
# Query building: only store/ writes SQL. Scheduler modules whose queries still wait to move into store/:
SQL_NAMES = frozenset({"select", "col", "func", "text", "update", "delete", "insert", "and_", "or_"})
SCHEDULER_SQL_STILL_TO_MOVE: frozenset[str] = frozenset()  # every query of scheduler/ lives in store/


def imported_modules(source: str) -> set[str]:
    """Our modules a source imports, as dotted names (`from store import leads` -> store.leads)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] in OUR_PACKAGES)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.split(".")[0] not in OUR_PACKAGES:
                continue
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if (ROOT / (candidate.replace(".", "/") + ".py")).exists() else node.module)
    return found


def sql_names(source: str) -> set[str]:
    """Query-building names a source imports from SQLAlchemy or SQLModel."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("sqlalchemy", "sqlmodel"):
            names.update(alias.name for alias in node.names if alias.name in SQL_NAMES)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "sa":
            names.update({node.attr} & SQL_NAMES)
    return names


def _modules(package: str) -> list[tuple[str, str]]:
    return [
        (p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in sorted((ROOT / package).rglob("*.py"))
    ]


def test_handlers_reach_store_only_through_services() -> None:
    problems = []
    for path, source in _modules("handlers"):
        store = {m for m in imported_modules(source) if m.split(".")[0] == "store"} - STORE_FOR_EVERY_HANDLER
        extra = store - HANDLERS_STILL_REACHING_STORE.get(path, frozenset())
        problems += [f"{path}: imports {name} (go through bot/services)" for name in sorted(extra)]
    assert problems == []


def test_handlers_scheduler_and_services_build_no_sql() -> None:
    """Only store/ writes queries (bot/imports' bulk insert and the CLI's `db` commands aside)."""
    problems = []
    for package in ("handlers", "scheduler", "bot/services", "bot/domain", "bot/views"):
        for path, source in _modules(package):
            found = sql_names(source)
            if found and path not in SCHEDULER_SQL_STILL_TO_MOVE:
                problems.append(f"{path}: builds SQL ({', '.join(sorted(found))}); put the query in store/")
    assert problems == []


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (`from pkg import mod` is an edge to pkg.mod, not pkg)."""
    paths = {
        ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): path
        for package in OUR_PACKAGES
        for path in sorted((root / package).rglob("*.py"))
    }
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    graph[name].add(submodule if submodule in paths else node.module)
            elif isinstance(node, ast.Import):
                graph[name].update(alias.name for alias in node.names)
    return {name: (targets & paths.keys()) - {name} for name, targets in graph.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan); a package's __init__ importing its
    own modules is not a cycle unless a module imports the package back."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = [stack.pop()]
            while group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycle() -> None:
    assert import_cycles(import_graph(ROOT)) == []


def test_the_cycle_and_sql_checks_can_fail(tmp_path: Path) -> None:
    (tmp_path / "scheduler").mkdir()
    (tmp_path / "scheduler" / "digests.py").write_text("from scheduler.renderers import record_label\n")
    (tmp_path / "scheduler" / "renderers.py").write_text("def f():\n    from scheduler import digests\n")
    for package in ("bot", "handlers", "store"):
        (tmp_path / package).mkdir()
    assert import_cycles(import_graph(tmp_path)) == [["scheduler.digests", "scheduler.renderers"]]
    assert sql_names("from sqlmodel import Session, select\nx = sa.func.max(1)\n") == {"select", "func"}
    assert imported_modules("from store import leads\nimport store.db") >= {"store.leads", "store.db"}


# The reader of Slack view state: handlers and bot/views/ read a submitted modal into plain values;
# services take those values, never the modal.
VIEW_STATE_READER = "bot.views.inputs"


def view_state_readers(package: str) -> list[str]:
    """`path: reads Slack view state` for each module of `package` importing the view-state reader."""
    return [
        f"{path}: reads Slack view state ({VIEW_STATE_READER}); take plain values read in bot/views/"
        for path, source in _modules(package)
        if VIEW_STATE_READER in imported_modules(source)
    ]


def test_services_read_no_slack_view_state() -> None:
    assert view_state_readers("bot/services") == []


def test_the_view_state_check_can_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each way of importing the reader is caught; the plain values read in bot/views/ are not."""
    (tmp_path / "bot" / "services").mkdir(parents=True)
    (tmp_path / "bot" / "views").mkdir()
    (tmp_path / "bot" / "views" / "inputs.py").write_text("class ModalState: ...\n")
    (tmp_path / "bot" / "views" / "opportunity_forms.py").write_text("class WonForm: ...\n")
    sources = {
        "a.py": "from bot.views.inputs import ModalState\n",
        "b.py": "from bot.views import inputs\n",
        "c.py": "def f():\n    import bot.views.inputs\n",
        "d.py": "from bot.views.opportunity_forms import WonForm\n",
    }
    for name, source in sources.items():
        (tmp_path / "bot" / "services" / name).write_text(source)
    monkeypatch.setattr(__name__ + ".ROOT", tmp_path)
    assert [problem.split(":")[0] for problem in view_state_readers("bot/services")] == [
        "bot/services/a.py",
        "bot/services/b.py",
        "bot/services/c.py",
    ]


def test_no_register_is_long_and_listeners_are_named() -> None:
    """A reader finds every listener as a module-level function: `register` only wires them."""
    problems = []
    for path, source in _modules("handlers"):
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name == "register":
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 40:
                    problems.append(f"{path}: register is {length} lines")
                lambdas = [n for n in ast.walk(node) if isinstance(n, ast.Lambda)]
                problems += [f"{path}:{n.lineno}: a lambda listener in register" for n in lambdas]
    assert problems == []


INLINE_ID = re.compile(r"""(callback_id|action_id|block_id)=["']|\.(action|view)\(["']""")


def inline_ids(root: Path) -> list[str]:
    """`path:line` of every id written as a string literal where Slack will carry it back."""
    found = []
    for package in ("bot", "handlers"):
        for path in sorted((root / package).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if INLINE_ID.search(line):
                    found.append(f"{path.relative_to(root).as_posix()}:{number}")
    return found


def test_every_id_slack_carries_back_is_named_in_bot_ids() -> None:
    """One codec (issue 10): callback, action and block ids live in bot/ids.py, none inline."""
    assert inline_ids(ROOT) == []


def test_the_inline_id_check_can_fail(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "handlers").mkdir()
    (tmp_path / "bot" / "views.py").write_text('modal("Done", [], callback_id="done")\n')
    (tmp_path / "handlers" / "x.py").write_text("app.view(VIEW_X)\napp.action('open')\n")
    assert inline_ids(tmp_path) == ["bot/views.py:1", "handlers/x.py:2"]
