"""Ad-hoc tasks: `Add task` on cards, `/task` (the Add task modal) and `/task list`, and a task's `Open`
(the Task modal: edit or reassign it). Done / Snooze are the work queue's buttons (handlers/work_queue.py)."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.tasks import TaskDraft, validate_task
from bot.ids import TASK_ADD, TASK_OPEN, VIEW_TASK_ADD, VIEW_TASK_ADDED, VIEW_TASK_EDIT, VIEW_TASK_SAVED
from bot.refusals import FieldRefused, Refused
from bot.services import tasks as task_service
from bot.services.tasks import RecordTitle, TaskSummary
from bot.services.users import settled_zone
from bot.surface import Surface
from bot.views.activity_modals import ModalContext
from bot.views.assistant import RecordLabel, label_of, titled_label
from bot.views.blocks import escape, modal, section
from bot.views.inputs import submitted_values
from bot.views.tasks import LIST_MAX, TaskForm, TaskLine, add_task_modal, assigned_message, edit_task_modal, task_list
from handlers.cards import opened_from
from handlers.context import team_id, user_id, viewer_in
from handlers.home import publish_home, slack_zone
from handlers.listeners import after_ack
from handlers.record_loading import action_ref, load_record, safe_ref
from handlers.replies import open_view
from handlers.work_queue import user_tz
from store.db import transaction
from store.models import Lead, Opportunity, Task

TASK_HELP = "`/task` adds a task (for you or a colleague) · `/task list` lists your open tasks."
TASK_ADDED = ":white_check_mark: Task *{subject}* added for <@{assignee}>."
TASK_SAVED = ":white_check_mark: Task *{subject}* saved."


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    surface.uses("chat:write", "im:write", "users:read")
    surface.command("/task", "Add a task, or list yours", "[list]")(bound(task_command, deps))
    after_ack(app, deps, TASK_ADD, functools.partial(_open_record_task, deps))
    after_ack(app, deps, TASK_OPEN, functools.partial(_open_task, deps))
    app.view(VIEW_TASK_ADD)(bound(task_added, surface, deps))
    app.view(VIEW_TASK_EDIT)(bound(task_edited, surface, deps))


def bound(listener: Any, *args: Any) -> Any:
    """`listener` with its leading arguments bound, keeping its name for Bolt's logs (Bolt injects the
    remaining ones by name: ack, body, view, client…)."""
    partial = functools.partial(listener, *args)
    partial.__name__ = listener.__name__  # type: ignore[attr-defined]
    return partial


def task_command(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    word = (body.get("text") or "").strip().lower()
    if not word:
        ack()
        deps.background.submit(_open_lone_task, deps, client, body)
    elif word == "list":
        ack(**_list_answer(deps, client, body))
    else:
        ack(text=TASK_HELP, response_type="ephemeral")


# --- opening the modals --------------------------------------------------------------------------


def _next_hour(deps: Deps) -> int:
    return int((deps.clock() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0).timestamp())


def _open_lone_task(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    form = TaskForm(metadata=ModalContext(ref="").encode(), due=_next_hour(deps), assignee=user_id(body))
    open_view(client, body, add_task_modal(form))


def _open_record_task(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_record(deps, body, action_ref(body), change="add a task")
    task_service.require_open(loaded.record)
    metadata = opened_from(body, ModalContext(ref=loaded.ref.encode())).encode()
    form = TaskForm(metadata, _next_hour(deps), loaded.viewer.user_id, record=label_of(loaded.record))
    open_view(client, body, add_task_modal(form))


def _open_task(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    with transaction(deps.new_session) as session:
        who = viewer_in(session, deps, body)
        task = task_service.task_to_change(session, viewer=who, task_id=int(value) if value.isdigit() else 0)
        record = task_service.task_record(session, task)
    form = TaskForm(
        metadata=str(task.id),
        due=int(task.due_at.timestamp()),
        assignee=task.owner_id,
        subject=task.title,
        priority=task.priority,
        description=task.description,
        record=_label(record),
    )
    open_view(client, body, edit_task_modal(form))


def _label(record: Lead | Opportunity | None) -> RecordLabel | None:
    return label_of(record) if record is not None else None


# --- /task list ----------------------------------------------------------------------------------


def _list_answer(deps: Deps, client: WebClient, body: dict[str, Any]) -> dict[str, Any]:
    team, user = team_id(body), user_id(body)
    page = task_service.open_task_page(deps.engine, team_id=team, owner_id=user, limit=LIST_MAX)
    tz = settled_zone(page.zone, functools.partial(slack_zone, client, user))
    lines = [_listed(*found) for found in page.tasks]
    blocks = task_list(lines, total=page.total, tz=tz, now=deps.clock())
    return {"text": "My tasks", "blocks": blocks, "response_type": "ephemeral"}


def _line(task: Task, record: Lead | Opportunity | None) -> TaskLine:
    return _task_line(task, _label(record))


def _listed(task: TaskSummary, record: RecordTitle | None) -> TaskLine:
    return _task_line(task, titled_label(*record) if record is not None else None)


def _task_line(task: Task | TaskSummary, label: RecordLabel | None) -> TaskLine:
    adhoc = task.enrollment_id is None
    return TaskLine(task.id or 0, task.title, task.kind, task.due_at, task.priority, adhoc, label)


# --- saving ------------------------------------------------------------------------------------------


def task_added(
    surface: Surface, deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    creator, team = user_id(body), team_id(body)
    draft, errors = validate_task(submitted_values(view["state"]), now=deps.clock(), me=creator)
    ctx = ModalContext.decode(view.get("private_metadata", ""))
    ref = safe_ref(ctx.ref)
    if draft is not None and ctx.ref:
        try:
            load_record(deps, body, ref, change="add a task")
        except Refused as refused:
            errors = {"subject": refused.message}
    if draft is None or errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        with transaction(deps.new_session) as session:
            task = task_service.add_task(
                session,
                team_id=team,
                creator=creator,
                draft=draft,
                record_type=ref.record_type if ref else None,
                record_id=ref.record_id if ref else None,
                admin_ids=deps.admin_ids,
                now=deps.clock(),
            )
            task_id = task.id or 0
    except FieldRefused as refused:
        ack(response_action="errors", errors={refused.field: refused.message})
        return
    done = TASK_ADDED.format(subject=escape(draft.subject), assignee=draft.assignee)
    ack(response_action="update", view=modal("Task added", [section(done)], callback_id=VIEW_TASK_ADDED))
    deps.background.submit(
        _after_change, surface, deps, client, team, task_id, creator, draft, notify=creator != draft.assignee
    )


def task_edited(
    surface: Surface, deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    editor, team = user_id(body), team_id(body)
    raw = str(view.get("private_metadata") or "")
    try:
        with transaction(deps.new_session) as session:
            who = viewer_in(session, deps, body)
            task = task_service.task_to_change(session, viewer=who, task_id=int(raw) if raw.isdigit() else 0)
            draft, errors = validate_task(
                submitted_values(view["state"]), now=deps.clock(), me=editor, previous_due=task.due_at
            )
            if draft is None:
                ack(response_action="errors", errors=errors)
                return
            change = task_service.edit_task(
                session, task, editor=editor, draft=draft, admin_ids=deps.admin_ids, now=deps.clock()
            )
            previous = change.previous_owner
    except FieldRefused as refused:
        ack(response_action="errors", errors={refused.field: refused.message})
        return
    ack(
        response_action="update",
        view=modal(
            "Task saved", [section(TASK_SAVED.format(subject=escape(draft.subject)))], callback_id=VIEW_TASK_SAVED
        ),
    )
    notify = previous is not None and draft.assignee != editor
    deps.background.submit(
        _after_change, surface, deps, client, team, int(raw), editor, draft, notify=notify, previous=previous
    )


def _after_change(
    surface: Surface,
    deps: Deps,
    client: WebClient,
    team: str,
    task_id: int,
    actor: str,
    draft: TaskDraft,
    *,
    notify: bool,
    previous: str | None = None,
) -> None:
    """Tell the assignee in DM when someone else gave them the task; redraw the Home tabs it is on."""
    if notify:
        tz = user_tz(deps, client, team, draft.assignee)
        with transaction(deps.new_session) as session:
            found = task_service.task_with_record(session, team_id=team, task_id=task_id)
        if found is not None:
            task = found[0]
            text, blocks = assigned_message(
                _line(*found), assigner=actor, description=task.description, tz=tz, now=deps.clock()
            )
            client.chat_postMessage(channel=draft.assignee, text=text, blocks=blocks)
    for person in dict.fromkeys(p for p in (draft.assignee, actor, previous) if p):
        publish_home(surface, deps, client, team, person)
