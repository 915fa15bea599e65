"""`/sequence` (list, new, edit) and `Start sequence` on lead and opportunity cards."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlmodel import Session

from bot.deps import Deps
from bot.domain.assistant import STEPS_HELP, StepError, format_local, parse_steps
from bot.ids import (
    RECORD_START_SEQUENCE,
    SEQUENCE_EDIT,
    SEQUENCE_NEW,
    VIEW_SEQUENCE,
    VIEW_SEQUENCE_SAVED,
    VIEW_SEQUENCE_STARTED,
    VIEW_START_SEQUENCE,
    Metadata,
    parse_id,
)
from bot.messages import (
    SEQUENCE_MANAGERS_ONLY,
    SEQUENCE_NAME_TAKEN,
    SEQUENCE_SAVED,
    SEQUENCE_STARTED,
    SEQUENCES_NONE,
)
from bot.refusals import Refused
from bot.services import sequences as sequence_service
from bot.surface import Surface
from bot.views.assistant import SequenceSummary, sequence_list, sequence_modal, start_sequence_modal
from bot.views.blocks import modal, section
from bot.views.inputs import ModalState
from bot.views.markup import fill
from handlers.context import team_id, user_id, viewer
from handlers.listeners import after_ack, later, refusals_as_field_errors
from handlers.record_loading import action_ref, load_record_in, safe_ref
from handlers.replies import open_view
from store.db import transaction

SEQUENCE_HELP = "`/sequence` lists the sequences · `/sequence new` defines one (managers and admins)"


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    surface.command("/sequence", "Sales sequences", "[new]")(functools.partial(sequence_command, deps))
    after_ack(app, deps, SEQUENCE_NEW, functools.partial(new_sequence_button, deps))
    after_ack(app, deps, SEQUENCE_EDIT, functools.partial(edit_sequence_button, deps))
    app.view(VIEW_SEQUENCE)(functools.partial(sequence_submitted, deps))
    after_ack(app, deps, RECORD_START_SEQUENCE, functools.partial(open_start, deps))
    app.view(VIEW_START_SEQUENCE)(refusals_as_field_errors(functools.partial(start_submitted, deps)))


def sequence_command(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    word = (body.get("text") or "").strip().split(" ", 1)[0].lower()
    if word in ("", "list"):
        ack(**_list_answer(deps, body))
    elif word == "new":
        if not _is_manager(deps, body):
            ack(text=SEQUENCE_MANAGERS_ONLY, response_type="ephemeral")
            return
        ack()
        later(deps, client, body, open_view, client, body, _new_modal(), push=False)
    else:
        prefix = "" if word == "help" else f"I don't know `/sequence {word[:40]}`. "
        ack(text=prefix + SEQUENCE_HELP, response_type="ephemeral")


def sequence_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    values = ModalState(view).all()
    name, description = values.get("name", "").strip(), values.get("description", "").strip()
    sequence_id = parse_id(Metadata.decode(view.get("private_metadata")).id)
    errors: dict[str, str] = {}
    steps: list[dict[str, Any]] = []
    try:
        steps = parse_steps(values.get("steps", ""))
    except StepError as error:
        errors["steps"] = error.message
    if not name:
        errors["name"] = "Give the sequence a name."
    if not _is_manager(deps, body):
        errors["name"] = SEQUENCE_MANAGERS_ONLY
    team = team_id(body)
    with transaction(deps.new_session) as session:
        if sequence_service.name_taken(session, team_id=team, name=name, sequence_id=sequence_id):
            errors["name"] = SEQUENCE_NAME_TAKEN
        if errors:
            ack(response_action="errors", errors=errors)
            return
        saved = sequence_service.save_sequence(
            session, team_id=team, name=name, description=description, steps=steps, user_id=user_id(body),
            sequence_id=sequence_id,
        )  # fmt: skip
        done = fill(SEQUENCE_SAVED, name=saved.name, steps=len(saved.steps))
    ack(response_action="update", view=modal("Sequence saved", [section(done)], callback_id=VIEW_SEQUENCE_SAVED))


def start_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    """Enroll the record in the chosen sequence; a refusal is shown under the Sequence field."""
    selected: dict[str, Any] = view.get("state", {}).get("values", {}).get("sequence") or {}
    element: dict[str, Any] = next(iter(selected.values()), {})
    choice: dict[str, Any] = element.get("selected_option") or {}
    with transaction(deps.new_session) as session:
        ref = safe_ref(Metadata.decode(view.get("private_metadata")).ref)
        loaded = load_record_in(session, deps, body, ref, change="start a sequence")
        started = sequence_service.start(
            session, record=loaded.record, record_type=loaded.ref.record_type, record_id=loaded.ref.record_id,
            sequence_id=parse_id(str(choice.get("value") or "")), by=loaded.viewer.user_id, now=deps.clock(),
        )  # fmt: skip
    task = started.task
    first = "none (nothing to do)" if task is None else f"*{task.title}*"
    due = format_local(task.due_at, started.owner_tz) if task else "–"
    text = fill(SEQUENCE_STARTED, record=loaded.record.topic, sequence=started.sequence.name, step=first, due=due)
    ack(response_action="update", view=modal("Sequence started", [section(text)], callback_id=VIEW_SEQUENCE_STARTED))


def new_sequence_button(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    if not _is_manager(deps, body):
        raise Refused(SEQUENCE_MANAGERS_ONLY)
    open_view(client, body, _new_modal(), push=False)


def edit_sequence_button(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    sequence_id = parse_id(str(body["actions"][0].get("value") or "")) or 0
    with transaction(deps.new_session) as session:
        found = sequence_service.get_sequence(session, team_id=team_id(body), sequence_id=sequence_id)
    if not _is_manager(deps, body) or found is None:
        raise Refused(SEQUENCE_MANAGERS_ONLY if found else SEQUENCES_NONE)
    view = sequence_modal(sequence_id=found.id, name=found.name, description=found.description, steps=found.steps,
                          help_text=STEPS_HELP)  # fmt: skip
    open_view(client, body, view, push=False)


def open_start(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, action_ref(body), change="start a sequence")
        problem = sequence_service.start_problem(
            session, record=loaded.record, record_type=loaded.ref.record_type, record_id=loaded.ref.record_id
        )
        summaries = _summaries(session, loaded.viewer.team_id)
    if problem or not summaries:
        raise Refused(problem or SEQUENCES_NONE)
    open_view(client, body, start_sequence_modal(loaded.ref.encode(), loaded.record.topic, summaries))


def _summaries(session: Session, team: str) -> list[SequenceSummary]:
    return [
        SequenceSummary(s.id or 0, s.name, s.description, list(s.steps), count)
        for s, count in sequence_service.sequences_with_counts(session, team_id=team)
    ]


def _list_answer(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    with transaction(deps.new_session) as session:
        summaries = _summaries(session, team_id(body))
    can_edit = _is_manager(deps, body)
    if not summaries:
        text = SEQUENCES_NONE
        if can_edit:
            return {"text": text, "blocks": sequence_list([], can_edit=True), "response_type": "ephemeral"}
        return {"text": text, "response_type": "ephemeral"}
    text = f"{len(summaries)} sequences: " + ", ".join(s.name for s in summaries)
    return {"text": text[:3000], "blocks": sequence_list(summaries, can_edit=can_edit), "response_type": "ephemeral"}


def _is_manager(deps: Deps, body: dict[str, Any]) -> bool:
    return sequence_service.may_define_sequences(viewer(deps, body).role)


def _new_modal() -> dict[str, Any]:
    return sequence_modal(help_text=STEPS_HELP)
