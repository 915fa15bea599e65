"""`/salesbot admin` → `Processes`: what each process of a workspace is, and `Upload process file`.

An upload is validated as PROCESS_FILE is at start-up (the same ProcessFileError, naming the file
and the key path or line), then stored through the workspace's ProcessProvider: every worker uses it
on its next request. Existing opportunities keep their process and step values: an upload that drops
a process or a stage some opportunity is in is refused, saying which. The caller owns the transaction.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.domain.process import Process, ProcessFileError, ProcessLibrary, parse_processes
from bot.domain.quotes import ApprovalRuleError, parse_approval_rules
from bot.refusals import Refused
from bot.services.processes import SESSION_KEY, ProcessProvider, library_in
from store.audit import record_change
from store.process_libraries import library_version, stages_in_use

MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class ProcessOverview:
    processes: tuple[Process, ...]
    default_name: str
    uploaded_at: datetime | None  # None: PROCESS_FILE or the built-in process


def overview(session: Session, team_id: str) -> ProcessOverview:
    library = library_in(session, team_id)
    row = library_version(session, team_id=team_id)
    uploaded = row.updated_at if row is not None and row.toml.strip() else None
    return ProcessOverview(library.all, library.default.name, uploaded)


def process_named(session: Session, team_id: str, name: str) -> Process:
    found = next((p for p in library_in(session, team_id).all if p.name == name), None)
    if found is None:
        raise Refused("That process is no longer there: open Processes again.")
    return found


def upload(session: Session, *, team_id: str, content: bytes, file_name: str, actor: str, now: datetime) -> None:
    """Validate and store the uploaded TOML; Refused (with the parser's words) changes nothing."""
    if len(content) > MAX_BYTES:
        raise Refused(f"{file_name}: a process file is at most {MAX_BYTES // 1024} KB.")
    try:
        text = content.decode("utf-8")
        new = ProcessLibrary(tuple(parse_processes(text, source=file_name)))
        parse_approval_rules(tomllib.loads(text), source=file_name)  # checked at start-up too
    except UnicodeDecodeError:
        raise Refused(f"{file_name}: is not UTF-8 text") from None
    except (ProcessFileError, ApprovalRuleError) as error:
        raise Refused(str(error)) from None
    _keeps_records(session, team_id, library_in(session, team_id), new)
    names = ", ".join(p.name for p in new.custom) or "approval rules only"
    record_change(
        session, team_id=team_id, actor_id=actor, action="Process file uploaded",
        detail=f"{file_name}: {names}", people=[], at=now,
    )  # fmt: skip
    provider: ProcessProvider = session.info[SESSION_KEY]
    try:  # [[routing]] rules must name the workspace's teams
        provider.upload(session, team_id, text, now=now, source=file_name)
    except ProcessFileError as error:
        raise Refused(str(error)) from None


def _keeps_records(session: Session, team_id: str, current: ProcessLibrary, new: ProcessLibrary) -> None:
    """Every opportunity's process and stage must still exist (its step values stay with them)."""
    known = {p.name.casefold() for p in current.all}
    for name, stage, count in stages_in_use(session, team_id=team_id):
        if name.casefold() not in known:
            continue  # already unknown before this upload: it shows the default process
        process = next((p for p in new.all if p.name.casefold() == name.casefold()), None)
        opportunities = "opportunity" if count == 1 else "opportunities"
        if process is None:
            raise Refused(
                f"The process “{name}” is missing, and {count} {opportunities} follow it. Keep it in the file "
                "(a `when` no lead matches stops new records from using it)."
            )
        if process.stage(stage) is None:
            raise Refused(
                f"The stage “{stage}” of “{name}” is missing, and {count} {opportunities} are in it. "
                "Keep it in the file."
            )
