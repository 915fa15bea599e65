"""Pure Block Kit builders of the assistant: reminders, task announcements, nudges, the work queue,
sequence modals and lists, settings, and the manager digest."""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.assistant import describe_step, format_local, steps_text
from bot.ids import (
    APPOINTMENT_DONE,
    APPOINTMENT_SKIP,
    APPOINTMENT_SNOOZE,
    ASSISTANT_OPEN,
    BLOCK_FAILED_NOTICE,
    BLOCK_SEQUENCE_ACTIONS,
    INPUT_ACTION,
    REMINDER_LOG_OUTCOME,
    REMINDER_SNOOZE,
    SEQUENCE_EDIT,
    SEQUENCE_NEW,
    TASK_DONE,
    TASK_OPEN,
    TASK_SKIP,
    TASK_SNOOZE,
    VIEW_LOG_OUTCOME,
    VIEW_SEQUENCE,
    VIEW_SETTINGS,
    VIEW_START_SEQUENCE,
    Metadata,
    RecordRef,
)
from bot.views import inputs
from bot.views.blocks import Block, actions, button, context, escape, header, modal, option, plain, section
from bot.views.leads import count_text
from store.listing import COUNT_CAP
from store.models import Lead, Opportunity

MESSAGE_BLOCKS_MAX = 50
QUEUE_ITEMS_MAX = 15
KIND_EMOJI = {
    "call": ":telephone_receiver:",
    "email": ":email:",
    "linkedin": ":link:",
    "task": ":ballot_box_with_check:",
}


@dataclass(frozen=True)
class RecordLabel:
    """How a lead or opportunity is named in assistant messages."""

    ref: str  # `lead:12`
    kind: str  # Lead | Opportunity
    title: str

    @property
    def text(self) -> str:
        return f"{self.kind} *{escape(self.title)}*"


def label_of(record: Lead | Opportunity) -> RecordLabel:
    if isinstance(record, Lead):
        return titled_label("lead", record.id or 0, record.topic, record.company)
    return titled_label("opportunity", record.id or 0, record.topic, record.account_name)


def titled_label(record_type: str, record_id: int, topic: str, extra: str) -> RecordLabel:
    """The label of a lead (`extra`: its company) or an opportunity (its account) read as columns."""
    kind = "Lead" if record_type == "lead" else "Opportunity"
    return RecordLabel(RecordRef(record_type, record_id).encode(), kind, _join(topic, extra))


def _join(topic: str, extra: str) -> str:
    return f"{topic} ({extra})" if extra and extra.lower() not in topic.lower() else topic


# --- Appointment reminders ---------------------------------------------------------------------


def reminder_message(
    *,
    appointment_id: int,
    subject: str,
    start_at: datetime,
    duration_minutes: int,
    location: str,
    tz: str,
    now: datetime,
    record: RecordLabel | None,
) -> tuple[str, list[Block]]:
    minutes = max(int((start_at - now).total_seconds() // 60), 0)
    when = format_local(start_at, tz)
    soon = "now" if minutes == 0 else f"in {minutes} min"
    text = f"Reminder: {escape(subject)} starts {soon} ({when})"
    lines = [f":alarm_clock: *{escape(subject)}* starts {soon}", f"*When:* {when} · {duration_minutes} min"]
    if location:
        lines.append(f"*Where:* {escape(location)}")
    if record is not None:
        lines.append(f"*About:* {record.text}")
    buttons = [
        button("Open", ASSISTANT_OPEN, record.ref if record else ""),
        button("Snooze 10 min", REMINDER_SNOOZE, str(appointment_id)),
        button("Log outcome", REMINDER_LOG_OUTCOME, str(appointment_id)),
    ]
    if record is None:
        buttons = buttons[1:]
    return text, [section("\n".join(lines)), *actions(buttons, block_id=f"reminder_{appointment_id}")]


def log_outcome_modal(appointment_id: int, subject: str, outcome: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "multiline": True,
        "max_length": 2000,
    }
    if outcome:
        element["initial_value"] = outcome[:2000]
    blocks = [
        section(f"*{escape(subject)}*"),
        {"type": "input", "block_id": "outcome", "label": plain("Outcome"), "element": element},
    ]
    return modal(
        "Log outcome",
        blocks,
        callback_id=VIEW_LOG_OUTCOME,
        submit="Save",
        metadata=Metadata(id=str(appointment_id)).encode(),
    )


# --- Tasks -------------------------------------------------------------------------------------


def task_buttons(task_id: int, record: RecordLabel | None, *, adhoc: bool = False) -> list[dict[str, Any]]:
    """A sequence step: Done / Skip / Snooze (and Open its record); an ad-hoc task: Done / Snooze / Open
    (the task, which links its record)."""
    value = str(task_id)
    if adhoc:  # `button(...)` of each, as literals: 45 buttons per `/task list`
        return [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Done", "emoji": True},
                "action_id": TASK_DONE,
                "value": value,
                "style": "primary",
            },
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Snooze", "emoji": True},
                "action_id": TASK_SNOOZE,
                "value": value,
            },
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open", "emoji": True},
                "action_id": TASK_OPEN,
                "value": value,
            },
        ]
    buttons = [
        button("Done", TASK_DONE, value, style="primary"),
        button("Skip", TASK_SKIP, value),
        button("Snooze", TASK_SNOOZE, value),
    ]
    if record is not None:
        buttons.append(button("Open", ASSISTANT_OPEN, record.ref))
    return buttons


