"""`/salesbot catalog`'s answer (price lists with their first products, the literature library) and the
Add literature modal."""

from __future__ import annotations

from typing import Any

from bot.domain import revenue
from bot.ids import CATALOG_ADD_LITERATURE, VIEW_ADD_LITERATURE, Metadata
from bot.services.catalog import Catalog, PriceListShown
from bot.views.blocks import Block, actions, button, context, escape, modal, option, plain, section
from store.catalog import PricedProduct


def catalog_blocks(found: Catalog, *, can_edit: bool) -> list[Block]:
    blocks: list[Block] = [section("*Catalog and price lists*")]
    blocks += [section(_price_list_text(shown)) for shown in found.price_lists]
    if not found.price_lists:
        blocks.append(
            section(
                "No price lists yet. Load one with `salesbot import products FILE.csv`, "
                "or `salesbot demo` for the Contoso Coffee catalog."
            )
        )
    library = found.literature
    titles = ", ".join(escape(item.title) for item in library[:20]) or "empty"
    blocks.append(section(f"*Sales literature* ({len(library)}): {titles}"))
    if can_edit:
        blocks.extend(actions([button("Add literature", CATALOG_ADD_LITERATURE, "add")]))
    blocks.append(context("Products and prices are imported with `salesbot import products FILE.csv`."))
    return blocks[:50]


def _price_list_text(shown: PriceListShown) -> str:
    price_list, items, total = shown.price_list, shown.items, shown.total
    rows = [
        f"• {escape(i.product.name)} — {revenue.format_money(i.price, i.currency)} / {escape(i.product.unit)}"
        for i in items
    ]
    more = f"\n… and {total - len(items)} more" if total > len(items) else ""
    default = " (default)" if price_list.is_default else ""
    return f"*{escape(price_list.name)}*{default} · {price_list.currency} · {total} products\n" + "\n".join(rows) + more


def literature_modal(items: list[PricedProduct]) -> dict[str, Any]:
    """Add literature: title, a link or a file, a description, and the products it is about."""
    blocks: list[Block] = [
        _input("title", "Title", {"type": "plain_text_input", "action_id": "value", "max_length": 200}),
        _input("url", "Link", {"type": "plain_text_input", "action_id": "value", "max_length": 3000}, optional=True),
        _input("file", "File", {"type": "file_input", "action_id": "value", "max_files": 1}, optional=True),
        _input(
            "description",
            "Description",
            {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 2000},
            optional=True,
        ),
    ]
    if items:
        options = [option(i.product.name, str(i.product.id)) for i in items]
        element = {"type": "multi_static_select", "action_id": "value", "options": options}
        blocks.append(_input("products", "Products", element, optional=True))
    return modal("Add literature", blocks, callback_id=VIEW_ADD_LITERATURE, submit="Add", metadata=Metadata().encode())


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> Block:
    return {"type": "input", "block_id": block_id, "label": plain(label), "optional": optional, "element": element}
