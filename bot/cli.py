"""The `salesbot` command line."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.config import Settings, SettingsError, load_settings
from bot.logs import configure_logging

cli = typer.Typer(
    help="salesbot: a Slack-native sales assistant.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema and backups.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
log = logging.getLogger("salesbot")


def _settings() -> Settings:
    settings = load_settings()
    configure_logging(settings.log_level_number)
    return settings


@cli.command()
def run(
    port: Annotated[int, typer.Option(help="HTTP port (HTTP mode).")] = 3000,
    host: Annotated[str, typer.Option(help="Interface to listen on (HTTP mode).")] = "0.0.0.0",
    scheduler: Annotated[bool, typer.Option("--scheduler/--no-scheduler", help="Run the scheduler too.")] = True,
) -> None:
    """Start the bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP at /slack/events."""
    from bot.app import create_app
    from bot.deps import build_deps
    from bot.server import serve_http, serve_socket_mode
    from scheduler.setup import start_scheduler
    from store.db import upgrade

    settings = _settings()
    settings.require("slack_bot_token", *(() if settings.socket_mode else ("slack_signing_secret",)))
    deps = build_deps(settings)
    upgrade(deps.engine)
    app, _ = create_app(deps)
    running = start_scheduler(deps) if scheduler else None
    try:
        if settings.socket_mode:
            serve_socket_mode(app, settings.slack_app_token or "")
        else:
            serve_http(app, host, port)
    finally:
        if running is not None:
            running.shutdown(wait=False)


@cli.command("scheduler")
def scheduler_only() -> None:
    """Run only the scheduler (for deployments with several web instances)."""
    import time

    from bot.deps import build_deps
    from scheduler.setup import start_scheduler
    from store.db import upgrade

    settings = _settings()
    settings.require("slack_bot_token")
    deps = build_deps(settings)
    upgrade(deps.engine)
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
) -> None:
    """Print the Slack app manifest (YAML) generated from the registered commands, shortcuts and events."""
    from bot.app import describe_surface
    from bot.deps import build_deps
    from bot.manifest import manifest_yaml

    settings = _settings()
    typer.echo(manifest_yaml(describe_surface(build_deps(settings)), url=url, socket_mode=socket_mode), nl=False)


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
