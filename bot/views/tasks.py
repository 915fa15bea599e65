"""Pure Block Kit builders of ad-hoc tasks: the Add task / Task modal, `/task list`, the DM telling
someone a task was assigned to them, and the DM at the task's due time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.assistant import format_local
from bot.domain.tasks import PRIORITIES, priority_label
from bot.ids import ASSISTANT_OPEN, BLOCK_TASK_RECORD, VIEW_TASK_ADD, VIEW_TASK_EDIT
from bot.views.assistant import KIND_EMOJI, RecordLabel, task_buttons
from bot.views.blocks import Block, actions, button, context, escape, header, modal, section
from bot.views.inputs import labelled, select, text_input
from bot.views.leads import count_text
from bot.views.markup import mention

LIST_MAX = 15


@dataclass(frozen=True)
class TaskForm:
    """What the Add task / Task modal shows; `metadata` says what it is about (record, card or task)."""

    metadata: str
    due: int  # unix seconds: the picker's initial date and time
    assignee: str
    subject: str = ""
    priority: int = 2
    description: str = ""
    record: RecordLabel | None = None


def add_task_modal(form: TaskForm) -> dict[str, Any]:
    return modal("Add task", _task_blocks(form), callback_id=VIEW_TASK_ADD, submit="Add", metadata=form.metadata)


def edit_task_modal(form: TaskForm) -> dict[str, Any]:
    blocks = _task_blocks(form)
    if form.record is not None:
        open_record = button(f"Open {form.record.kind.lower()}", ASSISTANT_OPEN, form.record.ref)
        blocks += actions([open_record], block_id=BLOCK_TASK_RECORD)
    return modal("Task", blocks, callback_id=VIEW_TASK_EDIT, submit="Save", metadata=form.metadata)


def _task_blocks(form: TaskForm) -> list[Block]:
    assignee = {"type": "users_select", "placeholder": {"type": "plain_text", "text": "Who does it"}}
    if form.assignee:
        assignee["initial_user"] = form.assignee
    blocks: list[Block] = [context(f"For: {form.record.text}")] if form.record else []
    return [
        *blocks,
        labelled(
            "subject", "Subject", text_input(max_length=300, initial=form.subject, placeholder="e.g. Send the offer")
        ),
        labelled(
            "due", "Due", {"type": "datetimepicker", "initial_date_time": form.due}, hint="In your own time zone."
        ),
        labelled("assignee", "Assignee", assignee, hint="Told in a DM when it is not you."),
        labelled("priority", "Priority", select(tuple(PRIORITIES), initial=priority_label(form.priority))),
        labelled(
            "description",
            "Description",
            text_input(multiline=True, max_length=2000, initial=form.description),
            optional=True,
        ),
    ]


@dataclass(frozen=True)
class TaskLine:
    task_id: int
    title: str
    kind: str
    due_at: datetime
    priority: int
    adhoc: bool
    record: RecordLabel | None = None


def _line_text(line: TaskLine, tz: str, now: datetime) -> str:
    emoji = KIND_EMOJI.get(line.kind, KIND_EMOJI["task"])
    about = f" — {line.record.text}" if line.record else ""
    overdue = " · *overdue*" if line.due_at < now else ""
    priority = f" · {priority_label(line.priority)} priority" if line.priority != 2 else ""
    return f"{emoji} *{escape(line.title)}*{about}\nDue {format_local(line.due_at, tz)}{priority}{overdue}"


def task_list(lines: Sequence[TaskLine], *, total: int, tz: str, now: datetime) -> list[Block]:
    """`/task list`: the user's first open tasks, each with its buttons (at most LIST_MAX, under 50 blocks),
    and how many there are in all (`total`, exact)."""
    blocks: list[Block] = [header("My tasks")]
    if not lines:
        return [*blocks, section("No open tasks. Add one with `/task` or `Add task` on a card.")]
    for line in lines[:LIST_MAX]:
        blocks.append(section(_line_text(line, tz, now)))
        blocks += actions(
            task_buttons(line.task_id, line.record, adhoc=line.adhoc), block_id=f"list_task_{line.task_id}"
        )
    shown = min(len(lines), LIST_MAX)
    if total > shown:
        blocks.append(context(f"Showing {shown} of {count_text(total)}: the work queue on the Home tab lists today's."))
    return blocks


def assigned_message(
    line: TaskLine, *, assigner: str, description: str, tz: str, now: datetime
) -> tuple[str, list[Block]]:
    """The DM to someone a task was just given to."""
    text = f"New task from a colleague: {escape(line.title)}"
    blocks: list[Block] = [section(f"{mention(assigner)} gave you a task.\n{_line_text(line, tz, now)}")]
    if description:
        blocks.append(section(escape(description)))
    blocks += actions(task_buttons(line.task_id, line.record, adhoc=True), block_id=f"assigned_task_{line.task_id}")
    return text, blocks


def task_due_message(line: TaskLine, *, description: str, tz: str, now: datetime) -> tuple[str, list[Block]]:
    """The one DM at an ad-hoc task's due time."""
    text = f"Task due: {escape(line.title)}" + (
        f" ({line.record.kind} {escape(line.record.title)})" if line.record else ""
    )
    blocks: list[Block] = [section(f":alarm_clock: Due now\n{_line_text(line, tz, now)}")]
    if description:
        blocks.append(context(escape(description)[:2900]))
    blocks += actions(task_buttons(line.task_id, line.record, adhoc=True), block_id=f"due_task_{line.task_id}")
    return text, blocks