def task_message(
    *, task_id: int, kind: str, title: str, sequence: str, due_at: datetime, tz: str, record: RecordLabel | None
) -> tuple[str, list[Block]]:
    emoji = KIND_EMOJI.get(kind, KIND_EMOJI["task"])
    about = f" for {record.text}" if record else ""
    lines = [f"{emoji} *{escape(title)}*{about}", f"Due {format_local(due_at, tz)}"]
    if sequence:
        lines[-1] += f" · sequence _{escape(sequence)}_"
    text = f"Task due: {escape(title)}" + (f" ({record.kind} {escape(record.title)})" if record else "")
    return text, [section("\n".join(lines)), *actions(task_buttons(task_id, record), block_id=f"task_{task_id}")]


# --- Nudges and failure notices ----------------------------------------------------------------

NUDGE_TEXT = {
    "overdue_task": ":hourglass: *{title}* is overdue (was due {due}) for {record}.",
    "past_close": ":calendar: {record} is past its estimated close date ({due}). Update the date or close it.",
    "stale": ":zzz: {record} has had no activity for {days} days.",
}


def nudge_message(
    *,
    kind: str,
    record: RecordLabel | None,
    title: str = "",
    due: str = "",
    days: int = 0,
    task_id: int | None = None,
    adhoc: bool = False,
) -> tuple[str, list[Block]]:
    about = record.text if record else "this record"
    line = NUDGE_TEXT[kind].format(title=escape(title), due=due, record=about, days=days)
    if record is None and kind == "overdue_task":  # a lone task is about no record
        line = line.replace(" for this record.", ".")
    blocks = [section(line)]
    if task_id is not None:
        blocks += actions(task_buttons(task_id, record, adhoc=adhoc), block_id=f"nudge_task_{task_id}")
    elif record is not None:
        blocks += actions([button("Open", ASSISTANT_OPEN, record.ref)], block_id=f"nudge_{record.ref}")
    plain_line = line.replace("*", "").replace(":hourglass: ", "").replace(":calendar: ", "").replace(":zzz: ", "")
    return plain_line, blocks


def failed_notice(*, kind: str, recipient: str, error: str, record: RecordLabel | None) -> tuple[str, list[Block]]:
    what = {
        "appointment_reminder": "an appointment reminder",
        "task_due": "a task announcement",
        "digest": "a digest",
        "nudge": "a nudge",
    }.get(kind, "a message")
    about = f" about {record.text}" if record else ""
    text = f"I could not deliver {what} to <@{recipient}>{about}: `{escape(error)}`."
    blocks = [section(f":warning: {text}")]
    if record is not None:
        blocks += actions([button("Open", ASSISTANT_OPEN, record.ref)], block_id=BLOCK_FAILED_NOTICE)
    return text, blocks


# --- Work queue (App Home section) -------------------------------------------------------------


@dataclass(frozen=True)
class QueueLine:
    due_at: datetime
    title: str
    kind: str  # call | email | task | linkedin | appointment
    task_id: int | None = None
    appointment_id: int | None = None
    record: RecordLabel | None = None
    priority: int = 2
    adhoc: bool = False  # an ad-hoc task (Done / Snooze / Open), not a sequence step


