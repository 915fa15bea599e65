"""The `salesbot` command line."""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.setting_errors import SettingsError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.deps import Deps

# Everything heavy (pydantic-settings, SQLAlchemy, Bolt, rich) is imported inside the commands, so
# `salesbot --help` and argument errors start in about the time of `import typer` (docs/performance.md).
cli = typer.Typer(
    help="salesbot: a Slack-native sales assistant.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_cli = typer.Typer(help="Database schema and backups.", no_args_is_help=True, rich_markup_mode=None)
cli.add_typer(db_cli, name="db")
log = logging.getLogger("salesbot")


def _settings() -> Settings:
    from bot.config import load_settings
    from bot.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level_number)
    _check_process_file(settings)
    return settings


def _check_process_file(settings: Settings) -> None:
    """A malformed PROCESS_FILE stops start-up with one line naming the file and the key path."""
    if settings.process_file is None:
        return
    from bot.domain.process import ProcessFileError, load_process_file

    try:
        load_process_file(settings.process_file)
    except ProcessFileError as error:
        raise SettingsError(f"setting PROCESS_FILE is invalid: {error}") from None


@cli.command()
def run(
    port: Annotated[int, typer.Option(help="HTTP port (HTTP mode).")] = 3000,
    host: Annotated[str, typer.Option(help="Interface to listen on (HTTP mode).")] = "0.0.0.0",
    scheduler: Annotated[bool, typer.Option("--scheduler/--no-scheduler", help="Run the scheduler too.")] = True,
    workers: Annotated[
        int, typer.Option(min=0, max=64, help="HTTP worker processes (0, the default: one per CPU core).")
    ] = 0,
) -> None:
    """Start the bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP at /slack/events."""
    from bot.server import serve_http_workers

    with _no_collection():
        settings = _ready_to_serve(with_scheduler=scheduler)
    if settings.socket_mode:
        _run_socket_mode(settings, host, port, with_scheduler=scheduler)
        return
    serve_http_workers(
        functools.partial(_worker_app, settings),
        host,
        port,
        workers=workers or os.cpu_count() or 1,
        services={"scheduler": functools.partial(_scheduler_process, settings)} if scheduler else {},
    )


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """Start-up builds ~1M objects that all live on (modules, tables, listeners): the garbage collector's
    passes over them while they were built were ~5 % of the time to the first answer. preload()
    freezes them without a pass (bot.app.preload)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _ready_to_serve(*, with_scheduler: bool) -> Settings:
    """Settings checked, the database at head, and (HTTP) everything the workers import preloaded."""
    from store.db import make_engine, upgrade

    settings = _settings()
    if settings.oauth:  # each workspace's token comes from its installation
        settings.require("slack_signing_secret")
    else:
        settings.require("slack_bot_token", *(() if settings.socket_mode else ("slack_signing_secret",)))
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()  # nothing shared with the forked workers: each opens its own pool
    if with_scheduler:  # imported before the fork, so the scheduler process shares it; not at all without one
        importlib.import_module("scheduler.setup")
    if not settings.socket_mode:
        from bot.app import preload

        preload()
    return settings


def _run_socket_mode(settings: Settings, host: str, port: int, *, with_scheduler: bool) -> None:
    from bot.app import create_app
    from bot.deps import build_deps
    from bot.server import serve_socket_mode
    from scheduler.setup import start_scheduler

    deps = build_deps(settings)
    running = start_scheduler(deps) if with_scheduler else None
    try:
        serve_socket_mode(create_app(deps)[0], settings.slack_app_token or "", host=host, port=port)
    finally:
        if running:
            running.shutdown(wait=False)


def _worker_app(settings: Settings) -> tuple[Any, Callable[[], None]]:
    """One HTTP worker's app, and what to wait for before it exits (work already acked)."""
    from bot.app import create_app
    from bot.deps import build_deps

    deps = build_deps(settings)
    return create_app(deps)[0], functools.partial(_drain, deps)


def _drain(deps: Deps) -> None:
    deps.background.wait_idle(timeout=10)


