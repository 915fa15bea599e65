"""The buttons every lead and opportunity card shares: log call, add note, schedule appointment,
ask colleagues, add stakeholder, add competitor, share and timeline.

Each button checks the workspace and permission, then opens its modal; each modal validates in the
domain, writes in one transaction, and refreshes the card the user acted on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlmodel import Session

from bot.deps import Deps
from bot.domain import activities as rules
from bot.ids import (
    ACTION_TIMELINE_PAGE,
    RECORD_ADD_COMPETITOR,
    RECORD_ADD_NOTE,
    RECORD_ADD_STAKEHOLDER,
    RECORD_ASK_COLLEAGUES,
    RECORD_LOG_CALL,
    RECORD_SCHEDULE_APPOINTMENT,
    RECORD_TIMELINE,
    VIEW_ADD_NOTE,
    VIEW_APPOINTMENT,
    VIEW_ASK,
    VIEW_COMPETITOR,
    VIEW_LOG_CALL,
    VIEW_SHARE,
    VIEW_STAKEHOLDER,
    VIEW_TIMELINE,
    RecordRef,
)
from bot.services import people as people_service
from bot.services import records as record_service
from bot.services.records import Record
from bot.surface import Surface
from bot.views import activity_modals as modals
from bot.views.blocks import Block, modal, section
from bot.views.inputs import submitted_values
from bot.views.markup import escape, mention
from bot.views.timeline import Page, decode_page_value, timeline_blocks
from handlers.cards import opened_from, post_card, refresh_card
from handlers.context import asker, user_id
from handlers.listeners import after_ack, later, refusals_as_field_errors
from handlers.record_loading import action_ref, load_record, load_record_in, safe_ref
from handlers.replies import join_channel, open_view, replace_message, reply_ephemeral
from store.db import transaction

log = logging.getLogger("salesbot.records")
ModalBuilder = Callable[[Deps, modals.ModalContext, str], dict[str, Any]]


def _appointment_modal(deps: Deps, ctx: modals.ModalContext, title: str) -> dict[str, Any]:
    next_hour = (deps.clock() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return modals.appointment_modal(ctx, title, initial_start=int(next_hour.timestamp()))


def _plain(builder: Callable[[modals.ModalContext, str], dict[str, Any]]) -> ModalBuilder:
    return lambda deps, ctx, title: builder(ctx, title)


# button -> (what the permission message calls it, modal builder)
MODAL_BUTTONS: dict[str, tuple[str, ModalBuilder]] = {
    RECORD_LOG_CALL: ("log a call", _plain(modals.log_call_modal)),
    RECORD_ADD_NOTE: ("add a note", _plain(modals.note_modal)),
    RECORD_ASK_COLLEAGUES: ("ask colleagues about it", _plain(modals.ask_colleagues_modal)),
    RECORD_ADD_STAKEHOLDER: ("add a stakeholder", _plain(modals.stakeholder_modal)),
    RECORD_ADD_COMPETITOR: ("add a competitor", _plain(modals.competitor_modal)),
    RECORD_SCHEDULE_APPOINTMENT: ("schedule an appointment", _appointment_modal),
}


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    surface.uses("channels:join", "channels:read", "groups:read", "chat:write")
    for action_id, (change, builder) in MODAL_BUTTONS.items():
        after_ack(app, deps, action_id, functools.partial(open_record_modal, deps, change=change, builder=builder))
    after_ack(app, deps, RECORD_TIMELINE, functools.partial(show_timeline, deps))
    after_ack(app, deps, ACTION_TIMELINE_PAGE, functools.partial(show_timeline_page, deps))
    for callback_id, form in FORMS.items():
        app.view(callback_id)(refusals_as_field_errors(functools.partial(submit_record_modal, deps, form)))


@dataclass(frozen=True)
class Saving:
    """What a record modal's writer needs besides the session: who saves, and how to reach Slack."""

    deps: Deps
    client: WebClient
    body: dict[str, Any]
    user: str


Validator = Callable[[Deps, WebClient, dict[str, Any], dict[str, Any]], tuple[Any, dict[str, str]]]


