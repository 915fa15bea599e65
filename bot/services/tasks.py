"""Ad-hoc task use cases: add, edit (and reassign) a task, on a record or on its own.

The caller owns the transaction; nothing here talks to Slack or builds Block Kit. A refusal raises
`FieldRefused` naming the modal field it is about; nothing is written then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.domain.kinds import RecordType, TaskStatus, is_open
from bot.domain.permissions import may_change
from bot.domain.tasks import TaskDraft
from bot.messages import NOT_ALLOWED, TASK_GONE
from bot.refusals import FieldRefused, Refused
from store import adhoc_tasks as task_store
from store import task_lists
from store.access import Viewer
from store.activities import add_activity
from store.models import Task
from store.prepared import reading
from store.records import Record, change_facts, get_record
from store.records import RecordTitle as RecordTitle
from store.task_lists import TaskSummary as TaskSummary
from store.tasks import get_task
from store.users import viewer_for

ASSIGNEE_MAY_NOT = "<@{user}> may not work this {kind}: share it with them first, or pick someone else."
NOT_YOURS = "Only the task's owner, the person who added it, their manager or an admin can change it."


@dataclass(frozen=True)
class TaskChange:
    """What an edit did: who now owns the task, and who owned it before when that changed."""

    task: Task
    previous_owner: str | None


def user_may_work(
    session: Session, *, record: Record, record_type: str, user_id: str, admin_ids: frozenset[str]
) -> bool:
    """Whether `user_id` may read and work the record (owner, sharees and teams, owner's manager, admins)."""
    someone = viewer_for(session, team_id=record.team_id, user_id=user_id, admin_ids=admin_ids)
    return may_change(**change_facts(session, viewer=someone, record=record, record_type=record_type))  # type: ignore[arg-type]


def add_task(
    session: Session,
    *,
    team_id: str,
    creator: str,
    draft: TaskDraft,
    record_type: str | None,
    record_id: int | None,
    admin_ids: frozenset[str],
    now: datetime,
) -> Task:
    """A task for the assignee (anyone for a lone task; someone who may work the record otherwise)."""
    record = _record(session, team_id, record_type, record_id)
    if record is not None and record_type:
        _check_assignee(session, record, record_type, draft.assignee, admin_ids)
    task = task_store.create_adhoc_task(
        session,
        team_id=team_id,
        owner_id=draft.assignee,
        created_by=creator,
        title=draft.subject,
        due_at=draft.due_at,
        priority=draft.priority,
        description=draft.description,
        record_type=record_type if record is not None else None,
        record_id=record_id if record is not None else None,
        now=now,
    )
    _log(session, task, creator, f"Task added: {draft.subject}", now)
    return task


def edit_task(
    session: Session, task: Task, *, editor: str, draft: TaskDraft, admin_ids: frozenset[str], now: datetime
) -> TaskChange:
    """Change subject, due time, priority, description or assignee; each change is on the timeline."""
    if task.status != TaskStatus.OPEN:
        raise FieldRefused("subject", "That task is already done or no longer exists.")
    record = _record(session, task.team_id, task.record_type, task.record_id)
    previous = task.owner_id if draft.assignee != task.owner_id else None
    if previous and record is not None and task.record_type:
        _check_assignee(session, record, task.record_type, draft.assignee, admin_ids)
    task_store.update_task(
        session,
        task,
        title=draft.subject,
        due_at=draft.due_at,
        priority=draft.priority,
        description=draft.description,
        owner_id=draft.assignee,
    )
    _log(session, task, editor, f"Task {'reassigned' if previous else 'edited'}: {draft.subject}", now)
    return TaskChange(task, previous)


def may_edit_task(task: Task, *, user_id: str, is_admin: bool, reps: frozenset[str]) -> bool:
    return is_admin or user_id in (task.owner_id, task.created_by) or task.owner_id in reps


def require_open(record: Record) -> None:
    """Tasks are added to open records only."""
    if not is_open(record.status):
        raise Refused(f"This record is {record.status}: reopen it first to add a task.")


def edit_problem(task: Task | None, *, viewer: Viewer) -> str | None:
    """Why the viewer may not open or change this task (None: they may); sequence steps are not edited."""
    if task is None or task.status != TaskStatus.OPEN or task.enrollment_id is not None:
        return TASK_GONE
    if may_edit_task(task, user_id=viewer.user_id, is_admin=viewer.is_admin, reps=viewer.reps):
        return None
    return NOT_ALLOWED.format(action="change this task")


def task_to_change(session: Session, *, viewer: Viewer, task_id: int) -> Task:
    """The open ad-hoc task the viewer may change (a refusal under the Subject field otherwise)."""
    task = get_task(session, team_id=viewer.team_id, task_id=task_id)
    problem = edit_problem(task, viewer=viewer)
    if problem is not None or task is None:
        raise FieldRefused("subject", problem or TASK_GONE)
    return task


def task_record(session: Session, task: Task) -> Record | None:
    """The lead or opportunity the task is about (None for a lone task, or when it is gone)."""
    if not task.record_type or not task.record_id:
        return None
    return get_record(session, team_id=task.team_id, record_type=task.record_type, record_id=task.record_id)


def task_with_record(session: Session, *, team_id: str, task_id: int) -> tuple[Task, Record | None] | None:
    task = get_task(session, team_id=team_id, task_id=task_id)
    return (task, task_record(session, task)) if task is not None else None


def open_task_page(engine: Engine, *, team_id: str, owner_id: str, limit: int) -> task_lists.OpenTaskPage:
    """`/task list`: one statement on a kept connection, outside the ORM (store/task_lists.py): the first of
    a user's open tasks, each with the record it is about, how many there are (exact) and the user's stored
    time zone. PostgreSQL runs it with its generic plan (planned once per connection: it does not depend on
    the values)."""
    with reading(engine, generic_plans=True) as reader:
        return task_lists.open_task_page(reader, team_id=team_id, owner_id=owner_id, limit=limit)


def _record(session: Session, team_id: str, record_type: str | None, record_id: int | None) -> Record | None:
    if not record_type or not record_id:
        return None
    record = get_record(session, team_id=team_id, record_type=record_type, record_id=record_id)
    if record is None:
        raise FieldRefused("subject", "That record no longer exists or you cannot see it.")
    return record


def _check_assignee(
    session: Session, record: Record, record_type: str, assignee: str, admin_ids: frozenset[str]
) -> None:
    if not user_may_work(session, record=record, record_type=record_type, user_id=assignee, admin_ids=admin_ids):
        kind = "lead" if record_type == RecordType.LEAD else "opportunity"
        raise FieldRefused("assignee", ASSIGNEE_MAY_NOT.format(user=assignee, kind=kind))


def _log(session: Session, task: Task, author: str, subject: str, now: datetime) -> None:
    """A timeline entry on the task's record (a lone task has no timeline). People and the due time are
    data: their markup is made when the timeline is drawn."""
    if not task.record_type or not task.record_id:
        return
    add_activity(
        session,
        team_id=task.team_id,
        record_type=task.record_type,
        record_id=task.record_id,
        kind="task",
        author_id=author,
        subject=subject[:300],
        data={"task_id": task.id, "people": [task.owner_id], "due": int(task.due_at.timestamp())},
        occurred_at=now,
    )
