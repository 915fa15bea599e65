"""Helpers for driving quotes through Slack: an opportunity with products, its quote, the cards."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from sqlmodel import select

from store.db import transaction
from store.models import Activity, Quote, SalesOrder, SlackUser
from tests.conftest import RunningBot
from tests.handlers.opp_helpers import card, load_catalog, new_opportunity, submit
from tests.slack.driver import Actor, blocks_text
from tests.slack.fake_slack import Message

CREATE_LABELS = ["Name", "Valid until", "Payment terms", "Delivery terms", "Quote discount %", "Freight",
                 "Tax rate %", "Description"]  # fmt: skip
CAFE = "Café S-100 — 1,299.00 EUR / unit"
GRINDER = "Grinder G-20 — 349.50 EUR / unit"

APPROVAL_TOML = """
[[approval]]
max_discount_percent = 10
approver = "manager"
"""


def write_rules(tmp_path: Path, text: str = APPROVAL_TOML) -> Path:
    path = tmp_path / "processes.toml"
    path.write_text(text, encoding="utf-8")
    return path


def team_with_manager(bot: RunningBot, rep: str = "U1", manager: str = "UM") -> None:
    with transaction(bot.deps.new_session) as session:
        session.add(SlackUser(team_id="T1", user_id=manager, role="manager"))
        session.add(SlackUser(team_id="T1", user_id=rep, manager_id=manager))


def opportunity_with_products(bot: RunningBot, user: Actor | None = None, *, discount: str = "") -> Message:
    """An opportunity of U1 with 2 × Café S-100 (line discount `discount`); returns its card."""
    user = user or bot.user()
    load_catalog(bot, team=user.team_id)
    new_opportunity(bot, user)
    user.click("Add product", card(bot))
    response = user.submit(bot.slack.last_view("views.open"), {"Product": CAFE, "Quantity": "2", "Discount": discount})
    assert response.status == 200 and not response.body.strip(), response.body
    return card(bot)


def create_quote(bot: RunningBot, user: Actor | None = None, **values: str) -> Message:
    """Click `Create quote` on the opportunity card, submit the modal, return the quote card (DM)."""
    user = user or bot.user()
    user.click("Create quote", card(bot))
    view = bot.slack.last_view("views.open")
    assert view["title"]["text"] == "Create quote"
    response = submit(user, view, values)
    assert response.status == 200 and not response.body.strip(), response.body
    return quote_card(bot)


def quote_card(bot: RunningBot) -> Message:
    """The latest quote card the bot drew (posted, updated or replaced)."""
    for message in reversed(bot.slack.messages()):
        if any(b.get("block_id", "").startswith("quote_buttons:") for b in message.blocks):
            return message
    raise AssertionError("no quote card was posted")


def approval_request(bot: RunningBot, approver: str = "UM") -> Message:
    for message in reversed(bot.slack.messages()):
        if message.channel == f"D{approver}" and any(
            b.get("block_id", "").startswith("quote_approval:") for b in message.blocks
        ):
            return message
    raise AssertionError(f"no approval request in {approver}'s DM")


def text_of(message: Message) -> str:
    return message.text + "\n" + blocks_text(message.blocks)


def quotes(bot: RunningBot) -> list[Quote]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(Quote).order_by(Quote.id)))


def orders(bot: RunningBot) -> list[SalesOrder]:
    with transaction(bot.deps.new_session) as session:
        return list(session.exec(select(SalesOrder).order_by(SalesOrder.id)))


def quote_events(bot: RunningBot) -> list[str]:
    with transaction(bot.deps.new_session) as session:
        rows = session.exec(select(Activity).where(Activity.kind == "quote").order_by(Activity.id))
        return [row.subject for row in rows]


def uploaded_pdf_text(bot: RunningBot) -> str:
    """The text of the last PDF uploaded to the fake Slack, read back with pypdf."""
    upload = bot.slack.wait_for("file.upload")[-1]
    content = bot.slack.uploads[upload.args["file_id"]]
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def ephemeral_text(bot: RunningBot) -> str:
    message = bot.slack.last_message()
    return text_of(message)
