"""Ways to answer a user after the ack: ephemeral replies, DMs, modals — never silence.

Each answer tries the routes Slack gave, in order, and falls through to the next when one fails:
the `response_url` (it lives 30 minutes and takes 5 uses), an ephemeral message in the channel,
a modal (only while the trigger lives), and finally a DM with the bot. Each failure is logged with
Slack's reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.background import send_last
from bot.ids import VIEW_NOTICE
from bot.messages import FORM_EXPIRED
from bot.views.blocks import Block, modal, section

log = logging.getLogger("salesbot.replies")

Route = Callable[[WebClient, dict[str, Any], str, "list[Block] | None"], bool]


def reply_ephemeral(client: WebClient, body: dict[str, Any], text: str, blocks: list[Block] | None = None) -> None:
    """Answer only the user by the first route that works: the response_url, an ephemeral post in the
    channel, a modal where there is no channel, and finally a DM."""
    for route in (_via_response_url, _via_ephemeral, _via_modal, _via_dm):
        try:
            if route(client, body, text, blocks):
                return
        except SlackApiError as error:
            log.info("reply %s failed: %s", route.__name__, error.response.get("error"))
    log.warning("could not answer user %s: every route failed", _user(body))


def replace_message(client: WebClient, body: dict[str, Any], text: str, blocks: list[Block] | None = None) -> None:
    """Replace the message the user clicked in (paging, a done task); an expired response_url
    falls back to a new ephemeral answer so the user still sees the result."""
    url = body.get("response_url") or ""
    if url and send_to_response_url(client, url, text, blocks, replace_original=True):
        return
    reply_ephemeral(client, {**body, "response_url": None, "response_urls": []}, text, blocks)


def send_to_response_url(
    client: WebClient, url: str, text: str, blocks: list[Block] | None, *, replace_original: bool = False
) -> bool:
    """Post to a response_url; False (and a log line with Slack's answer) when it refused."""
    webhook = WebhookClient(url, retry_handlers=client.retry_handlers)
    if replace_original:
        response = webhook.send(text=text, blocks=blocks, replace_original=True)
    else:
        response = webhook.send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    if response.status_code == 200:
        return True
    log.info("response_url answered %s (%s)", response.status_code, (response.body or "")[:100])
    return False


def open_view(client: WebClient, body: dict[str, Any], view: dict[str, Any], *, push: bool | None = None) -> None:
    """Open a modal for the user who clicked, pushed over the current one when they are in a modal.
    Slack's trigger lives 3 seconds: when it expired the user is told to try again."""
    if push is None:
        push = (body.get("view") or {}).get("type") == "modal"
    send_last(_open_now, client, body, view, push)  # on a sender thread: the work's thread serves on


def _open_now(client: WebClient, body: dict[str, Any], view: dict[str, Any], push: bool) -> None:
    try:
        if push:
            client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as error:
        code = error.response.get("error")
        if code not in ("expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"):
            raise
        log.info("modal %s not opened: %s", view.get("callback_id"), code)
        reply_ephemeral(client, {**body, "trigger_id": None}, FORM_EXPIRED)


def open_dm(client: WebClient, user: str) -> str:
    response = client.conversations_open(users=user)
    return response["channel"]["id"]


def _via_response_url(client: WebClient, body: dict[str, Any], text: str, blocks: list[Block] | None) -> bool:
    url = body.get("response_url") or next(
        (url.get("response_url") for url in body.get("response_urls") or [] if url.get("response_url")), ""
    )
    return bool(url) and send_to_response_url(client, str(url), text, blocks)


def _via_ephemeral(client: WebClient, body: dict[str, Any], text: str, blocks: list[Block] | None) -> bool:
    channel, user = _channel(body), _user(body)
    if not (channel and user):
        return False
    client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
    return True


def _via_modal(client: WebClient, body: dict[str, Any], text: str, blocks: list[Block] | None) -> bool:
    """Only where there is no channel (App Home, a modal): under a message the DM is the fallback."""
    if not body.get("trigger_id") or _channel(body):
        return False
    view = modal("salesbot", blocks or [section(text)], callback_id=VIEW_NOTICE)
    if body.get("view"):
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    return True


def _via_dm(client: WebClient, body: dict[str, Any], text: str, blocks: list[Block] | None) -> bool:
    user = _user(body)
    if not user:
        return False
    client.chat_postMessage(channel=open_dm(client, user), text=text, blocks=blocks)
    return True


def _channel(body: dict[str, Any]) -> str:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""


def _user(body: dict[str, Any]) -> str:
    return body.get("user_id") or (body.get("user") or {}).get("id") or ""


def join_channel(client: WebClient, channel: str, *, private_hint: str, dm_problem: str | None = None) -> str | None:
    """Make sure the bot can post in `channel`: it joins a public channel itself, a private one must invite
    it (`private_hint` says how). A DM is fine unless `dm_problem` says why not. The problem, if any."""
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as error:
        code = error.response.get("error")
        return private_hint if code in ("channel_not_found", "not_in_channel") else f"Slack said: {code}"
    if info.get("is_im") or info.get("is_mpim"):
        return dm_problem
    if info.get("is_member"):
        return None
    if info.get("is_private"):
        return private_hint
    try:
        client.conversations_join(channel=channel)
    except SlackApiError as error:
        return f"salesbot could not join that channel ({error.response.get('error')})."
    return None