def _scheduler_process(settings: Settings, stop: threading.Event) -> None:
    from bot.deps import build_deps
    from bot.server import wait_for
    from scheduler.setup import start_scheduler

    running = start_scheduler(build_deps(settings))
    wait_for(stop)
    running.shutdown()


@cli.command("scheduler")
def scheduler_only() -> None:
    """Run only the scheduler (for deployments with several web instances)."""
    import time

    from bot.deps import build_deps
    from scheduler.setup import start_scheduler
    from store.db import upgrade

    settings = _settings()
    if not settings.oauth:
        settings.require("slack_bot_token")
    deps = build_deps(settings)
    upgrade(deps.engine)
    gc.collect()
    gc.freeze()  # like `salesbot run`'s preload: full collections then skip the start-up heap (a 0.1–0.3 s pause)
    running = start_scheduler(deps)
    log.info("scheduler running; Ctrl-C stops it")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        running.shutdown()


@cli.command()
def manifest(
    url: Annotated[str | None, typer.Option(help="Public URL of /slack/events (HTTP mode).")] = None,
    socket_mode: Annotated[bool, typer.Option("--socket-mode", help="Socket Mode on, no URLs.")] = False,
    oauth: Annotated[
        bool, typer.Option("--oauth", help="Distributed to several workspaces: redirect URL, token rotation.")
    ] = False,
) -> None:
    """Print the Slack app manifest (YAML) generated from the registered commands, shortcuts and events."""
    from bot.app import describe_surface
    from bot.deps import build_deps
    from bot.manifest import manifest_yaml

    if oauth and socket_mode:
        typer.echo("salesbot: --oauth needs HTTP mode: drop --socket-mode", err=True)
        raise typer.Exit(2)
    settings = _settings()
    surface = describe_surface(build_deps(settings), oauth=oauth)
    typer.echo(manifest_yaml(surface, url=url, socket_mode=socket_mode, oauth=oauth), nl=False)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the database schema to the latest migration."""
    from store.db import make_engine, upgrade

    settings = _settings()
    upgrade(make_engine(settings.database_url))
    typer.echo("database is up to date")


@db_cli.command("backup")
def db_backup(target: Annotated[Path, typer.Argument(help="File to write the copy to.")]) -> None:
    """Online backup of the SQLite database to FILE."""
    from store.db import backup, make_engine

    settings = _settings()
    try:
        backup(make_engine(settings.database_url), target)
    except RuntimeError as error:
        typer.echo(f"salesbot: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"backed up to {target}")


def main() -> None:
    try:
        cli()
    except SettingsError as error:
        print(f"salesbot: {error}", file=sys.stderr)
        sys.exit(2)
    except Exception as error:
        if not _unusable_database(error):
            raise
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"salesbot: setting DATABASE_URL: cannot use the database ({reason})", file=sys.stderr)
        sys.exit(2)


def _unusable_database(error: Exception) -> bool:
    if "sqlalchemy" not in sys.modules:  # nothing touched a database: not a database error
        return False
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

    return isinstance(error, (OperationalError, ArgumentError, NoSuchModuleError))


import_cli = typer.Typer(help="Bulk imports from CSV files.", no_args_is_help=True, rich_markup_mode=None)
cli.add_typer(import_cli, name="import")


@import_cli.command("products")
def import_products(
    file: Annotated[Path, typer.Argument(help="CSV: name, unit, description, price, currency, price_list.")],
    team: Annotated[str | None, typer.Option(help="Workspace (team id); default: auth.test's team.")] = None,
) -> None:
    """Create or update products and their prices from FILE.csv (a bad row is reported and skipped)."""
    from bot.imports.products import import_products as run_import
    from bot.imports.products import read_product_rows
    from store.db import make_engine, session_factory, transaction, upgrade

    settings = _settings()
    if not file.is_file():
        typer.echo(f"salesbot: {file} does not exist", err=True)
        raise typer.Exit(2)
    rows, problem = read_product_rows(file.read_text(encoding="utf-8-sig", errors="replace"))
    if problem:
        typer.echo(f"salesbot: {file}: {problem}", err=True)
        raise typer.Exit(2)
    team_id = team or _demo_team(settings, None)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with typer.progressbar(length=len(rows), label="Importing products") as bar:
        done = [0]

        def advance(count: int) -> None:
            bar.update(count - done[0])
            done[0] = count

        with transaction(session_factory(engine)) as session:
            report = run_import(session, team_id=team_id, rows=rows, progress=advance)
    typer.echo(report.summary())


@cli.command()
def demo(
    team: Annotated[str | None, typer.Option(help="Workspace (team id); default: auth.test's team.")] = None,
    owner: Annotated[str | None, typer.Option(help="Slack user id owning the demo records.")] = None,
) -> None:
    """Load the Contoso Coffee demo data: catalog, price list, leads and opportunities in every stage."""
    from bot.deps import utc_now
    from bot.services.demo import load_demo
    from store.db import make_engine, session_factory, transaction, upgrade

    settings = _settings()
    team_id = _demo_team(settings, team)
    owner_id = owner or (settings.admin_user_ids[0] if settings.admin_user_ids else "")
    if not owner_id:
        raise SettingsError("demo needs --owner U… (or ADMIN_USER_IDS) to own the demo records")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        report = load_demo(session, team=team_id, owner=owner_id, now=utc_now())
    typer.echo(report.summary(team_id, owner_id))


def _known_teams(settings: Settings) -> list[str]:
    import sqlalchemy as sa

    from store.db import make_engine

    engine = make_engine(settings.database_url)
    teams: set[str] = set()
    try:
        with engine.connect() as connection:
            for table in ("slack_user", "lead", "opportunity"):
                teams.update(connection.execute(sa.text(f"SELECT DISTINCT team_id FROM {table}")).scalars())
    except sa.exc.SQLAlchemyError:  # no database or no schema yet: nothing known
        return []
    finally:
        engine.dispose()
    return sorted(teams)


def _demo_team(settings: Settings, team: str | None) -> str:
    """--team, else the one workspace the database knows, else the workspace of the bot token (auth.test)."""
    if team:
        return team
    known = _known_teams(settings)
    if len(known) == 1:
        return known[0]
    if not settings.slack_bot_token:
        raise SettingsError("setting SLACK_BOT_TOKEN is missing: give --team T… or set the bot token")
    from bot.slack_client import make_client

    try:
        return str(make_client(settings.slack_bot_token, settings.slack_api_url).auth_test()["team_id"])
    except Exception as error:  # one clear line, never a traceback
        raise SettingsError(f"setting SLACK_BOT_TOKEN: auth.test failed ({error}); give --team T…") from None


@import_cli.command("leads")
def import_leads_command(
    file: Annotated[Path, typer.Argument(help="CSV with a header row naming lead fields (Topic, Company, Email…).")],
    team: Annotated[str | None, typer.Option(help="Workspace (team id); default: auth.test's team.")] = None,
    owner: Annotated[str | None, typer.Option(help="Slack user id owning the leads; default: first admin.")] = None,
    rejected: Annotated[
        Path | None, typer.Option(help="Where rejected rows go, with their reason (default: FILE-rejected.csv).")
    ] = None,
    route: Annotated[
        bool, typer.Option("--route", help="Rows without an Owner column value follow the routing rules.")
    ] = False,
) -> None:
    """Import leads from FILE.csv: duplicates skipped, bad rows reported with their row number and written
    to a CSV you can fix and import again. An Owner column (email or Slack user id) names each row's
    owner; an unknown owner rejects the row."""
    from store.db import make_engine, upgrade

    settings = _settings()
    if not file.is_file():
        typer.echo(f"salesbot: {file} does not exist", err=True)
        raise typer.Exit(2)
    team_id = _demo_team(settings, team)
    owner_id = owner or next(iter(settings.admin_user_ids), None)
    if not owner_id:
        raise SettingsError("setting ADMIN_USER_IDS is empty: give --owner U… (the Slack user owning the leads)")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    owners, router = _import_owners(settings, engine, team_id, owner_id, route=route)
    rejected_path = rejected or file.with_name(f"{file.stem}-rejected.csv")
    partial = rejected_path.with_name(f".{rejected_path.name}.partial")
    report = _import_with_progress(file, partial, engine=engine, team_id=team_id, owner_id=owner_id,
                                   owners=owners, router=router)  # fmt: skip
    _print_import_report(report, partial, rejected_path)
    if report.error:
        raise typer.Exit(1)


def _print_import_report(report: Any, partial: Path, rejected_path: Path) -> None:
    """The summary and the first 50 rejections; the rejected rows' file kept only when some were rejected."""
    typer.echo(report.summary())
    for rejection in report.rejections[:50]:
        typer.echo(f"  row {rejection.row}: {rejection.reason}")
    if report.rejected > 50:
        typer.echo(f"  …and {report.rejected - 50} more")
    if report.rejected:
        partial.replace(rejected_path)
        typer.echo(f"Rejected rows, with the reason, are in {rejected_path}: fix them and import that file.")
    else:
        partial.unlink()


