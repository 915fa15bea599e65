"""`/sequence` (list, new, edit) and `Start sequence` on lead and opportunity cards."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlmodel import Session, col, func, select

from bot.deps import Deps
from bot.domain.assistant import STEPS_HELP, StepError, format_local, parse_steps
from bot.domain.text import visible
from bot.ids import (
    RECORD_START_SEQUENCE,
    SEQUENCE_EDIT,
    SEQUENCE_NEW,
    VIEW_SEQUENCE,
    VIEW_START_SEQUENCE,
    decode_ref,
    parse_id,
)
from bot.messages import (
    RECORD_NOT_FOUND,
    SEQUENCE_ALREADY,
    SEQUENCE_CLOSED_RECORD,
    SEQUENCE_MANAGERS_ONLY,
    SEQUENCE_NAME_TAKEN,
    SEQUENCE_SAVED,
    SEQUENCE_STARTED,
    SEQUENCES_NONE,
)
from bot.services import sequences as sequence_service
from bot.surface import Surface
from bot.views.assistant import SequenceSummary, sequence_list, sequence_modal, start_sequence_modal
from bot.views.blocks import modal, section
from bot.views.markup import fill
from handlers.context import team_id, user_id, viewer
from handlers.listeners import after_ack
from handlers.record_loading import action_ref, load_record
from handlers.replies import reply_ephemeral
from store import sequences as sequence_store
from store.activities import add_activity
from store.db import transaction
from store.models import Enrollment, Sequence
from store.users import get_user

SEQUENCE_HELP = "`/sequence` lists the sequences · `/sequence new` defines one (managers and admins)"


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app

    @surface.command("/sequence", "Sales sequences", "[new]")
    def sequence_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        word = (body.get("text") or "").strip().split(" ", 1)[0].lower()
        if word in ("", "list"):
            ack(**_list_answer(deps, body))
        elif word == "new":
            if not _is_manager(deps, body):
                ack(text=SEQUENCE_MANAGERS_ONLY, response_type="ephemeral")
                return
            ack()
            deps.background.submit(client.views_open, trigger_id=body["trigger_id"], view=_new_modal())
        else:
            prefix = "" if word == "help" else f"I don't know `/sequence {word[:40]}`. "
            ack(text=prefix + SEQUENCE_HELP, response_type="ephemeral")

    @app.action(SEQUENCE_NEW)
    def new_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if not _is_manager(deps, body):
            deps.background.submit(reply_ephemeral, client, body, SEQUENCE_MANAGERS_ONLY)
            return
        deps.background.submit(client.views_open, trigger_id=body["trigger_id"], view=_new_modal())

    @app.action(SEQUENCE_EDIT)
    def edit_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = str(body["actions"][0].get("value") or "")
        with transaction(deps.new_session) as session:
            found = sequence_store.get_sequence(session, team_id=team_id(body), sequence_id=parse_id(value) or 0)
        if not _is_manager(deps, body) or found is None:
            deps.background.submit(reply_ephemeral, client, body, SEQUENCE_MANAGERS_ONLY if found else SEQUENCES_NONE)
            return
        view = sequence_modal(
            sequence_id=found.id,
            name=found.name,
            description=found.description,
            steps=found.steps,
            help_text=STEPS_HELP,
        )
        deps.background.submit(client.views_open, trigger_id=body["trigger_id"], view=view)

    @app.view(VIEW_SEQUENCE)
    def sequence_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = _texts(view)
        name, description = values.get("name", "").strip(), values.get("description", "").strip()
        sequence_id = parse_id(view.get("private_metadata")) or None
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
            same = sequence_store.sequence_named(session, team_id=team, name=name) if name else None
            if same is not None and same.id != sequence_id:
                errors["name"] = SEQUENCE_NAME_TAKEN
            if errors:
                ack(response_action="errors", errors=errors)
                return
            saved = sequence_store.save_sequence(
                session,
                team_id=team,
                name=name,
                description=description,
                steps=steps,
                user_id=user_id(body),
                sequence_id=sequence_id,
            )
            done = fill(SEQUENCE_SAVED, name=saved.name, steps=len(saved.steps))
        ack(response_action="update", view=modal("Sequence saved", [section(done)], callback_id="sequence_saved"))

    after_ack(app, deps, RECORD_START_SEQUENCE, lambda client, body: _open_start(deps, client, body))

    @app.view(VIEW_START_SEQUENCE)
    def start_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            ref = decode_ref(view.get("private_metadata"))
        except ValueError:
            ack(response_action="errors", errors={"sequence": RECORD_NOT_FOUND})
            return
        loaded = load_record(deps, body, ref, change="start a sequence")
        if isinstance(loaded, str):
            ack(response_action="errors", errors={"sequence": loaded})
            return
        selected: dict[str, Any] = view.get("state", {}).get("values", {}).get("sequence") or {}
        element: dict[str, Any] = next(iter(selected.values()), {})
        choice: dict[str, Any] = element.get("selected_option") or {}
        now = deps.clock()
        with transaction(deps.new_session) as session:
            sequence = sequence_store.get_sequence(
                session, team_id=loaded.viewer.team_id, sequence_id=parse_id(choice.get("value")) or 0
            )
            problem = _cannot_start(session, loaded, sequence)
            if problem or sequence is None:
                ack(response_action="errors", errors={"sequence": problem or SEQUENCES_NONE})
                return
            record = loaded.record
            _, task = sequence_service.start_enrollment(
                session,
                team_id=loaded.viewer.team_id,
                sequence=sequence,
                record_type=ref.record_type,
                record_id=ref.record_id,
                owner_id=record.owner_id,
                now=now,
            )
            add_activity(
                session,
                team_id=loaded.viewer.team_id,
                record_type=ref.record_type,
                record_id=ref.record_id,
                kind="status",
                author_id=loaded.viewer.user_id,
                subject=f"Sequence {sequence.name} started",
            )
            owner = get_user(session, team_id=loaded.viewer.team_id, user_id=record.owner_id)
            first = "none (nothing to do)" if task is None else f"*{task.title}*"
            due = format_local(task.due_at, owner.tz if owner else "UTC") if task else "–"
            text = fill(SEQUENCE_STARTED, record=record.topic, sequence=sequence.name, step=first, due=due)
        ack(response_action="update", view=modal("Sequence started", [section(text)], callback_id="sequence_started"))


def _open_start(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_record(deps, body, action_ref(body), change="start a sequence")
    if isinstance(loaded, str):
        reply_ephemeral(client, body, loaded)
        return
    with transaction(deps.new_session) as session:
        problem = _cannot_start(session, loaded, None)
        summaries = _summaries(session, loaded.viewer.team_id)
    if problem:
        reply_ephemeral(client, body, problem)
        return
    if not summaries:
        reply_ephemeral(client, body, SEQUENCES_NONE)
        return
    view = start_sequence_modal(loaded.ref.encode(), loaded.record.topic, summaries)
    opener = client.views_push if body.get("view", {}).get("type") == "modal" else client.views_open
    opener(trigger_id=body["trigger_id"], view=view)


def _cannot_start(session: Session, loaded: Any, sequence: Sequence | None) -> str | None:
    if loaded.record.status != "open":
        return SEQUENCE_CLOSED_RECORD
    active = sequence_store.active_enrollment(
        session, team_id=loaded.viewer.team_id, record_type=loaded.ref.record_type, record_id=loaded.ref.record_id
    )
    if active is not None:
        return fill(SEQUENCE_ALREADY, name=active.sequence_name)
    return None


def _summaries(session: Session, team: str) -> list[SequenceSummary]:
    sequences = sequence_store.list_sequences(session, team_id=team)
    counts = dict(
        session.exec(
            select(Enrollment.sequence_id, func.count())
            .where(Enrollment.team_id == team, Enrollment.status == "active")
            .group_by(col(Enrollment.sequence_id))
        ).all()
    )
    return [
        SequenceSummary(s.id or 0, s.name, s.description, list(s.steps), int(counts.get(s.id or 0, 0)))
        for s in sequences
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
    return viewer(deps, body).role in ("manager", "admin")


def _new_modal() -> dict[str, Any]:
    return sequence_modal(help_text=STEPS_HELP)


def _texts(view: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for block_id, elements in view.get("state", {}).get("values", {}).items():
        element: dict[str, Any] = next(iter(elements.values()), {})
        values[block_id] = visible(element.get("value") or "")
    return values
