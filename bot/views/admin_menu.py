"""The entries `/salesbot admin` gains for processes, price lists, reasons, the company and API tokens: one row of
buttons under the admin modal's tools (each opens its own modal, built in bot/views/admin_<topic>.py)."""

from __future__ import annotations

from bot.ids import BLOCK_ADMIN_MANAGE
from bot.views.blocks import Block, actions, button
from bot.views.routing_admin import ADMIN_API_TOKENS

ADMIN_PROCESSES = "admin_processes"
ADMIN_PRICE_LISTS = "admin_price_lists"
ADMIN_REASONS = "admin_reasons"
ADMIN_COMPANY = "admin_company"
ENTRIES = (
    ("Processes", ADMIN_PROCESSES),
    ("Price lists", ADMIN_PRICE_LISTS),
    ("Lost and disqualify reasons", ADMIN_REASONS),
    ("Company", ADMIN_COMPANY),
    ("API tokens", ADMIN_API_TOKENS),
)


def manage_actions() -> list[Block]:
    return actions([button(label, action_id) for label, action_id in ENTRIES], block_id=BLOCK_ADMIN_MANAGE)
