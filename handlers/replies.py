"""Ways to answer a user after the ack: ephemeral replies, DMs, modals."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.views.blocks import Block, modal, section


def reply_ephemeral(client: WebClient, body: dict[str, Any], text: str, blocks: list[Block] | None = None) -> None:
    """Answer only the user: via response_url when Slack gave one, else an ephemeral post or a modal."""
    response_url = body.get("response_url") or next(
        (url.get("response_url") for url in body.get("response_urls", []) if url.get("response_url")), None
    )
    if response_url:
        webhook = WebhookClient(response_url, retry_handlers=client.retry_handlers)
        webhook.send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        return
    channel = (body.get("channel") or {}).get("id")
    user = (body.get("user") or {}).get("id")
    if channel and user:
        client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
        return
    if body.get("trigger_id"):
        view = modal("salesbot", blocks or [section(text)], callback_id="notice")
        if body.get("view"):
            client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)


def open_dm(client: WebClient, user: str) -> str:
    response = client.conversations_open(users=user)
    return response["channel"]["id"]