def _import_with_progress(file: Path, partial: Path, **options: Any) -> Any:
    """Run the import with a progress bar, rejected rows written to `partial` (removed on failure)."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    from bot.deps import utc_now
    from bot.imports.leads import ImportReport, import_leads

    columns = [TextColumn("Importing leads"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
               TextColumn("{task.fields[rows]:,} rows")]  # fmt: skip
    with (
        file.open("rb") as binary,
        partial.open("w", encoding="utf-8", newline="") as rejected_rows,
        Progress(*columns, transient=True) as progress,
    ):
        task = progress.add_task("import", total=file.stat().st_size, rows=0)

        def advance(report: ImportReport) -> None:
            progress.update(task, completed=binary.tell(), rows=report.rows)

        try:
            return import_leads(binary, now=utc_now(), progress=advance, file_name=file.name,
                                rejected_to=rejected_rows, **options)  # fmt: skip
        except BaseException:
            partial.unlink(missing_ok=True)
            raise


def _import_owners(settings: Settings, engine: Any, team_id: str, owner_id: str, *, route: bool) -> tuple[Any, Any]:
    """The Owner column's resolver (Slack looks up emails when SLACK_BOT_TOKEN is set) and, with
    --route, the routing rules of the workspace (its uploaded process file, else PROCESS_FILE)."""
    from bot.domain.process import library_from_file
    from bot.imports.owners import ImportRouter, OwnerResolver, slack_lookups
    from bot.services.processes import ProcessProvider

    by_email = user_known = None
    if settings.slack_bot_token:
        from bot.slack_client import make_client

        by_email, user_known = slack_lookups(make_client(settings.slack_bot_token, settings.slack_api_url))
    owners = OwnerResolver(engine, team_id, by_email=by_email, user_known=user_known)
    router = (
        ImportRouter(ProcessProvider(library_from_file(settings.process_file)), team_id, owner_id) if route else None
    )
    return owners, router


@cli.command()
def playground(
    port: Annotated[int, typer.Option(help="Port of the page (and of the Slack stand-in's Web API).")] = 3001,
    host: Annotated[str, typer.Option(help="Interface to listen on; loopback unless you say otherwise.")] = "127.0.0.1",
    db: Annotated[Path, typer.Option(help="The playground's own SQLite file.")] = Path("playground.db"),
    fresh: Annotated[bool, typer.Option("--fresh", help="Start from a new database (demo data reloaded).")] = False,
) -> None:
    """Try salesbot without Slack: the bot, a Slack stand-in and demo data, in your browser. Needs no
    setting and ignores SLACK_* and DATABASE_URL, so it never reaches a real workspace."""
    import errno
    import gc
    import signal

    from bot.logs import configure_logging
    from bot.playground import start
    from bot.server import wait_for

    configure_logging(logging.getLevelName(os.environ.get("LOG_LEVEL", "WARNING").upper()))
    try:
        running = start(db=db, host=host, port=port, fresh=fresh)
    except OSError as error:
        if error.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        typer.echo(f"salesbot: cannot listen on {host}:{port} ({error.strerror or error}); try --port", err=True)
        raise typer.Exit(2) from None
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    typer.echo(f"open {running.url}   (Ctrl-C stops it)")
    try:
        wait_for(stop)
    finally:
        running.stop()
        gc.freeze()  # everything is stopped: spare the exit a full collection of the heap (seconds under load)


workspace_cli = typer.Typer(help="Workspaces: list, export or delete a workspace's data.", no_args_is_help=True,
                            rich_markup_mode=None)  # fmt: skip
cli.add_typer(workspace_cli, name="workspace")


@workspace_cli.command("list")
def workspace_list() -> None:
    """Installed and uninstalled workspaces: installation date, record counts, last activity."""
    from bot.services.workspaces import list_workspaces
    from store.db import make_engine, session_factory, transaction, upgrade

    engine = make_engine(_settings().database_url)
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        workspaces = list_workspaces(session)
    if not workspaces:
        typer.echo("No workspace yet.")
        return
    columns = ("TEAM", "NAME", "STATUS", "INSTALLED", "LEADS", "OPPS", "USERS")
    typer.echo("{:<12} {:<24} {:<26} {:<11} {:>6} {:>6} {:>6}  LAST ACTIVITY".format(*columns))
    for w in workspaces:
        installed = w.installed_at.date().isoformat() if w.installed_at else "-"
        last = w.last_activity.strftime("%Y-%m-%d %H:%M") if w.last_activity else "-"
        counts = w.counts
        typer.echo(f"{w.team_id:<12} {w.name[:24]:<24} {_status(w):<26} {installed:<11} {counts['leads']:>6} "
                   f"{counts['opportunities']:>6} {counts['users']:>6}  {last}")  # fmt: skip


def _status(workspace: Any) -> str:
    if workspace.data_deleted_at:
        return f"data deleted {workspace.data_deleted_at.date().isoformat()}"
    if workspace.uninstalled_at:
        return f"uninstalled {workspace.uninstalled_at.date().isoformat()}"
    return "installed" if workspace.installed_at else "single-token"


@workspace_cli.command("export")
def workspace_export(
    team: Annotated[str, typer.Argument(help="The workspace (team id, T…).")],
    target: Annotated[Path, typer.Argument(help="The zip file to write (a CSV per table).")],
) -> None:
    """Export a workspace's data as a zip of CSVs (what `/salesbot admin` → Export data sends)."""
    from bot.services.workspaces import export_file
    from store.db import make_engine, session_factory, transaction, upgrade

    team = _team_id(team)
    engine = make_engine(_settings().database_url)
    upgrade(engine)
    partial = target.with_name(f".{target.name}.partial")
    with transaction(session_factory(engine)) as session:
        counts = export_file(session, team, partial)
    partial.replace(target)
    typer.echo(f"exported {sum(counts.values())} rows of {team} to {target}")
    for name, count in counts.items():
        typer.echo(f"  {name}: {count}")


