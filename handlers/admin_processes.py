"""`/salesbot admin` → `Processes`: view each process and `Upload process file` (a TOML sent as a
Slack file, validated like PROCESS_FILE at start-up; every worker uses it on its next request)."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.services import process_uploads
from bot.surface import Surface
from bot.views.admin_menu import ADMIN_PROCESSES
from bot.views.admin_processes import (
    ADMIN_PROCESS_UPLOAD,
    ADMIN_PROCESS_VIEW,
    VIEW_PROCESS_UPLOAD,
    process_modal,
    processes_modal,
    upload_modal,
)
from bot.views.inputs import ModalState
from handlers.admin_access import admin_in, current_view_id, download, parent_view, redraw
from handlers.listeners import after_ack, later, refusals_as_field_errors
from handlers.replies import open_view
from store.db import transaction

ONE_FILE = "Upload one process file (.toml)."


def register(surface: Surface, deps: Deps) -> None:
    after_ack(surface.app, deps, ADMIN_PROCESSES, functools.partial(open_processes, deps))
    after_ack(surface.app, deps, ADMIN_PROCESS_VIEW, functools.partial(view_process, deps))
    after_ack(surface.app, deps, ADMIN_PROCESS_UPLOAD, functools.partial(open_upload, deps))
    surface.app.view(VIEW_PROCESS_UPLOAD)(refusals_as_field_errors(functools.partial(upload_submitted, deps)))


def open_processes(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    open_view(client, body, _processes_view(deps, body))


def view_process(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    name = str((body.get("actions") or [{}])[0].get("value") or "")
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        process = process_uploads.process_named(session, who.team_id, name)
    open_view(client, body, process_modal(process))


def open_upload(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        admin_in(session, deps, body)
    open_view(client, body, upload_modal(current_view_id(body)))


def upload_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    with transaction(deps.new_session) as session:
        admin_in(session, deps, body)
    files = ModalState(view).files("file")
    if len(files) != 1:
        ack(response_action="errors", errors={"file": ONE_FILE})
        return
    name = str(files[0].get("name") or files[0].get("title") or "process file")[:100]
    content = download(client, files[0], limit=process_uploads.MAX_BYTES)
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        process_uploads.upload(
            session, team_id=who.team_id, content=content, file_name=name, actor=who.user_id, now=deps.clock()
        )
    ack()
    later(deps, client, body, redraw, client, parent_view(view), functools.partial(_processes_view, deps, body))


def _processes_view(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        return processes_modal(process_uploads.overview(session, who.team_id))
