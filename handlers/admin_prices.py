"""`/salesbot admin` → `Price lists`: view, `Add price list`, change a price, `Import products`."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.ids import parse_id
from bot.refusals import FieldRefused, Refused
from bot.services import price_lists
from bot.surface import Surface
from bot.views.admin_menu import ADMIN_PRICE_LISTS
from bot.views.admin_prices import (
    ADMIN_PRICE_LIST_ADD,
    ADMIN_PRICE_LIST_VIEW,
    ADMIN_PRODUCTS_IMPORT,
    VIEW_PRICE_LIST,
    VIEW_PRICE_LIST_ADD,
    VIEW_PRODUCTS_IMPORT,
    add_price_list_modal,
    import_products_modal,
    import_result,
    price_list_modal,
    price_lists_modal,
)
from bot.views.inputs import ModalState
from handlers.admin_access import admin_in, current_view_id, download, parent_view, redraw
from handlers.imports import is_csv
from handlers.listeners import after_ack, later, refusals_as_field_errors
from handlers.replies import open_dm, open_view
from store.db import transaction


def register(surface: Surface, deps: Deps) -> None:
    app = surface.app
    after_ack(app, deps, ADMIN_PRICE_LISTS, functools.partial(open_price_lists, deps))
    after_ack(app, deps, ADMIN_PRICE_LIST_VIEW, functools.partial(open_price_list, deps))
    after_ack(app, deps, ADMIN_PRICE_LIST_ADD, functools.partial(_open_form, deps, add_price_list_modal))
    after_ack(app, deps, ADMIN_PRODUCTS_IMPORT, functools.partial(_open_form, deps, import_products_modal))
    app.view(VIEW_PRICE_LIST)(refusals_as_field_errors(functools.partial(price_submitted, deps)))
    app.view(VIEW_PRICE_LIST_ADD)(refusals_as_field_errors(functools.partial(add_submitted, deps)))
    app.view(VIEW_PRODUCTS_IMPORT)(refusals_as_field_errors(functools.partial(import_submitted, deps)))


def open_price_lists(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    open_view(client, body, _lists_view(deps, body))


def open_price_list(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    list_id = parse_id(str((body.get("actions") or [{}])[0].get("value") or ""))
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        if list_id is None:
            raise Refused(price_lists.GONE)
        detail = price_lists.detail(session, who.team_id, list_id)
    open_view(client, body, price_list_modal(detail, current_view_id(body)))


def _open_form(deps: Deps, build: Callable[[str], dict[str, Any]], client: WebClient, body: dict[str, Any]) -> None:
    with transaction(deps.new_session) as session:
        admin_in(session, deps, body)
    open_view(client, body, build(current_view_id(body)))


def price_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    state = ModalState(view)
    list_id = parse_id(str(_metadata(view).get("price_list", "")))
    product_id = parse_id(state.selected("product"))
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        price = price_lists.parse_price(state.text("price"))
        if list_id is None or product_id is None:
            raise FieldRefused("product", "Choose a product of the catalog.")
        price_lists.change_price(session, team_id=who.team_id, price_list_id=list_id, product_id=product_id,
                                 price=price, actor=who.user_id, now=deps.clock())  # fmt: skip
        fresh = price_lists.detail(session, who.team_id, list_id)
    ack(response_action="update", view=price_list_modal(fresh, parent_view(view), notice=":white_check_mark: Saved."))
    later(deps, client, body, redraw, client, parent_view(view), functools.partial(_lists_view, deps, body))


def add_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    state = ModalState(view)
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        price_lists.add_price_list(session, team_id=who.team_id, name=state.text("name"),
                                   currency=state.text("currency"), actor=who.user_id, now=deps.clock())  # fmt: skip
    ack()
    later(deps, client, body, redraw, client, parent_view(view), functools.partial(_lists_view, deps, body))


def import_submitted(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
    files = [f for f in ModalState(view).files("file") if is_csv(f)]
    if len(files) != 1:
        raise FieldRefused("file", "Upload one CSV file (.csv).")
    ack()
    later(deps, client, body, run_import, deps, client, body, who.team_id, who.user_id, files[0], parent_view(view))


def run_import(
    deps: Deps, client: WebClient, body: dict[str, Any], team: str, user: str, file: dict[str, Any], parent: str
) -> None:
    """After the ack: download, import in one transaction, tell the admin in DM, redraw the lists."""
    name = str(file.get("name") or "products.csv")[:100]
    content = download(client, file, limit=price_lists.MAX_CSV_BYTES, timeout=60)
    with transaction(deps.new_session) as session:
        admin_in(session, deps, body)
        report = price_lists.import_products_csv(
            session, team_id=team, content=content, file_name=name, actor=user, now=deps.clock()
        )
    text, blocks = import_result(name, report)
    client.chat_postMessage(channel=open_dm(client, user), text=text, blocks=blocks)
    redraw(client, parent, functools.partial(_lists_view, deps, body))


def _lists_view(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    with transaction(deps.new_session) as session:
        who = admin_in(session, deps, body)
        return price_lists_modal(price_lists.overview(session, who.team_id))


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