@dataclass(frozen=True)
class Form:
    """A record modal: what the permission message calls it, how its input is checked, how it is saved."""

    change: str
    validate: Validator
    write: Callable[[Saving, Session, Record, Any], Callable[[], object] | None]


def _share_users(
    deps: Deps, client: WebClient, body: dict[str, Any], values: dict[str, Any]
) -> tuple[Any, dict[str, str]]:
    users = [u for u in values.get("users") or [] if u != user_id(body)]
    teams = [int(v) for v in values.get("teams") or [] if str(v).isdigit() and len(str(v)) < 19]
    wanted = "Pick at least one colleague other than yourself, or a team."
    return (users, teams), ({} if users or teams else {"users": wanted})


def _question(
    deps: Deps, client: WebClient, body: dict[str, Any], values: dict[str, Any]
) -> tuple[Any, dict[str, str]]:
    asked, errors = rules.validate_question(values)
    problem = join_channel(client, asked[0], private_hint=PRIVATE_CHANNEL) if asked else None
    return asked, ({"channel": problem} if problem else errors)


def _appointment_values(
    deps: Deps, client: WebClient, body: dict[str, Any], values: dict[str, Any]
) -> tuple[Any, dict[str, str]]:
    return rules.validate_appointment(values, now=deps.clock())


def _domain(check: Callable[[dict[str, Any]], tuple[Any, dict[str, str]]]) -> Validator:
    return lambda deps, client, body, values: check(values)


