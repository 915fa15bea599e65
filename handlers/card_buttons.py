"""The buttons every lead and opportunity card shares: log call, add note, schedule appointment,
ask colleagues, add stakeholder, add competitor, share and timeline.

Each button checks the workspace and permission, then opens its modal; each modal validates in the
domain, writes in one transaction, and refreshes the card the user acted on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlmodel import Session

from bot.deps import Deps
from bot.domain import activities as rules
from bot.ids import (
    RECORD_ADD_COMPETITOR,
    RECORD_ADD_NOTE,
    RECORD_ADD_STAKEHOLDER,
    RECORD_ASK_COLLEAGUES,
    RECORD_LOG_CALL,
    RECORD_SCHEDULE_APPOINTMENT,
    RECORD_SHARE,
    RECORD_TIMELINE,
    RecordRef,
    decode_ref,
)
from bot.services import leads as lead_service
from bot.services.opportunity_stages import auto_complete_step
from bot.surface import Surface
from bot.views import activity_modals as modals
from bot.views.blocks import Block, modal, section
from bot.views.inputs import submitted_values
from bot.views.markup import escape, mention
from bot.views.timeline import ACTION_TIMELINE_PAGE, Page, decode_page_value, paginate, timeline_blocks
from handlers.cards import refresh_card, render_card, source_of
from handlers.context import team_id, user_id
from handlers.listeners import after_ack
from handlers.record_loading import Loaded, action_ref, load_record
from handlers.replies import open_dm, reply_ephemeral
from store import appointments as appointment_store
from store import people as people_store
from store.activities import activity_slice, add_activity, count_activities, record_post
from store.db import transaction
from store.models import Activity, Lead
from store.records import get_record, share

log = logging.getLogger("salesbot.records")
ModalBuilder = Callable[[modals.ModalContext, str], dict[str, Any]]

# button -> (what the permission message calls it, modal builder)
MODAL_BUTTONS: dict[str, tuple[str, ModalBuilder]] = {
    RECORD_LOG_CALL: ("log a call", modals.log_call_modal),
    RECORD_ADD_NOTE: ("add a note", modals.note_modal),
    RECORD_ASK_COLLEAGUES: ("ask colleagues about it", modals.ask_colleagues_modal),
    RECORD_ADD_STAKEHOLDER: ("add a stakeholder", modals.stakeholder_modal),
    RECORD_ADD_COMPETITOR: ("add a competitor", modals.competitor_modal),
    RECORD_SHARE: ("share it", modals.share_modal),
}
NOT_ON_CLOSED = "This {kind} is {status}: reopen it first to {action}."


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    surface.uses("channels:join", "channels:read", "groups:read", "chat:write")

    for action_id, (change, builder) in MODAL_BUTTONS.items():
        app.action(action_id)(_opener(deps, change, builder))
    app.action(RECORD_SCHEDULE_APPOINTMENT)(_opener(deps, "schedule an appointment", _appointment_builder(deps)))

    after_ack(app, deps, RECORD_TIMELINE, lambda client, body: _show_timeline(deps, client, body, action_ref(body), 0))

    @app.action(ACTION_TIMELINE_PAGE)
    def timeline_page(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        decoded = decode_page_value(body["actions"][0].get("value", ""))
        ref = _safe_ref(decoded[0]) if decoded else None
        deps.background.submit(_show_timeline, deps, client, body, ref, decoded[1] if decoded else 0)

    for callback_id, form in _forms(deps).items():
        app.view(callback_id)(_submitter(deps, form))


@dataclass(frozen=True)
class Form:
    """A record modal: what the permission message calls it, how its input is checked, how it is saved."""

    change: str
    validate: Callable[[WebClient, dict[str, Any], dict[str, Any]], tuple[Any, dict[str, str]]]
    write: Callable[[WebClient, Session, Any, str, Any], None]


def _forms(deps: Deps) -> dict[str, Form]:
    def share_users(client: WebClient, body: dict[str, Any], values: dict[str, Any]) -> tuple[Any, dict[str, str]]:
        users = [u for u in values.get("users") or [] if u != user_id(body)]
        return users, ({} if users else {"users": "Pick at least one colleague other than yourself."})

    def question(client: WebClient, body: dict[str, Any], values: dict[str, Any]) -> tuple[Any, dict[str, str]]:
        asked, errors = rules.validate_question(values)
        problem = _ensure_bot_in_channel(client, asked[0]) if asked else None
        return asked, ({"channel": problem} if problem else errors)

    def domain(check: Callable[[dict[str, Any]], tuple[Any, dict[str, str]]]) -> Any:
        return lambda client, body, values: check(values)

    return {
        modals.VIEW_LOG_CALL: Form("log a call", domain(rules.validate_call), _log_call),
        modals.VIEW_ADD_NOTE: Form("add a note", domain(rules.validate_note), _note),
        modals.VIEW_APPOINTMENT: Form(
            "schedule an appointment",
            domain(lambda values: rules.validate_appointment(values, now=deps.clock())),
            lambda client, session, record, user, draft: _appointment(deps, session, record, user, draft),
        ),
        modals.VIEW_STAKEHOLDER: Form("add a stakeholder", domain(rules.validate_stakeholder), _stakeholder),
        modals.VIEW_COMPETITOR: Form("add a competitor", domain(rules.validate_competitor), _competitor),
        modals.VIEW_SHARE: Form(
            "share it",
            share_users,
            lambda client, session, record, user, users: _share(deps, client, session, record, user, users),
        ),
        modals.VIEW_ASK: Form(
            "ask colleagues about it",
            question,
            lambda client, session, record, user, asked: _ask(deps, client, session, record, user, asked),
        ),
    }


def _submitter(deps: Deps, form: Form) -> Callable[..., None]:
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        draft, errors = form.validate(client, body, submitted_values(view["state"]))
        _save(
            deps,
            ack,
            body,
            view,
            client,
            errors,
            form.change,
            lambda session, record, user: form.write(client, session, record, user, draft),
        )

    submit.__name__ = f"submit_{form.change.replace(' ', '_')}"
    return submit


def _safe_ref(value: str) -> RecordRef | None:
    try:
        return decode_ref(value)
    except ValueError:
        return None


def _title(record: Any) -> str:
    return str(record.topic)


def _closed_status(loaded: Loaded) -> str | None:
    status = loaded.record.status
    return None if status == "open" else status


def _opener(deps: Deps, change: str, builder: ModalBuilder) -> Callable[..., None]:
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.background.submit(_open_modal, deps, client, body, change, builder)

    open_modal.__name__ = f"open_{builder.__name__}"
    return open_modal


def _open_modal(deps: Deps, client: WebClient, body: dict[str, Any], change: str, builder: ModalBuilder) -> None:
    loaded = load_record(deps, body, action_ref(body), change=change)
    if isinstance(loaded, str):
        reply_ephemeral(client, body, loaded)
        return
    closed = _closed_status(loaded)
    if closed and change != "share it":
        reply_ephemeral(client, body, NOT_ON_CLOSED.format(kind=_kind(loaded.ref), status=closed, action=change))
        return
    ctx = modals.ModalContext(ref=loaded.ref.encode(), **source_of(body))
    view = builder(ctx, _title(loaded.record))
    if body.get("view") and body["view"].get("type") == "modal":
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def _kind(ref: RecordRef) -> str:
    return "lead" if ref.record_type == "lead" else "opportunity"


def _appointment_builder(deps: Deps) -> ModalBuilder:
    def appointment_modal(ctx: modals.ModalContext, title: str) -> dict[str, Any]:
        next_hour = (deps.clock() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        return modals.appointment_modal(ctx, title, initial_start=int(next_hour.timestamp()))

    return appointment_modal


Writer = Callable[[Any, Any, str], None]


def _save(
    deps: Deps,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    errors: dict[str, str],
    change: str,
    write: Writer,
) -> None:
    """Validate → check permission again (the record may have changed) → write → ack → refresh the card."""
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ctx = modals.ModalContext.decode(view.get("private_metadata", ""))
    loaded = load_record(deps, body, _safe_ref(ctx.ref), change=change)
    first_block = next((b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), "")
    if isinstance(loaded, str):
        ack(response_action="errors", errors={first_block: loaded})
        return
    team, user = team_id(body), user_id(body)
    with transaction(deps.new_session) as session:
        record = get_record(session, team_id=team, record_type=loaded.ref.record_type, record_id=loaded.ref.record_id)
        write(session, record, user)
        if isinstance(record, Lead):
            lead_service.rescore(session, record, now=deps.clock())
    ack()
    deps.background.submit(
        refresh_card, deps, client, team, loaded.ref, channel=ctx.channel, ts=ctx.ts, response_url=ctx.response_url
    )


def _activity(session: Any, record: Any, user: str, kind: str, subject: str, body: str, **data: Any) -> None:
    add_activity(
        session,
        team_id=record.team_id,
        record_type=_type_of(record),
        record_id=record.id,
        kind=kind,
        author_id=user,
        subject=subject,
        body=body,
        data=data,
    )


def _type_of(record: Any) -> str:
    return "lead" if isinstance(record, Lead) else "opportunity"


def _note(client: WebClient, session: Any, record: Any, user: str, note: str | None) -> None:
    _activity(session, record, user, "note", "Note", note or "")


def _log_call(client: WebClient, session: Any, record: Any, user: str, call: rules.Call | None) -> None:
    assert call is not None
    details = " · ".join(part for part in (call.direction, call.outcome) if part)
    _activity(
        session,
        record,
        user,
        "call",
        f"{call.subject} ({details})",
        call.notes,
        direction=call.direction,
        outcome=call.outcome,
    )


def _appointment(deps: Deps, session: Any, record: Any, user: str, draft: rules.AppointmentDraft | None) -> None:
    assert draft is not None
    appointment = appointment_store.create_appointment(
        session,
        team_id=record.team_id,
        record_type=_type_of(record),
        record_id=record.id,
        owner_id=user,
        subject=draft.subject,
        start_at=draft.start_at,
        duration_minutes=draft.duration_minutes,
        attendees=list(draft.attendees),
        location=draft.location,
        default_minutes_before=deps.settings.reminder_minutes_before,
        now=deps.clock(),
    )
    # the timeline draws the date and the mentions from these values (bot.views.timeline)
    _activity(
        session, record, user, "appointment", draft.subject, "", appointment_id=appointment.id,
        start_at=int(draft.start_at.timestamp()), duration_minutes=draft.duration_minutes,
        location=draft.location, users=list(draft.attendees),
    )  # fmt: skip


def _stakeholder(client: WebClient, session: Any, record: Any, user: str, draft: rules.StakeholderDraft | None) -> None:
    assert draft is not None
    people_store.add_stakeholder(
        session,
        team_id=record.team_id,
        record_type=_type_of(record),
        record_id=record.id,
        slack_user_id=draft.slack_user_id,
        name=draft.name,
        role=draft.role,
        created_by=user,
    )
    users = [draft.slack_user_id] if draft.slack_user_id else []
    _activity(
        session, record, user, "stakeholder", f"Stakeholder: {draft.role}", "" if users else draft.name, users=users
    )
    _auto_complete(session, record, "stakeholder", user)


def _competitor(client: WebClient, session: Any, record: Any, user: str, draft: rules.CompetitorDraft | None) -> None:
    assert draft is not None
    people_store.add_competitor(
        session,
        team_id=record.team_id,
        record_type=_type_of(record),
        record_id=record.id,
        name=draft.name,
        strengths=draft.strengths,
        weaknesses=draft.weaknesses,
        created_by=user,
    )
    lines = [
        f"Strengths: {draft.strengths}" if draft.strengths else "",
        f"Weaknesses: {draft.weaknesses}" if draft.weaknesses else "",
    ]
    _activity(session, record, user, "competitor", f"Competitor: {draft.name}", "\n".join(x for x in lines if x))
    _auto_complete(session, record, "competitor", user)


def _auto_complete(session: Any, record: Any, feature: str, user: str) -> None:
    """Opportunity steps tied to a feature (e.g. "Identify competitors") tick themselves when it is used."""
    if isinstance(record, Lead):
        return
    auto_complete_step(session, team_id=record.team_id, opportunity_id=record.id, feature=feature, user_id=user)


def _share(deps: Deps, client: WebClient, session: Any, record: Any, user: str, users: list[str]) -> None:
    added = share(session, team_id=record.team_id, record_type=_type_of(record), record_id=record.id, user_ids=users)
    if added:
        _activity(session, record, user, "share", "Shared", "", users=added)
        _auto_complete(session, record, "sales_team", user)
        ref = RecordRef(_type_of(record), record.id)
        deps.background.submit(_notify_shared, deps, client, record.team_id, ref, user, added)


def _notify_shared(deps: Deps, client: WebClient, team: str, ref: RecordRef, sharer: str, users: list[str]) -> None:
    rendered = render_card(deps, team, ref)
    if rendered is None:
        return
    text, blocks = rendered
    for user in users:
        channel = open_dm(client, user)
        intro = section(f"{mention(sharer)} shared this {_kind(ref)} with you: you may read and work it.")
        response = client.chat_postMessage(channel=channel, text=f"Shared with you: {text}", blocks=[intro, *blocks])
        with transaction(deps.new_session) as session:
            record_post(
                session,
                team_id=team,
                record_type=ref.record_type,
                record_id=ref.record_id,
                channel=response["channel"],
                ts=response["ts"],
            )


PRIVATE_CHANNEL = "salesbot is not in that private channel: invite it with `/invite @salesbot`, then ask again."


def _ensure_bot_in_channel(client: WebClient, channel: str) -> str | None:
    """Join a public channel first; a private one must invite the bot. Returns the problem, if any."""
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as error:
        code = error.response.get("error")
        return PRIVATE_CHANNEL if code in ("channel_not_found", "not_in_channel") else f"Slack said: {code}"
    if info.get("is_member") or info.get("is_im") or info.get("is_mpim"):
        return None
    if info.get("is_private"):
        return PRIVATE_CHANNEL
    try:
        client.conversations_join(channel=channel)
    except SlackApiError as error:
        return f"salesbot could not join that channel ({error.response.get('error')})."
    return None


def _ask(deps: Deps, client: WebClient, session: Any, record: Any, user: str, asked: tuple[str, str] | None) -> None:
    assert asked is not None
    channel, question = asked
    activity = add_activity(
        session,
        team_id=record.team_id,
        record_type=_type_of(record),
        record_id=record.id,
        kind="post",
        author_id=user,
        subject="Asked colleagues",
        body=question,
        slack_channel=channel,
    )
    ref = RecordRef(_type_of(record), record.id)
    deps.background.submit(_post_question, deps, client, record.team_id, ref, user, channel, question, activity.id)


def _post_question(
    deps: Deps, client: WebClient, team: str, ref: RecordRef, user: str, channel: str, question: str, activity_id: int
) -> None:
    rendered = render_card(deps, team, ref)
    if rendered is None:
        return
    text, blocks = rendered
    ask: list[Block] = [section(f":raising_hand: {mention(user)} asks: {escape(question)}"), *blocks]
    response = client.chat_postMessage(channel=channel, text=f"{text} — question from a colleague", blocks=ask[:50])
    permalink = client.chat_getPermalink(channel=response["channel"], message_ts=response["ts"]).get("permalink")
    with transaction(deps.new_session) as session:
        record_post(
            session,
            team_id=team,
            record_type=ref.record_type,
            record_id=ref.record_id,
            channel=response["channel"],
            ts=response["ts"],
            kind="ask",
        )
        activity = session.get(Activity, activity_id)
        if activity is not None:
            activity.slack_ts, activity.data = response["ts"], {"permalink": permalink}
            session.add(activity)


def _show_timeline(deps: Deps, client: WebClient, body: dict[str, Any], ref: RecordRef | None, page: int) -> None:
    loaded = load_record(deps, body, ref, change="see its timeline")
    if isinstance(loaded, str):
        reply_ephemeral(client, body, loaded)
        return
    team, kind, record_id = loaded.viewer.team_id, loaded.ref.record_type, loaded.ref.record_id
    with transaction(deps.new_session) as session:
        total = count_activities(session, team_id=team, record_type=kind, record_id=record_id)
        offset, limit, page = paginate(total, page)
        entries = activity_slice(
            session, team_id=team, record_type=kind, record_id=record_id, offset=offset, limit=limit
        )
    pages = max(1, -(-total // 15))
    blocks = timeline_blocks(_title(loaded.record), loaded.ref.encode(), Page(entries, page, pages))
    _show(
        client,
        body,
        f"Timeline: {escape(_title(loaded.record))}",
        blocks,
        replace=body["actions"][0]["action_id"] == ACTION_TIMELINE_PAGE,
    )


def _show(client: WebClient, body: dict[str, Any], text: str, blocks: list[Block], *, replace: bool) -> None:
    """Show blocks to the clicking user: an ephemeral message under a message, a modal elsewhere."""
    view = body.get("view")
    if view:
        modal_view = modal("Timeline", blocks, callback_id="timeline")
        if replace and view.get("type") == "modal":
            client.views_update(view_id=view["id"], view=modal_view)
        elif view.get("type") == "modal":
            client.views_push(trigger_id=body["trigger_id"], view=modal_view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=modal_view)
        return
    if replace and body.get("response_url"):
        WebhookClient(body["response_url"]).send(text=text, blocks=blocks, replace_original=True)
        return
    reply_ephemeral(client, body, text, blocks)
