"""`/lead`, the New lead modal and shortcut, duplicates, and the lead-only card buttons:
Qualify, Disqualify, Reactivate and Edit."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlmodel import Session

from bot.deps import Deps
from bot.domain.activities import validate_disqualify
from bot.domain.kinds import LeadStatus, RecordType
from bot.domain.leads import validate_lead
from bot.domain.text import fold
from bot.ids import (
    ACTION_CREATE_ANYWAY,
    ACTION_NEW_LEAD,
    ACTION_OPEN_EXISTING,
    ACTION_OPEN_RECORD,
    LEAD_DISQUALIFY,
    LEAD_EDIT,
    LEAD_QUALIFY,
    LEAD_REACTIVATE,
    SHORTCUT_NEW_LEAD,
    VIEW_DISQUALIFY,
    VIEW_EDIT_LEAD,
    VIEW_LEAD_CARD,
    VIEW_NEW_LEAD,
    Metadata,
    RecordRef,
)
from bot.messages import LEAD_CREATED, LEAD_NOT_FOUND, NO_LEADS, NO_MATCH
from bot.refusals import Refused
from bot.services import cards as card_service
from bot.services import leads as lead_service
from bot.services import reasons as reason_service
from bot.services import records as record_service
from bot.surface import Surface
from bot.views.activity_modals import ModalContext, disqualify_modal
from bot.views.blocks import modal
from bot.views.help import help_blocks
from bot.views.inputs import submitted_values
from bot.views.leads import (
    count_text,
    duplicate_view,
    edit_lead_modal,
    lead_card,
    lead_card_text,
    lead_list,
    new_lead_modal,
    notice_view,
    search_count_text,
)
from bot.views.markup import escape, fill, mention
from handlers import deal_rooms
from handlers.cards import deliver_card, opened_from, post_card, refresh_card, show_card, source_of
from handlers.context import asker, team_id, user_id, viewer
from handlers.listeners import ack_answer, after_ack, later, refusals_as_field_errors
from handlers.record_loading import action_ref, load_record, load_record_in, safe_ref
from handlers.replies import open_dm, open_view
from store.db import transaction
from store.models import Lead

LIST_LIMIT = 20
SEARCH_LIMIT = 10


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    surface.uses("chat:write", "im:write", "users:read")

    @surface.command("/lead", "Create, list and find leads", "[list | import | name, company or email]")
    def lead_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        text = (body.get("text") or "").strip()
        word = text.split(" ", 1)[0].lower()
        if not text:
            ack()
            later(deps, client, body, open_new_lead, client, body)
        elif word == "list":
            ack_answer(ack, _my_leads_answer(deps, body))
        elif word == "help":
            ack(text="salesbot help", blocks=help_blocks(), response_type="ephemeral")
        elif word == "import" and "import" in surface.lead_subcommands:
            surface.lead_subcommands["import"](ack, body, client)
        else:
            ack_answer(ack, _search_answer(deps, body, text))

    @surface.shortcut(SHORTCUT_NEW_LEAD, "New lead", "global", "Create a lead without leaving Slack")
    def new_lead_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        later(deps, client, body, open_new_lead, client, body)

    after_ack(app, deps, ACTION_NEW_LEAD, open_new_lead)
    app.view(VIEW_NEW_LEAD)(functools.partial(new_lead_submitted, deps))
    after_ack(app, deps, ACTION_CREATE_ANYWAY, functools.partial(create_anyway, deps))
    after_ack(app, deps, ACTION_OPEN_EXISTING, functools.partial(open_existing, deps))
    after_ack(app, deps, ACTION_OPEN_RECORD, functools.partial(show_record_card, deps))
    after_ack(app, deps, LEAD_QUALIFY, functools.partial(qualify, deps))
    after_ack(app, deps, LEAD_DISQUALIFY, functools.partial(open_disqualify, deps))
    after_ack(app, deps, LEAD_EDIT, functools.partial(open_edit, deps))
    after_ack(app, deps, LEAD_REACTIVATE, functools.partial(reactivate, deps))
    app.view(VIEW_DISQUALIFY)(refusals_as_field_errors(functools.partial(disqualify_submitted, deps)))
    app.view(VIEW_EDIT_LEAD)(refusals_as_field_errors(functools.partial(edit_submitted, deps)))


def open_new_lead(client: WebClient, body: dict[str, Any]) -> None:
    open_view(client, body, new_lead_modal(), push=False)


def new_lead_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    draft, errors = validate_lead(submitted_values(view.get("state", {})))
    if draft is None:
        ack(response_action="errors", errors=errors)
        return
    team, user, now = team_id(body), user_id(body), deps.clock()
    source = _source_message(view)
    with transaction(deps.new_session) as session:
        duplicates = lead_service.find_duplicates(session, team_id=team, draft=draft)
        status = "draft" if duplicates else "open"
        lead = lead_service.create_lead(session, team_id=team, owner_id=user, draft=draft, now=now, status=status)
        lead_id = lead.id or 0
        if source:
            record_service.log_slack_message(session, lead, source, logged_by=user)
    if duplicates:
        ack(response_action="push", view=duplicate_view(duplicates, lead_id))
        return
    ack()
    later(deps, client, body, post_lead_card, deps, client, team, user, lead_id)


def disqualify_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    with transaction(deps.new_session) as session:
        offered = reason_service.offered(session, team_id(body), reason_service.DISQUALIFY)
    choice, errors = validate_disqualify(submitted_values(view["state"]), offered)
    if choice is None:
        ack(response_action="errors", errors=errors)
        return
    _change_from_modal(
        deps, ack, body, view, client, "disqualify this lead",
        lambda s, lead, user: _disqualify(deps, s, lead, user, *choice),
    )  # fmt: skip


def edit_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    draft, errors = validate_lead(submitted_values(view["state"]))
    if draft is None:
        ack(response_action="errors", errors=errors)
        return
    _change_from_modal(
        deps, ack, body, view, client, "edit this lead",
        lambda s, lead, user: lead_service.update_lead(s, lead, draft, user_id=user, now=deps.clock()),
    )  # fmt: skip


def post_lead_card(deps: Deps, client: WebClient, team: str, user: str, lead_id: int) -> None:
    """Post the new lead's card in the user's DM with the bot and remember the post."""
    deliver_card(deps, client, team, user, RecordRef("lead", lead_id), text=LEAD_CREATED)


def _source_message(view: dict[str, Any]) -> dict[str, Any]:
    """The Slack message a lead is created from (message shortcut), carried in private_metadata."""
    return Metadata.decode(view.get("private_metadata")).message


def _load_lead(deps: Deps, body: dict[str, Any], change: str) -> Lead:
    loaded = load_record(deps, body, action_ref(body), change=change, kind=RecordType.LEAD)
    assert isinstance(loaded.record, Lead)
    return loaded.record


def open_disqualify(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    lead = _changeable_lead(deps, body, "disqualify this lead")
    if lead.status == LeadStatus.DISQUALIFIED:
        raise Refused(f"This lead is already disqualified ({lead.status_reason}).")
    with transaction(deps.new_session) as session:
        offered = reason_service.offered(session, lead.team_id, reason_service.DISQUALIFY)
    open_view(client, body, disqualify_modal(_modal_context(body, lead), lead.topic, offered))


def open_edit(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    lead = _changeable_lead(deps, body, "edit this lead")
    open_view(client, body, edit_lead_modal(lead, _modal_context(body, lead).encode()))


def _changeable_lead(deps: Deps, body: dict[str, Any], change: str) -> Lead:
    lead = _load_lead(deps, body, change)
    lead_service.require_changeable(lead)
    return lead


def _modal_context(body: dict[str, Any], lead: Lead) -> ModalContext:
    return opened_from(body, ModalContext(ref=RecordRef("lead", lead.id or 0).encode()))


def _change_from_modal(
    deps: Deps,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    change: str,
    write: Callable[[Session, Lead, str], object],
) -> None:
    """Check the lead again and write in one transaction; a refusal is shown in the modal."""
    ctx = ModalContext.decode(view.get("private_metadata", ""))
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, safe_ref(ctx.ref), change=change, kind=RecordType.LEAD)
        lead_service.require_changeable(loaded.record, lead_service.QUALIFIED_CANNOT_CHANGE)  # type: ignore[arg-type]
        write(session, loaded.record, user_id(body))  # type: ignore[arg-type]
    ack()
    later(deps, client, body, refresh_card, deps, client, loaded.viewer.team_id, loaded.ref,
          channel=ctx.channel, ts=ctx.ts, response_url=ctx.response_url)  # fmt: skip


def _disqualify(deps: Deps, session: Session, lead: Lead, user: str, reason: str, note: str) -> None:
    lead_service.disqualify(session, lead, reason=reason, note=note, user_id=user, now=deps.clock())


def reactivate(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        loaded = load_record_in(
            session, deps, body, action_ref(body), change="reactivate this lead", kind=RecordType.LEAD
        )
        lead_service.reactivate(session, loaded.record, user_id=user_id(body), now=deps.clock())  # type: ignore[arg-type]
    refresh_card(deps, client, loaded.viewer.team_id, loaded.ref, **source_of(body))


def qualify(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    user = user_id(body)
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, action_ref(body), change="qualify this lead", kind=RecordType.LEAD)
        opportunity = lead_service.qualify(session, loaded.record, user_id=user, now=deps.clock())  # type: ignore[arg-type]
        team, lead_ref = loaded.viewer.team_id, loaded.ref
        channel_posts = card_service.channel_posts(session, team, lead_ref)
    opp_ref = RecordRef("opportunity", opportunity.id or 0)
    refresh_card(deps, client, team, lead_ref, **source_of(body))
    note = (
        f":trophy: {mention(user)} qualified this lead: opportunity *{escape(opportunity.topic)}* (#{opportunity.id}) "
        f"is now at *{escape(opportunity.stage)}*."
    )
    for post in channel_posts:
        client.chat_postMessage(channel=post.channel, thread_ts=post.ts, text=note)
    if post_card(deps, client, team, opp_ref, to_user=user) is None:
        client.chat_postMessage(channel=open_dm(client, user), text=note)
    deal_rooms.open_by_rule(deps, client, team, opportunity.id or 0, user)


def create_anyway(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    ref, team, user = action_ref(body), team_id(body), user_id(body)
    with transaction(deps.new_session) as session:
        lead = (
            lead_service.create_despite_duplicates(
                session, team_id=team, user_id=user, lead_id=ref.record_id, now=deps.clock()
            )
            if ref
            else None
        )
    view_id = _view_id(body)
    if lead is None:
        client.views_update(view_id=view_id, view=notice_view("Lead", LEAD_NOT_FOUND))
        return
    client.views_update(
        view_id=view_id,
        view=notice_view(
            "Lead created",
            f":white_check_mark: *{escape(lead.topic)}* was created; its card is in your DM with salesbot.",
        ),
    )
    post_lead_card(deps, client, team, user, lead.id or 0)


def open_existing(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    ref, who = action_ref(body), viewer(deps, body)
    with transaction(deps.new_session) as session:
        lead = lead_service.visible_lead(session, viewer=who, lead_id=ref.record_id) if ref else None
    view_id = _view_id(body)
    if lead is None:
        client.views_update(
            view_id=view_id,
            view=notice_view("Lead", "That lead belongs to a colleague: ask its owner to share it with you."),
        )
        return
    client.views_update(view_id=view_id, view=modal("Existing lead", lead_card(lead), callback_id=VIEW_LEAD_CARD))


def _view_id(body: dict[str, Any]) -> str | None:
    return (body.get("view") or {}).get("id") or (body.get("container") or {}).get("view_id")


def _my_leads_answer(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    team, user = team_id(body), user_id(body)
    leads, total = lead_service.my_open_leads(deps.engine, team_id=team, owner_id=user, limit=LIST_LIMIT)
    if not leads:
        return {"text": NO_LEADS, "response_type": "ephemeral"}
    blocks = lead_list(leads, title=f"Your open leads ({count_text(total)})", total=total)
    return {"text": f"Your open leads ({count_text(total)})", "blocks": blocks, "response_type": "ephemeral"}


def _search_answer(deps: Deps, body: dict[str, Any], query: str) -> dict[str, Any]:
    hits, total = lead_service.search(
        deps.engine, deps.new_session, asker=asker(deps, body), folded=fold(query), limit=SEARCH_LIMIT
    )
    if not hits:
        return {"text": fill(NO_MATCH, query=query[:100]), "response_type": "ephemeral"}
    if len(hits) == 1 and isinstance(hits[0], Lead):
        return {"text": lead_card_text(hits[0]), "blocks": lead_card(hits[0]), "response_type": "ephemeral"}
    blocks = lead_list(hits, title=f"Leads matching “{query[:100]}”", total=total, search=True)
    return {"text": f"{search_count_text(total)} leads match", "blocks": blocks, "response_type": "ephemeral"}


OPEN_IT = "open it (ask its owner to *Share* it with you or your team)"


def show_record_card(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    loaded = load_record(deps, body, action_ref(body), change=OPEN_IT)
    show_card(deps, client, body, loaded.ref, loaded.record)