@workspace_cli.command("delete")
def workspace_delete(
    team: Annotated[str, typer.Argument(help="The workspace (team id, T…).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to type the workspace's name.")] = False,
) -> None:
    """Delete every record of a workspace now (its installation, if any, stays)."""
    from bot.deps import utc_now
    from bot.services.workspaces import delete_data, list_workspaces
    from store.db import make_engine, session_factory, transaction, upgrade

    team = _team_id(team)
    engine = make_engine(_settings().database_url)
    upgrade(engine)
    new_session = session_factory(engine)
    with transaction(new_session) as session:
        known = {w.team_id: w for w in list_workspaces(session)}
    if team not in known:
        typer.echo(f"salesbot: no workspace {team} in this database", err=True)
        raise typer.Exit(1)
    name = known[team].name or team
    if not yes and typer.prompt(f"This deletes every record of {name} ({team}). Type its name to confirm") != name:
        typer.echo("salesbot: the name did not match; nothing was deleted", err=True)
        raise typer.Exit(1)
    deleted = delete_data(new_session, team, now=utc_now())
    typer.echo(f"deleted {sum(deleted.values())} rows of {team}" + (":" if deleted else ""))
    for table, count in deleted.items():
        typer.echo(f"  {table}: {count}")


def _team_id(value: str) -> str:
    team = value.strip().upper()
    if not (team.startswith("T") and team.isalnum() and len(team) <= 32):
        typer.echo(f"salesbot: {value[:40]!r} is not a workspace id (T…)", err=True)
        raise typer.Exit(2)
    return team