def work_queue_section(
    lines: Seq[QueueLine], *, total: int, tz: str, now: datetime, today_start: datetime
) -> list[Block]:
    """The first QUEUE_ITEMS_MAX of the `total` lines due (a count past COUNT_CAP says "1,000+")."""
    blocks: list[Block] = [header("My work queue")]
    if not lines:
        return [*blocks, section("Nothing due today. :sparkles:")]
    for line in lines[:QUEUE_ITEMS_MAX]:
        overdue = line.due_at < now and line.kind != "appointment"
        when = format_local(line.due_at, tz, with_date=line.due_at < today_start)
        status = " · *overdue*" if overdue else ""
        emoji = ":spiral_calendar_pad:" if line.kind == "appointment" else KIND_EMOJI.get(line.kind, "")
        about = f" — {line.record.text}" if line.record else ""
        blocks.append(section(f"{emoji} *{escape(line.title)}*{about}\n{when}{status}"))
        if line.task_id is not None:
            buttons = task_buttons(line.task_id, line.record, adhoc=line.adhoc)
            blocks += actions(buttons, block_id=f"queue_task_{line.task_id}")
        elif line.appointment_id is not None:
            value = f"appointment:{line.appointment_id}"
            buttons = [
                button("Done", APPOINTMENT_DONE, value, style="primary"),
                button("Skip", APPOINTMENT_SKIP, value),
                button("Snooze", APPOINTMENT_SNOOZE, value),
                button("Log outcome", REMINDER_LOG_OUTCOME, value),
            ]
            if line.record is not None:
                buttons.append(button("Open", ASSISTANT_OPEN, line.record.ref))
            blocks += actions(buttons, block_id=f"queue_appointment_{line.appointment_id}")
    shown = min(len(lines), QUEUE_ITEMS_MAX)
    if total > COUNT_CAP:
        blocks.append(context(f"Showing {shown} of {count_text(total, COUNT_CAP)}."))
    elif total > shown:
        blocks.append(context(f"…and {total - shown:,} more."))
    return blocks


# --- Sequences ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SequenceSummary:
    id: int
    name: str
    description: str
    steps: list[dict[str, Any]]
    active_enrollments: int = 0


def sequence_list(sequences: Seq[SequenceSummary], *, can_edit: bool) -> list[Block]:
    blocks: list[Block] = [header("Sequences")]
    for item in sequences[:20]:
        steps = " → ".join(describe_step(step) for step in item.steps)
        lines = [f"*{escape(item.name)}* · {item.active_enrollments} active"]
        if item.description:
            lines.append(escape(item.description))
        lines.append(escape(steps))
        accessory = button("Edit", SEQUENCE_EDIT, str(item.id)) if can_edit else None
        blocks.append(section("\n".join(lines), accessory=accessory))
    if can_edit:
        blocks += actions([button("New sequence", SEQUENCE_NEW, style="primary")], block_id=BLOCK_SEQUENCE_ACTIONS)
    else:
        blocks.append(context("Start one from a lead or opportunity card with *Start sequence*."))
    return blocks


def sequence_modal(
    *,
    sequence_id: int | None = None,
    name: str = "",
    description: str = "",
    steps: list[dict[str, Any]] | None = None,
    help_text: str = "",
) -> dict[str, Any]:
    def text_input(
        block_id: str,
        label: str,
        initial: str,
        *,
        multiline: bool,
        max_length: int,
        optional: bool = False,
        placeholder: str = "",
    ) -> Block:
        element = inputs.text_input(
            multiline=multiline, max_length=max_length, initial=initial, placeholder=placeholder
        )
        return inputs.labelled(block_id, label, element, optional=optional)

    blocks = [
        text_input("name", "Name", name, multiline=False, max_length=100),
        text_input("description", "Description", description, multiline=True, max_length=2000, optional=True),
        text_input(
            "steps",
            "Steps",
            steps_text(steps or []),
            multiline=True,
            max_length=3000,
            placeholder="call: Introduce yourself",
        ),
        context(help_text),
    ]
    title = "Edit sequence" if sequence_id else "New sequence"
    return modal(
        title, blocks, callback_id=VIEW_SEQUENCE, submit="Save", metadata=Metadata(id=str(sequence_id or "")).encode()
    )


