"""Registers the quote listeners: the opportunity card's `Create quote`, the quote card's buttons and modals,
the approver's DM, and the approvals section of App Home (handlers/quotes.py holds the shared helpers)."""

from __future__ import annotations

from bot.config import SettingsError
from bot.deps import Deps
from bot.domain.quotes import ApprovalRuleError
from bot.ids import QUOTE_CREATE, VIEW_QUOTE_CREATE
from bot.services import quotes as service
from bot.surface import Surface
from handlers import quote_actions
from handlers.quotes import QuoteDeps, create_submitted, home_section, on_click, on_submit, open_create


def register(surface: Surface, deps: Deps) -> None:
    surface.uses("chat:write", "im:write", "files:write")
    try:
        ctx = QuoteDeps(deps, service.config_from(deps.settings))
    except ApprovalRuleError as error:
        raise SettingsError(f"setting PROCESS_FILE is invalid: {error}") from None
    on_click(surface.app, ctx, QUOTE_CREATE, open_create)
    on_submit(surface.app, ctx, VIEW_QUOTE_CREATE, create_submitted)
    quote_actions.register(surface.app, ctx)
    surface.home_section(15)(home_section)
