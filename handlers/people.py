"""The `Edit` / `Remove` overflow of each stakeholder and competitor row on a card, and the modals
that edit a row. Who may: whoever may change the record (owner, sharees, owner's manager, admins)."""

from __future__ import annotations

import functools
import re
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain import activities as rules
from bot.ids import PERSON_ROW, VIEW_EDIT_COMPETITOR, VIEW_EDIT_STAKEHOLDER
from bot.messages import RECORD_NOT_FOUND
from bot.refusals import Refused
from bot.services import people as people_service
from bot.surface import Surface
from bot.views.inputs import submitted_values
from bot.views.people import RowContext, edit_competitor_modal, edit_stakeholder_modal, parse_row_value
from handlers.cards import refresh_card, source_of
from handlers.contacts import open_contact
from handlers.context import team_id, user_id
from handlers.listeners import after_ack, later, refusals_as_field_errors
from handlers.record_loading import load_record_in, safe_ref
from handlers.replies import open_view
from store.db import transaction
from store.models import Competitor, Stakeholder

ROW_MENU = re.compile(rf"^{PERSON_ROW}_\d+$")
CHANGE = {"stakeholder": "change its stakeholders", "competitor": "change its competitors"}


def register(surface: Surface, deps: Deps) -> None:
    after_ack(surface.app, deps, ROW_MENU, functools.partial(row_chosen, deps))
    for callback_id in (VIEW_EDIT_STAKEHOLDER, VIEW_EDIT_COMPETITOR):
        surface.app.view(callback_id)(refusals_as_field_errors(functools.partial(row_edited, deps)))


def row_chosen(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    """`Remove` removes the row at once and redraws the card; `Edit` opens the row's modal."""
    action = (body.get("actions") or [{}])[0]
    parsed = parse_row_value(str((action.get("selected_option") or {}).get("value") or ""))
    if parsed is None:
        raise Refused(RECORD_NOT_FOUND)
    kind, verb, row_id = parsed
    if verb in ("contact", "open"):
        open_contact(deps, client, body, row_id, by_stakeholder=verb == "contact")
        return
    with transaction(deps.new_session) as session:
        row = people_service.find_row(session, team_id=team_id(body), kind=kind, row_id=row_id)
        ref = safe_ref(f"{row.record_type}:{row.record_id}")
        loaded = load_record_in(session, deps, body, ref, change=CHANGE[kind])
        if verb == "remove":
            people_service.remove_row(session, loaded.record, row, by=user_id(body), now=deps.clock())
        else:
            ctx = RowContext(loaded.ref.encode(), row_id, **source_of(body))
            view = edit_stakeholder_modal(ctx, row) if isinstance(row, Stakeholder) else edit_competitor_modal(ctx, row)
    if verb == "edit":
        open_view(client, body, view)
        return
    refresh_card(deps, client, loaded.viewer.team_id, loaded.ref, **source_of(body))


def row_edited(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    is_stakeholder = view.get("callback_id") == VIEW_EDIT_STAKEHOLDER
    values = submitted_values(view["state"])
    draft, errors = rules.validate_stakeholder(values) if is_stakeholder else rules.validate_competitor(values)
    if errors or draft is None:
        ack(response_action="errors", errors=errors)
        return
    ctx = RowContext.decode(str(view.get("private_metadata") or ""))
    if ctx is None:
        raise Refused(RECORD_NOT_FOUND)
    kind = "stakeholder" if is_stakeholder else "competitor"
    with transaction(deps.new_session) as session:
        loaded = load_record_in(session, deps, body, safe_ref(ctx.ref), change=CHANGE[kind])
        row = people_service.find_row(session, team_id=loaded.viewer.team_id, kind=kind, row_id=ctx.row_id)
        if (row.record_type, row.record_id) != (loaded.ref.record_type, loaded.ref.record_id):
            raise Refused(people_service.ROW_GONE)
        if isinstance(row, Stakeholder) and isinstance(draft, rules.StakeholderDraft):
            people_service.edit_stakeholder(session, loaded.record, row, draft, by=user_id(body), now=deps.clock())
        elif isinstance(row, Competitor) and isinstance(draft, rules.CompetitorDraft):
            people_service.edit_competitor(session, loaded.record, row, draft, by=user_id(body), now=deps.clock())
    ack()
    later(deps, client, body, refresh_card, deps, client, loaded.viewer.team_id, loaded.ref,
          channel=ctx.channel, ts=ctx.ts, response_url=ctx.response_url)  # fmt: skip
