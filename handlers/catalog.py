"""`/salesbot catalog`: price lists and products (read-only), and the sales literature library."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain import revenue
from bot.ids import CATALOG_ADD_LITERATURE, VIEW_ADD_LITERATURE, Metadata, parse_id
from bot.services import catalog as catalog_service
from bot.surface import Surface
from bot.views.blocks import Block, actions, button, context, escape, modal, option, plain, section
from bot.views.inputs import ModalState
from handlers.context import viewer
from handlers.listeners import after_ack
from handlers.replies import open_view, reply_ephemeral
from store.db import transaction

SHOWN = 40


def register(surface: Surface, deps: Deps) -> None:
    surface.salesbot_subcommands["catalog"] = functools.partial(catalog_command, deps)
    after_ack(surface.app, deps, CATALOG_ADD_LITERATURE, functools.partial(_open_literature_modal, deps))
    surface.app.view(VIEW_ADD_LITERATURE)(functools.partial(literature_submitted, deps))


def catalog_command(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack(**_catalog_answer(deps, body))


def literature_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    who = viewer(deps, body)
    state = ModalState(view)
    title, url, description = state.text("title"), state.text("url"), state.text("description")
    files = state.files("file")
    errors = catalog_service.literature_errors(role=who.role, title=title, url=url, has_file=bool(files))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    products = [int(o["value"]) for o in state.raw("products").get("selected_options") or [] if parse_id(o["value"])]
    with transaction(deps.new_session) as session:
        catalog_service.add_literature(
            session,
            team_id=who.team_id,
            title=title,
            description=description,
            url=url or (files[0].get("permalink") or "" if files else ""),
            slack_file_id=files[0].get("id") if files else None,
            product_ids=products,
            created_by=who.user_id,
        )
    ack()


def _catalog_answer(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    who = viewer(deps, body)
    with transaction(deps.new_session) as session:
        found = catalog_service.catalog_of(session, team_id=who.team_id, shown=SHOWN)
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
    if catalog_service.may_edit_literature(who.role):
        blocks.extend(actions([button("Add literature", CATALOG_ADD_LITERATURE, "add")]))
    blocks.append(context("Products and prices are imported with `salesbot import products FILE.csv`."))
    return {"text": "Catalog and price lists", "blocks": blocks[:50], "response_type": "ephemeral"}


def _price_list_text(shown: catalog_service.PriceListShown) -> str:
    price_list, items, total = shown.price_list, shown.items, shown.total
    rows = [
        f"• {escape(i.product.name)} — {revenue.format_money(i.price, i.currency)} / {escape(i.product.unit)}"
        for i in items
    ]
    more = f"\n… and {total - len(items)} more" if total > len(items) else ""
    default = " (default)" if price_list.is_default else ""
    return f"*{escape(price_list.name)}*{default} · {price_list.currency} · {total} products\n" + "\n".join(rows) + more


def _open_literature_modal(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    who = viewer(deps, body)
    if not catalog_service.may_edit_literature(who.role):
        reply_ephemeral(client, body, catalog_service.LITERATURE_EDITORS_ONLY)
        return
    with transaction(deps.new_session) as session:
        items = catalog_service.literature_products(session, team_id=who.team_id)
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
    view = modal("Add literature", blocks, callback_id=VIEW_ADD_LITERATURE, submit="Add", metadata=Metadata().encode())
    open_view(client, body, view, push=False)


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> Block:
    return {"type": "input", "block_id": block_id, "label": plain(label), "optional": optional, "element": element}