def start_sequence_modal(ref: str, record_title: str, sequences: Seq[SequenceSummary]) -> dict[str, Any]:
    options = [option(item.name, str(item.id)) for item in sequences[:100]]
    preview = "\n".join(
        f"*{escape(item.name)}*: " + escape(" → ".join(describe_step(s) for s in item.steps))[:400]
        for item in sequences[:10]
    )
    blocks: list[Block] = [
        section(f"Enroll *{escape(record_title)}* in a sequence. Each step becomes a task in the owner's work queue."),
        {
            "type": "input",
            "block_id": "sequence",
            "label": plain("Sequence"),
            "element": {
                "type": "static_select",
                "action_id": INPUT_ACTION,
                "options": options,
                "placeholder": plain("Choose a sequence", 150),
            },
        },
    ]
    if preview:
        blocks.append(context(preview[:2900]))
    return modal(
        "Start sequence", blocks, callback_id=VIEW_START_SEQUENCE, submit="Start", metadata=Metadata(ref=ref).encode()
    )


# --- Settings ----------------------------------------------------------------------------------

SUMMARY_OPTION = "Send me a summary of my day every morning"
EMPTY_DIGEST_OPTION = "Send my team digest even on empty days"


def settings_modal(
    *,
    reminder_minutes: int | None,
    default_minutes: int,
    daily_summary: bool,
    digest_when_empty: bool,
    is_manager: bool,
    digest_hour: int,
) -> dict[str, Any]:
    minutes: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "max_length": 4,
        "placeholder": plain(f"{default_minutes} (the workspace default)", 150),
    }
    if reminder_minutes is not None:
        minutes["initial_value"] = str(reminder_minutes)
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": "reminder_minutes",
            "label": plain("Reminder minutes before"),
            "optional": True,
            "element": minutes,
            "hint": plain("How long before an appointment I remind you. Empty: the workspace default."),
        },
        _checkbox(
            "daily_summary",
            "Daily summary",
            SUMMARY_OPTION,
            daily_summary,
            f"At {digest_hour}:00 in your time zone: today's appointments and tasks, and overdue items.",
        ),
    ]
    if is_manager:
        hint = "Your team digest is skipped on days with nothing to report unless this is on."
        blocks.append(_checkbox("digest_when_empty", "Digest when empty", EMPTY_DIGEST_OPTION, digest_when_empty, hint))
    return modal("Settings", blocks, callback_id=VIEW_SETTINGS, submit="Save")


def _checkbox(block_id: str, label: str, text: str, checked: bool, hint: str) -> Block:
    element: dict[str, Any] = {"type": "checkboxes", "action_id": INPUT_ACTION, "options": [option(text, "yes")]}
    if checked:
        element["initial_options"] = [option(text, "yes")]
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "optional": True,
        "element": element,
        "hint": plain(hint),
    }


# --- Digest ------------------------------------------------------------------------------------


@dataclass
class DigestItem:
    text: str
    ref: str | None = None  # a record to open
    label: str = ""  # the record's short name on its Open button


SECTION_ITEMS = 15  # a digest section lists this many and counts the rest


@dataclass
class Digest:
    """What a manager (team) or a rep (self) gets in the morning; sections in display order."""

    title: str
    sections: list[tuple[str, list[DigestItem]]] = field(default_factory=list)
    more: dict[str, int] = field(default_factory=dict)  # per heading: items counted but not read
    at_least: set[str] = field(default_factory=set)  # headings whose `more` was counted up to a cap: "1,000+"

    @property
    def empty(self) -> bool:
        return not any(items for _, items in self.sections)


def digest_message(digest: Digest) -> tuple[str, list[Block]]:
    blocks: list[Block] = [header(digest.title)]
    budget = MESSAGE_BLOCKS_MAX - 2
    for heading, items in digest.sections:
        if not items or len(blocks) >= budget:
            continue
        lines = [f"• {item.text}" for item in items[:SECTION_ITEMS]]
        if (more := max(0, len(items) - SECTION_ITEMS) + digest.more.get(heading, 0)) > 0:
            lines.append(f"…and {more:,}{'+' if heading in digest.at_least else ''} more")
        blocks.append(section(f"*{heading}*\n" + "\n".join(lines)))
        refs = list(dict.fromkeys(item.ref for item in items if item.ref))[:5]
        if refs and len(blocks) < budget:
            labels = {item.ref: item.label for item in items if item.ref}
            buttons = [button(f"Open {_short(labels[ref] or ref)}", ASSISTANT_OPEN, ref) for ref in refs]
            blocks += actions(buttons, block_id=f"digest_{len(blocks)}")
    if digest.empty:
        blocks.append(section("Nothing to report today. :sunny:"))
    blocks.append(context("Change what you receive with `/salesbot settings`."))
    return digest.title, blocks


def _short(text: str) -> str:
    return text[:40] + ("…" if len(text) > 40 else "")
