"""`/salesbot catalog`: price lists and products (read-only), and the sales literature library."""

from __future__ import annotations

import functools
import re
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain import revenue
from bot.ids import CATALOG_ADD_LITERATURE, VIEW_ADD_LITERATURE, Metadata, parse_id
from bot.services.opportunities import ModalState
from bot.surface import Surface
from bot.views.blocks import Block, actions, button, context, escape, modal, option, plain, section
from handlers.context import viewer
from handlers.listeners import after_ack
from handlers.replies import open_view, reply_ephemeral
from store import catalog
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
    errors = {}
    if who.role not in ("admin", "manager"):
        errors["title"] = "Only admins and managers can change the literature library."
    if not title:
        errors["title"] = "Enter a title."
    if not re.match(r"^https?://\S+$", url) and not state.files("file"):
        errors["url"] = "Give a link starting with https:// or upload a file."
    if errors:
        ack(response_action="errors", errors=errors)
        return
    products = [int(o["value"]) for o in state.raw("products").get("selected_options") or [] if parse_id(o["value"])]
    files = state.files("file")
    with transaction(deps.new_session) as session:
        catalog.add_literature(
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
    blocks: list[Block] = [section("*Catalog and price lists*")]
    with transaction(deps.new_session) as session:
        lists = catalog.price_lists(session, team_id=who.team_id)
        for price_list in lists:
            items = catalog.priced_products(session, team_id=who.team_id, price_list_id=price_list.id or 0, limit=SHOWN)
            total = catalog.count_priced_products(session, team_id=who.team_id, price_list_id=price_list.id or 0)
            rows = [
                f"• {escape(i.product.name)} — {revenue.format_money(i.price, i.currency)} / {escape(i.product.unit)}"
                for i in items
            ]
            more = f"\n… and {total - len(items)} more" if total > len(items) else ""
            default = " (default)" if price_list.is_default else ""
            blocks.append(
                section(
                    f"*{escape(price_list.name)}*{default} · {price_list.currency} · {total} products\n"
                    + "\n".join(rows)
                    + more
                )
            )
        library = catalog.literature(session, team_id=who.team_id)
    if not lists:
        blocks.append(
            section(
                "No price lists yet. Load one with `salesbot import products FILE.csv`, "
                "or `salesbot demo` for the Contoso Coffee catalog."
            )
        )
    titles = ", ".join(escape(item.title) for item in library[:20]) or "empty"
    blocks.append(section(f"*Sales literature* ({len(library)}): {titles}"))
    if who.role in ("admin", "manager"):
        blocks.extend(actions([button("Add literature", CATALOG_ADD_LITERATURE, "add")]))
    blocks.append(context("Products and prices are imported with `salesbot import products FILE.csv`."))
    return {"text": "Catalog and price lists", "blocks": blocks[:50], "response_type": "ephemeral"}


def _open_literature_modal(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    who = viewer(deps, body)
    if who.role not in ("admin", "manager"):
        reply_ephemeral(client, body, "Only admins and managers can change the literature library.")
        return
    with transaction(deps.new_session) as session:
        default = next(iter(catalog.price_lists(session, team_id=who.team_id)), None)
        items = (
            catalog.priced_products(session, team_id=who.team_id, price_list_id=default.id or 0, limit=100)
            if default
            else []
        )
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
        blocks.append(
            _input(
                "products",
                "Products",
                {"type": "multi_static_select", "action_id": "value", "options": options},
                optional=True,
            )
        )
    view = modal("Add literature", blocks, callback_id=VIEW_ADD_LITERATURE, submit="Add", metadata=Metadata().encode())
    open_view(client, body, view, push=False)


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> Block:
    return {"type": "input", "block_id": block_id, "label": plain(label), "optional": optional, "element": element}
