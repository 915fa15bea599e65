"""Modals opened from the shared card buttons (lead and opportunity alike)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.activities import CALL_OUTCOMES, DIRECTIONS, STAKEHOLDER_ROLES
from bot.domain.leads import DISQUALIFY_REASONS
from bot.ids import (
    VIEW_ADD_NOTE,
    VIEW_APPOINTMENT,
    VIEW_ASK,
    VIEW_COMPETITOR,
    VIEW_DISQUALIFY,
    VIEW_LOG_CALL,
    VIEW_SHARE,
    VIEW_STAKEHOLDER,
    Metadata,
)
from bot.views.blocks import Block, context, escape, modal, option
from bot.views.inputs import labelled, radios, select, text_input

ModalContext = Metadata  # which record, and which card message to refresh afterwards


def _about(title: str) -> Block:
    return context(f"For: *{escape(title)}*")


def log_call_modal(ctx: ModalContext, title: str) -> dict[str, Any]:
    blocks = [
        _about(title),
        labelled("subject", "Subject", text_input(max_length=300, placeholder="e.g. Follow-up on the trade fair")),
        labelled("direction", "Direction", radios(DIRECTIONS, initial="Outgoing")),
        labelled("outcome", "Outcome", select(CALL_OUTCOMES, placeholder="How did it go?"), optional=True),
        labelled("notes", "Notes", text_input(multiline=True), optional=True),
    ]
    return modal("Log call", blocks, callback_id=VIEW_LOG_CALL, submit="Save", metadata=ctx.encode())


def note_modal(ctx: ModalContext, title: str) -> dict[str, Any]:
    blocks = [_about(title), labelled("note", "Note", text_input(multiline=True))]
    return modal("Add note", blocks, callback_id=VIEW_ADD_NOTE, submit="Save", metadata=ctx.encode())


def appointment_modal(ctx: ModalContext, title: str, *, initial_start: int) -> dict[str, Any]:
    blocks = [
        _about(title),
        labelled("subject", "Subject", text_input(max_length=300, placeholder="e.g. Demo at the customer's site")),
        labelled(
            "start",
            "Start",
            {"type": "datetimepicker", "initial_date_time": initial_start},
            hint="In your own Slack time zone.",
        ),
        labelled("duration", "Duration (minutes)", text_input(max_length=4, initial="30")),
        labelled(
            "attendees",
            "Attendees",
            {"type": "multi_users_select", "placeholder": {"type": "plain_text", "text": "Colleagues to invite"}},
            optional=True,
        ),
        labelled("location", "Location", text_input(max_length=300), optional=True),
    ]
    return modal("Schedule appointment", blocks, callback_id=VIEW_APPOINTMENT, submit="Schedule", metadata=ctx.encode())


def ask_colleagues_modal(ctx: ModalContext, title: str) -> dict[str, Any]:
    channel = {
        "type": "conversations_select",
        "placeholder": {"type": "plain_text", "text": "Pick a channel"},
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    blocks = [
        _about(title),
        labelled("channel", "Channel", channel, hint="Replies in the thread land on the timeline."),
        labelled("question", "Question", text_input(multiline=True, max_length=2500)),
    ]
    return modal("Ask colleagues", blocks, callback_id=VIEW_ASK, submit="Ask", metadata=ctx.encode())


def stakeholder_modal(ctx: ModalContext, title: str) -> dict[str, Any]:
    blocks = [
        _about(title),
        labelled(
            "person",
            "Person",
            {"type": "users_select", "placeholder": {"type": "plain_text", "text": "A colleague or guest in Slack"}},
            optional=True,
        ),
        labelled("name", "Name", text_input(max_length=200, placeholder="…or the contact's name"), optional=True),
        labelled("role", "Role", select(STAKEHOLDER_ROLES, placeholder="Their part in the decision")),
    ]
    return modal("Add stakeholder", blocks, callback_id=VIEW_STAKEHOLDER, submit="Add", metadata=ctx.encode())


def competitor_modal(ctx: ModalContext, title: str) -> dict[str, Any]:
    blocks = [
        _about(title),
        labelled("name", "Name", text_input(max_length=200)),
        labelled("strengths", "Strengths", text_input(multiline=True, max_length=2000), optional=True),
        labelled("weaknesses", "Weaknesses", text_input(multiline=True, max_length=2000), optional=True),
    ]
    return modal("Add competitor", blocks, callback_id=VIEW_COMPETITOR, submit="Add", metadata=ctx.encode())


def share_modal(ctx: ModalContext, title: str, teams: Sequence[tuple[int, str]] = ()) -> dict[str, Any]:
    """`Users` and `Teams` (the workspace's teams; a static select holds 100, the first 100 by name)."""
    users = {"type": "multi_users_select", "placeholder": {"type": "plain_text", "text": "Who may work it"}}
    blocks = [_about(title), labelled("users", "Users", users, optional=True)]
    if teams:
        choices = {
            "type": "multi_static_select",
            "placeholder": {"type": "plain_text", "text": "Every member may work it"},
            "options": [option(name, str(team_id)) for team_id, name in teams[:100]],
        }
        blocks.append(labelled("teams", "Teams", choices, optional=True))
    else:
        blocks.append(context("*Teams*: none yet — an admin creates them with `/salesbot admin`."))
    return modal("Share", blocks, callback_id=VIEW_SHARE, submit="Share", metadata=ctx.encode())


def disqualify_modal(ctx: ModalContext, title: str, reasons: Sequence[str] = DISQUALIFY_REASONS) -> dict[str, Any]:
    blocks = [
        _about(title),
        labelled("reason", "Reason", select(list(reasons), placeholder="Why is it not going ahead?")),
        labelled("note", "Note", text_input(multiline=True, max_length=2000), optional=True),
    ]
    return modal("Disqualify lead", blocks, callback_id=VIEW_DISQUALIFY, submit="Disqualify", metadata=ctx.encode())