def submit_record_modal(
    deps: Deps, form: Form, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Validate → check permission again (the record may have changed) → write, in one transaction
    → ack → refresh the card. A refusal becomes a field error (refusals_as_field_errors)."""
    draft, errors = form.validate(deps, client, body, submitted_values(view["state"]))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ctx = modals.ModalContext.decode(view.get("private_metadata", ""))
    user = user_id(body)
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, safe_ref(ctx.ref), change=form.change)
        follow_up = form.write(Saving(deps, client, body, user), session, loaded.record, draft)
        record_service.rescore_if_lead(session, loaded.record, now=deps.clock())
    ack()
    if follow_up is not None:
        later(deps, client, body, follow_up)
    later(deps, client, body, refresh_card, deps, client, loaded.viewer.team_id, loaded.ref,
          channel=ctx.channel, ts=ctx.ts, response_url=ctx.response_url)  # fmt: skip


def _title(record: Record) -> str:
    return str(record.topic)


def open_record_modal(
    deps: Deps, client: WebClient, body: dict[str, Any], *, change: str, builder: ModalBuilder
) -> None:
    loaded = load_record(deps, body, action_ref(body), change=change)
    record_service.require_open(loaded.record, loaded.ref, change)
    ctx = opened_from(body, modals.ModalContext(ref=loaded.ref.encode()))
    open_view(client, body, builder(deps, ctx, _title(loaded.record)))


FollowUp = Callable[[], object] | None  # Slack work a writer leaves for after the commit


def _note(saving: Saving, session: Session, record: Record, note: str | None) -> FollowUp:
    record_service.add_note(session, record, saving.user, note or "")
    return None


def _log_call(saving: Saving, session: Session, record: Record, call: rules.Call | None) -> FollowUp:
    assert call is not None
    record_service.log_call(session, record, saving.user, call)
    return None


def _appointment(saving: Saving, session: Session, record: Record, draft: rules.AppointmentDraft | None) -> FollowUp:
    assert draft is not None
    minutes, now = saving.deps.settings.reminder_minutes_before, saving.deps.clock()
    record_service.schedule_appointment(session, record, saving.user, draft, default_minutes=minutes, now=now)
    return None


def _stakeholder(saving: Saving, session: Session, record: Record, draft: rules.StakeholderDraft | None) -> FollowUp:
    assert draft is not None
    people_service.add_stakeholder(session, record, saving.user, draft)
    return None


def _competitor(saving: Saving, session: Session, record: Record, draft: rules.CompetitorDraft | None) -> FollowUp:
    assert draft is not None
    people_service.add_competitor(session, record, saving.user, draft)
    return None


def _share(saving: Saving, session: Session, record: Record, wanted: tuple[list[str], list[int]]) -> FollowUp:
    users, teams = wanted
    added = record_service.share(session, record, saving.user, users, teams)
    ref = RecordRef(record_service.type_of(record), record.id or 0)
    return functools.partial(notify_shared, saving, record.team_id, ref, added) if added else None


def notify_shared(saving: Saving, team: str, ref: RecordRef, users: list[str]) -> None:
    kind = record_service.kind_word(ref)
    intro = [section(f"{mention(saving.user)} shared this {kind} with you: you may read and work it.")]
    for user in users:
        post_card(saving.deps, saving.client, team, ref, to_user=user, text="Shared with you: {card}", intro=intro)


PRIVATE_CHANNEL = "salesbot is not in that private channel: invite it with `/invite @salesbot`, then ask again."


def _ask(saving: Saving, session: Session, record: Record, asked: tuple[str, str] | None) -> FollowUp:
    assert asked is not None
    channel, question = asked
    activity_id = record_service.ask_colleagues(session, record, saving.user, channel, question)
    ref = RecordRef(record_service.type_of(record), record.id or 0)
    return functools.partial(post_question, saving, record.team_id, ref, channel, question, activity_id)


def post_question(saving: Saving, team: str, ref: RecordRef, channel: str, question: str, activity_id: int) -> None:
    """Post the card with the question in the channel; replies in its thread land on the timeline."""
    deps, client = saving.deps, saving.client
    intro = [section(f":raising_hand: {mention(saving.user)} asks: {escape(question)}")]
    response = post_card(deps, client, team, ref, channel=channel, text="{card} — question from a colleague",
                         intro=intro, kind="ask")  # fmt: skip
    if response is None:
        return
    permalink = client.chat_getPermalink(channel=response["channel"], message_ts=response["ts"]).get("permalink")
    with transaction(deps.new_session) as session:
        record_service.question_posted(
            session, team_id=team, activity_id=activity_id, ts=response["ts"], permalink=permalink
        )


FORMS: dict[str, Form] = {
    VIEW_LOG_CALL: Form("log a call", _domain(rules.validate_call), _log_call),
    VIEW_ADD_NOTE: Form("add a note", _domain(rules.validate_note), _note),
    VIEW_APPOINTMENT: Form("schedule an appointment", _appointment_values, _appointment),
    VIEW_STAKEHOLDER: Form("add a stakeholder", _domain(rules.validate_stakeholder), _stakeholder),
    VIEW_COMPETITOR: Form("add a competitor", _domain(rules.validate_competitor), _competitor),
    VIEW_SHARE: Form("share it", _share_users, _share),
    VIEW_ASK: Form("ask colleagues about it", _question, _ask),
}


def show_timeline(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    _show_timeline(deps, client, body, action_ref(body), 0, replace=False)


def show_timeline_page(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    decoded = decode_page_value(body["actions"][0].get("value", ""))
    ref = safe_ref(decoded[0]) if decoded else None
    _show_timeline(deps, client, body, ref, decoded[1] if decoded else 0, replace=True)


def _show_timeline(
    deps: Deps, client: WebClient, body: dict[str, Any], ref: RecordRef | None, page: int, *, replace: bool
) -> None:
    shown = record_service.timeline_page(deps.engine, deps.new_session, asker(deps, body), ref, page)
    blocks = timeline_blocks(shown.topic, shown.ref.encode(), Page(shown.entries, shown.page, shown.pages))
    _show(client, body, f"Timeline: {escape(shown.topic)}", blocks, replace=replace)


def _show(client: WebClient, body: dict[str, Any], text: str, blocks: list[Block], *, replace: bool) -> None:
    """Show blocks to the clicking user: an ephemeral message under a message, a modal elsewhere."""
    view = body.get("view")
    if view:
        modal_view = modal("Timeline", blocks, callback_id=VIEW_TIMELINE)
        if replace and view.get("type") == "modal":
            client.views_update(view_id=view["id"], view=modal_view)
        else:
            open_view(client, body, modal_view)
        return
    if replace:
        replace_message(client, body, text, blocks)
        return
    reply_ephemeral(client, body, text, blocks)
