"""What a rendered Slack surface must never contain: user text acting as markup (a live broadcast, a
mention, a channel link or a link the user typed), or the bot's own markup escaped into visible text.

Only text Slack parses is scanned: a message's `text` and every `mrkdwn` object (plain_text shows
`<!here>` as typed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.slack.fake_slack import Call

# Pieces of hostile user text; HOSTILE_USER is an id no test user has, so its live mention is injected.
HOSTILE_USER = "U123"
TOKENS = [
    "<!channel>", "<!here>", "<!everyone>", f"<@{HOSTILE_USER}>", "&amp;", "<http://x|y>", "<!subteam^S1>",
    "<#C1>", "&lt;", "<", ">", "&", "*", "<!date^1^{date}|x>",
]  # fmt: skip
LIVE = re.compile(rf"<!(channel|here|everyone|subteam|date\^1\^)|<@{HOSTILE_USER}>|<#C1>|<http://x\|")
# The bot's dates carry an epoch (10 digits); the hostile `<!date^1^…>` token, or what is left of it where a
# text is cut short (`<!date^1`, `<!date^`), is user text, escaped as it must be.
ESCAPED_BOT_MARKUP = re.compile(rf"&lt;!date\^(?=[0-9]{{2}})|&lt;@(?!{HOSTILE_USER}&gt;)[UW][A-Z0-9]+&gt;")
PARSED_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url", "chat.scheduleMessage")
VIEW_METHODS = ("views.open", "views.push", "views.update", "views.publish")


def mrkdwn_texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item)


def surfaces(calls: list[Call]) -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of parsed text the bot sent."""
    for call in calls:
        if call.method in PARSED_METHODS:
            if isinstance(call.args.get("text"), str):
                yield f"{call.method} text", call.args["text"]
            for text in mrkdwn_texts(call.args.get("blocks") or []):
                yield f"{call.method} blocks", text
        elif call.method in VIEW_METHODS:
            for text in mrkdwn_texts(call.args.get("view") or {}):
                yield f"{call.method} view", text


def problems(texts: Iterator[tuple[str, str]]) -> list[str]:
    found = []
    for where, text in texts:
        if LIVE.search(text):
            found.append(f"{where}: live markup from user text: {text[:300]!r}")
        if ESCAPED_BOT_MARKUP.search(text):
            found.append(f"{where}: the bot's markup escaped into text: {text[:300]!r}")
    return found
