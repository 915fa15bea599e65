"""Lead import from Slack: the `/lead import` modal and CSV files sent to the bot in DM."""

from __future__ import annotations

import logging
import tempfile
import time
import urllib.request
from collections.abc import Callable
from typing import IO, Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.ids import VIEW_IMPORT
from bot.imports.leads import ImportReport, import_leads
from bot.imports.owners import OwnerResolver, slack_lookups
from bot.surface import Surface
from bot.views.imports import import_modal, progress_blocks, result_blocks
from bot.views.inputs import submitted_values
from bot.views.markup import escape
from handlers.context import team_id, user_id
from handlers.listeners import later
from handlers.replies import open_dm, open_view

log = logging.getLogger("salesbot.imports")
PROGRESS_EVERY_SECONDS = 2.0
REJECTED_COMMENT = (
    "The rows that were not imported, each with the reason. Fix them and send this file back to me "
    "to import them (the Row and Reason columns are ignored)."
)


def register(surface: Surface, deps: Deps) -> None:
    surface.uses("files:read", "files:write", "users:read", "users:read.email")

    def open_import(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        later(deps, client, body, open_view, client, body, import_modal(), push=False)

    surface.lead_subcommands["import"] = open_import

    @surface.app.view(VIEW_IMPORT)
    def import_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        files = submitted_values(view["state"]).get("file") or []
        csv_files = [f for f in files if is_csv(f)]
        if not csv_files:
            ack(response_action="errors", errors={"file": "Upload one CSV file (.csv)."})
            return
        ack()
        later(deps, client, body, run_import, deps, client, team_id(body), user_id(body), csv_files[0])


def is_csv(file: dict[str, Any]) -> bool:
    return file.get("filetype") == "csv" or str(file.get("name", "")).lower().endswith(".csv")


def run_import(deps: Deps, client: WebClient, team: str, user: str, file: dict[str, Any]) -> ImportReport:
    """Download the file (streamed), import it, and keep one DM message up to date with the progress."""
    name = file.get("name") or file.get("title") or "leads.csv"
    channel = open_dm(client, user)
    started = client.chat_postMessage(
        channel=channel, text=f"Importing {escape(name)}…", blocks=progress_blocks(name, ImportReport())
    )
    last_update = [time.monotonic()]

    def progress(report: ImportReport) -> None:
        if time.monotonic() - last_update[0] >= PROGRESS_EVERY_SECONDS:
            last_update[0] = time.monotonic()
            _update(client, channel, started["ts"], f"Importing {escape(name)}…", progress_blocks(name, report))

    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as rejected:
        report = _download_and_import(deps, client, team, user, file, name, progress, rejected)
        _update(client, channel, started["ts"], report.summary(), result_blocks(name, report))
        if report.rejected and not report.error:
            rejected.seek(0)
            _send_rejected(client, channel, name, rejected.read())
    return report


def _download_and_import(
    deps: Deps,
    client: WebClient,
    team: str,
    user: str,
    file: dict[str, Any],
    name: str,
    progress: Callable[[ImportReport], None],
    rejected: IO[str],
) -> ImportReport:
    by_email, user_known = slack_lookups(client)
    try:
        url = file.get("url_private_download") or client.files_info(file=file["id"])["file"]["url_private_download"]
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return import_leads(
                response,
                engine=deps.engine,
                team_id=team,
                owner_id=user,
                now=deps.clock(),
                progress=progress,
                file_name=name,
                rejected_to=rejected,
                owners=OwnerResolver(deps.engine, team, by_email=by_email, user_known=user_known),
            )
    except (OSError, SlackApiError, KeyError) as error:
        log.warning("import of %s failed: %r", name, error)
        return ImportReport(error="salesbot could not download the file from Slack; please try again.")


def _send_rejected(client: WebClient, channel: str, name: str, content: str) -> None:
    """The rejected rows as a CSV in the DM: fixed and sent back, it imports like any file."""
    stem = name.removesuffix(".csv").removesuffix(".CSV") or "leads"
    try:
        client.files_upload_v2(
            channel=channel,
            content=content,
            filename=f"{stem}-rejected.csv",
            title=f"Rows of {name} not imported",
            initial_comment=REJECTED_COMMENT,
        )
    except SlackApiError as error:
        log.warning("rejected rows of %s not uploaded: %s", name, error.response.get("error"))


def _update(client: WebClient, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as error:
        log.info("import message not updated: %s", error.response.get("error"))
