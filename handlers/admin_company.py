"""`/salesbot admin` → `Company`: name, address and default tax rate, per workspace (quotes read them)."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.services import company
from bot.services.quotes import QuoteConfig
from bot.surface import Surface
from bot.views.admin_company import VIEW_COMPANY, company_modal
from bot.views.admin_menu import ADMIN_COMPANY
from bot.views.inputs import ModalState
from handlers.admin_access import admin_in
from handlers.listeners import after_ack, refusals_as_field_errors
from handlers.replies import open_view
from store.db import transaction


def register(surface: Surface, deps: Deps) -> None:
    after_ack(surface.app, deps, ADMIN_COMPANY, functools.partial(open_company, deps))
    surface.app.view(VIEW_COMPANY)(refusals_as_field_errors(functools.partial(company_submitted, deps)))


def open_company(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        profile = company.company_profile(session, who.team_id, defaults=_settings(deps))
    open_view(client, body, company_modal(profile))


def company_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    state = ModalState(view)
    tax_rate = company.parse_tax_rate(state.text("tax_rate"))
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        company.save_company(session, team_id=who.team_id, name=state.text("name"), address=state.text("address"),
                             tax_rate=tax_rate, actor=who.user_id, now=deps.clock())  # fmt: skip
    ack()


def _settings(deps: Deps) -> QuoteConfig:
    settings = deps.settings
    return QuoteConfig(default_tax_rate=settings.default_tax_rate, company_name=settings.company_name,
                       company_address=settings.company_address)  # fmt: skip
