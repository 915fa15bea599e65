"""`/salesbot admin` → `Price lists`: every list, one list's prices with `Product` / `Price` to change
one, `Add price list` and `Import products` (a products CSV sent as a Slack file)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.domain import revenue
from bot.ids import BLOCK_ADMIN_PRICE_TOOLS, VIEW_ADMIN_PRICE_LISTS
from bot.imports.products import ImportReport
from bot.services.price_lists import PriceListDetail, PriceListSummary
from bot.views.blocks import Block, actions, button, context, escape, header, modal, option, plain, section
from bot.views.inputs import labelled, text_input

ADMIN_PRICE_LIST_VIEW = "admin_price_list_view"
ADMIN_PRICE_LIST_ADD = "admin_price_list_add"
ADMIN_PRODUCTS_IMPORT = "admin_products_import"
VIEW_PRICE_LIST = "admin_price_list_modal"
VIEW_PRICE_LIST_ADD = "admin_price_list_add_modal"
VIEW_PRODUCTS_IMPORT = "admin_products_import_modal"
LISTS_SHOWN = 40


def price_lists_modal(lists: Sequence[PriceListSummary]) -> dict[str, Any]:
    blocks: list[Block] = [header("Price lists")]
    if not lists:
        blocks.append(section("No price lists yet: add one, or import products (a list is made for them)."))
    for item in lists[:LISTS_SHOWN]:
        default = " · _default_" if item.is_default else ""
        text = f"*{escape(item.name)}* · {item.currency}{default} · {item.products:,} products"
        blocks.append(section(text, accessory=button("View", ADMIN_PRICE_LIST_VIEW, str(item.id))))
    tools = [button("Add price list", ADMIN_PRICE_LIST_ADD), button("Import products", ADMIN_PRODUCTS_IMPORT)]
    blocks.extend(actions(tools, block_id=BLOCK_ADMIN_PRICE_TOOLS))
    return modal("Price lists", blocks, callback_id=VIEW_ADMIN_PRICE_LISTS)


def price_list_modal(detail: PriceListDetail, parent_view_id: str, notice: str = "") -> dict[str, Any]:
    price_list = detail.price_list
    blocks: list[Block] = [header(f"{price_list.name} ({price_list.currency})")]
    if notice:
        blocks.append(context(notice))
    lines = [
        f"• {escape(p.product.name)} — {revenue.format_money(p.price, p.currency)} / {escape(p.product.unit)}"
        for p in detail.prices
    ]
    blocks.append(section("\n".join(lines) or "_No prices in this list yet._"))
    if detail.count > len(detail.prices):
        blocks.append(context(f"+{detail.count - len(detail.prices):,} more"))
    metadata = json.dumps({"parent": parent_view_id, "price_list": price_list.id})
    if not detail.products:
        blocks.append(context("The catalog has no products yet: import a products CSV first."))
        return modal("Price list", blocks, callback_id=VIEW_PRICE_LIST, metadata=metadata)
    choices = {
        "type": "static_select",
        "placeholder": plain("A product of the catalog", 150),
        "options": [option(p.name, str(p.id)) for p in detail.products[:100]],
    }
    blocks.append(labelled("product", "Product", choices))
    blocks.append(labelled("price", "Price", text_input(max_length=30, placeholder="e.g. 1,299.00")))
    return modal("Price list", blocks, callback_id=VIEW_PRICE_LIST, submit="Change price", metadata=metadata)


def add_price_list_modal(parent_view_id: str) -> dict[str, Any]:
    blocks = [
        labelled("name", "Name", text_input(max_length=100, placeholder="e.g. Wholesale")),
        labelled("currency", "Currency", text_input(max_length=3, initial="EUR")),
    ]
    metadata = json.dumps({"parent": parent_view_id})
    return modal("Add price list", blocks, callback_id=VIEW_PRICE_LIST_ADD, submit="Add", metadata=metadata)


def import_products_modal(parent_view_id: str) -> dict[str, Any]:
    blocks = [
        section(
            "Upload a CSV file whose first line names the columns: `name` and `price` are required; `unit`, "
            "`description`, `currency` (EUR) and `price_list` (Standard) are optional."
        ),
        labelled("file", "Products file", {"type": "file_input", "filetypes": ["csv"], "max_files": 1}),
        context("A product already in the catalog (same name) is updated; each bad row is reported with its number."),
    ]
    metadata = json.dumps({"parent": parent_view_id})
    return modal("Import products", blocks, callback_id=VIEW_PRODUCTS_IMPORT, submit="Import", metadata=metadata)


def import_result(name: str, report: ImportReport) -> tuple[str, list[Block]]:
    summary = f"{report.created:,} products created, {report.updated:,} updated, {len(report.rejected):,} rows rejected"
    blocks: list[Block] = [section(f":package: Import of *{escape(name)}*: {summary}.")]
    if report.rejected:
        lines = [f"• row {row}: {escape(reason)}" for row, reason in report.rejected[:20]]
        if len(report.rejected) > 20:
            lines.append(f"…and {len(report.rejected) - 20:,} more.")
        blocks.append(section("*Rejected rows*\n" + "\n".join(lines)))
    return f"Import of {escape(name)}: {summary}.", blocks
