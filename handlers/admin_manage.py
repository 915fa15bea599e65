"""Registers the `/salesbot admin` parts that manage processes, price lists, reasons, the company and
the web lead API's tokens."""

from __future__ import annotations

from bot.deps import Deps
from bot.surface import Surface
from handlers import admin_company, admin_prices, admin_processes, admin_reasons, admin_routing


def register(surface: Surface, deps: Deps) -> None:
    for part in (admin_processes, admin_prices, admin_reasons, admin_company, admin_routing):
        part.register(surface, deps)
