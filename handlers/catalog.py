"""`/salesbot catalog`: price lists and products (read-only), and the sales literature library."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.ids import CATALOG_ADD_LITERATURE, VIEW_ADD_LITERATURE, parse_id
from bot.services import catalog as catalog_service
from bot.surface import Surface
from bot.views.catalog import catalog_blocks, literature_modal
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
    blocks = catalog_blocks(found, can_edit=catalog_service.may_edit_literature(who.role))
    return {"text": "Catalog and price lists", "blocks": blocks, "response_type": "ephemeral"}


def _open_literature_modal(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    who = viewer(deps, body)
    if not catalog_service.may_edit_literature(who.role):
        reply_ephemeral(client, body, catalog_service.LITERATURE_EDITORS_ONLY)
        return
    with transaction(deps.new_session) as session:
        items = catalog_service.literature_products(session, team_id=who.team_id)
    open_view(client, body, literature_modal(items), push=False)
