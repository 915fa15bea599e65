"""`/salesbot admin` → `Export data` (admins): the workspace's data as a zip of CSVs in the admin's DM."""

from __future__ import annotations

import functools
import logging
import tempfile
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.refusals import Refused
from bot.services.workspaces import export_file, export_filename
from bot.surface import Surface
from bot.views.admin import ADMIN_EXPORT_DATA
from handlers.context import team_id, user_id, viewer
from handlers.listeners import after_ack
from handlers.replies import open_dm
from store.db import transaction

log = logging.getLogger("salesbot.admin_export")
ADMINS_ONLY = "Only salesbot admins can export the workspace's data."


def register(surface: Surface, deps: Deps) -> None:
    surface.uses("files:write", "im:write")
    after_ack(surface.app, deps, ADMIN_EXPORT_DATA, functools.partial(export_data, deps))


def export_data(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    if not viewer(deps, body).is_admin:
        raise Refused(ADMINS_ONLY)
    team, user = team_id(body), user_id(body)
    with tempfile.TemporaryDirectory(prefix="salesbot-export-") as folder:
        archive = Path(folder) / export_filename(team, deps.clock().date())
        with transaction(deps.new_session) as session:
            counts = export_file(session, team, archive)
        _upload(client, user, archive, counts)
    log.info("data exported team=%s by=%s rows=%d", team, user, sum(counts.values()))


def _upload(client: WebClient, user: str, archive: Path, counts: dict[str, int]) -> None:
    summary = ", ".join(f"{name.removesuffix('.csv')} {count}" for name, count in counts.items() if count)
    try:
        client.files_upload_v2(
            channel=open_dm(client, user),
            file=str(archive),
            filename=archive.name,
            title="salesbot data export",
            initial_comment=f"Your workspace's salesbot data, a CSV per table ({summary or 'no records yet'}).",
        )
    except SlackApiError as error:
        log.warning("data export not uploaded to %s: %s", user, error.response.get("error"))
        raise Refused("The export could not be uploaded to your DM; try again in a minute.") from None
