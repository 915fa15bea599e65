"""Helpers for driving opportunity cards: create one, tick checklist steps, pick View stage."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from sqlmodel import select

from bot.domain.text import fold
from store import catalog
from store.db import transaction
from store.models import Opportunity, StageChange
from tests.conftest import RunningBot
from tests.slack.driver import Actor, Response, blocks_text
from tests.slack.fake_slack import Message

CAFE_PRICE = Decimal("1299.00")


def load_catalog(bot: RunningBot, team: str = "T1", extra_products: int = 0) -> None:
    with transaction(bot.deps.new_session) as session:
        price_list = catalog.ensure_price_list(session, team_id=team, name="Contoso Coffee EUR", currency="EUR")
        for name, unit, price in (("Café S-100", "unit", CAFE_PRICE), ("Grinder G-20", "unit", Decimal("349.50")),
                                  ("House roast", "kg", Decimal("18.90"))):  # fmt: skip
            product = catalog.upsert_product(session, team_id=team, name=name, name_key=fold(name), unit=unit)
            catalog.set_price(session, team_id=team, price_list_id=price_list.id or 0, product_id=product.id or 0,
                              price=price)  # fmt: skip
        for number in range(extra_products):
            spare = f"Spare part {number:03d}"
            product = catalog.upsert_product(session, team_id=team, name=spare, name_key=fold(spare))
            catalog.set_price(session, team_id=team, price_list_id=price_list.id or 0, product_id=product.id or 0,
                              price=Decimal("5.00"))  # fmt: skip


def new_opportunity(bot: RunningBot, user: Actor | None = None, **values: str) -> Message:
    """`/opp new`, submit the modal, return the card posted in the user's DM."""
    user = user or bot.user()
    before = len(bot.slack.calls_to("chat.postMessage"))
    assert user.command("/opp", "new").status == 200
    view = bot.slack.last_view("views.open")
    fields = {"Topic": "20 espresso machines", "Account": "Caffè Centrale", "Contact": "Giulia Rossi"}
    fields.update(values)
    response = user.submit(view, fields)
    assert response.status == 200 and not response.body.strip(), response.body
    post = bot.slack.wait_for("chat.postMessage", before + 1)[before]  # the card: more may follow (a deal room)
    return Message(blocks=post.args["blocks"], text=post.args["text"], channel=post.args["channel"],
                   ts=_ts_of(bot, post.args))  # fmt: skip


def _ts_of(bot: RunningBot, args: dict[str, Any]) -> str:
    for message in bot.slack.messages():
        if message.blocks == args["blocks"] and message.channel == args["channel"]:
            return message.ts
    return "1.1"


def card(bot: RunningBot) -> Message:
    """The latest card the bot rendered (replaced via response_url, updated or posted)."""
    for message in reversed(bot.slack.messages()):
        if any(b.get("block_id", "").startswith("opp_buttons:") for b in message.blocks):
            return message
    raise AssertionError("no opportunity card was posted")


def last_reply(bot: RunningBot) -> str:
    message = bot.slack.last_message()
    return message.text + "\n" + blocks_text(message.blocks)


def opportunity(bot: RunningBot, opp_id: int | None = None) -> Opportunity:
    with transaction(bot.deps.new_session) as session:
        query = select(Opportunity).order_by(Opportunity.id)
        rows = list(session.exec(query))
    return next(o for o in rows if o.id == opp_id) if opp_id else rows[-1]


def stage_changes(bot: RunningBot) -> list[tuple[str, str, str]]:
    with transaction(bot.deps.new_session) as session:
        rows = session.exec(select(StageChange).order_by(StageChange.id)).all()
    return [(row.from_stage, row.to_stage, row.kind) for row in rows]


def checklist(message: Message) -> dict[str, bool]:
    """Step name -> ticked, from the card's checkboxes."""
    found: dict[str, bool] = {}
    for block in message.blocks:
        for element in block.get("elements") or []:
            if element.get("type") == "checkboxes":
                chosen = {o["value"] for o in element.get("initial_options") or []}
                for item in element["options"]:
                    found[item["text"]["text"]] = item["value"] in chosen
    return found


def tick(user: Actor, message: Message, step: str, done: bool = True) -> Response:
    """Tick (or untick) a checklist step on the card, as Slack sends it: the group's selected options."""
    for block in message.blocks:
        for element in block.get("elements") or []:
            if element.get("type") != "checkboxes":
                continue
            match = [o for o in element["options"] if o["text"]["text"] == step]
            if not match:
                continue
            selected = [o for o in element.get("initial_options") or [] if o["text"]["text"] != step]
            if done:
                selected.append(match[0])
            action = {"type": "checkboxes", "action_id": element["action_id"], "block_id": block["block_id"],
                      "selected_options": selected, "action_ts": f"{time.time():.6f}"}  # fmt: skip
            return user.driver.post_payload(_payload(user, message, action))
    raise AssertionError(f"no checklist step {step!r}")


def view_stage(user: Actor, message: Message, stage: str) -> Response:
    for block in message.blocks:
        for element in block.get("elements") or []:
            if element.get("type") == "static_select" and element["placeholder"]["text"] == "View stage":
                chosen = next(o for o in element["options"] if o["text"]["text"] == stage)
                action = {"type": "static_select", "action_id": element["action_id"], "block_id": block["block_id"],
                          "selected_option": chosen, "action_ts": f"{time.time():.6f}"}  # fmt: skip
                return user.driver.post_payload(_payload(user, message, action))
    raise AssertionError("no View stage select")


def _payload(user: Actor, message: Message, action: dict[str, Any]) -> dict[str, Any]:
    channel = message.channel or "C1"
    payload: dict[str, Any] = {
        "type": "block_actions", "user": user._user(), "api_app_id": "A1", "token": "legacy",
        "trigger_id": f"{time.time_ns()}.1.trigger", "team": user._team(), "enterprise": None,
        "is_enterprise_install": False, "actions": [action],
        "container": {"type": "message", "message_ts": message.ts or "1.1", "channel_id": channel,
                      "is_ephemeral": message.ephemeral},
        "channel": {"id": channel, "name": "sales"}, "response_url": user.fake.response_url(),
    }  # fmt: skip
    if not message.ephemeral:
        payload["message"] = {"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks}
    return payload


def with_initial(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`values` plus the initial value of every input not given, as Slack puts them in view.state."""
    merged = dict(values)
    for block in view.get("blocks", []):
        if block.get("type") != "input" or block["label"]["text"] in merged:
            continue
        element, label = block["element"], block["label"]["text"]
        if element.get("initial_value"):
            merged[label] = element["initial_value"]
        elif element.get("initial_option"):
            merged[label] = element["initial_option"]["text"]["text"]
        elif element.get("initial_options"):
            merged[label] = [o["text"]["text"] for o in element["initial_options"]]
        elif element.get("initial_date"):
            merged[label] = element["initial_date"]
        elif element.get("initial_user"):
            merged[label] = element["initial_user"]
    return merged


def submit(user: Actor, view: dict[str, Any], values: dict[str, Any]) -> Response:
    """Submit a modal as Slack does: untouched inputs keep their initial values."""
    return user.submit(view, with_initial(view, values))
