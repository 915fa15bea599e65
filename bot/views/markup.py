"""The one rule for text that reaches Slack as mrkdwn (message `text`, blocks, timeline, digests,
reminders, thread posts): user text is data, so `&`, `<` and `>` are escaped wherever it goes; the
bot's own markup (mentions, dates, links) is made here, at render time, from data (ids, timestamps,
URLs), and is never stored in user-visible text.

`fill(COPY, topic=lead.topic)` fills the bot's copy with escaped values; `escape` alone for
hand-built lines; `mention`, `date` and `link` make markup only from values that are what they claim
(a user id, a datetime, an http(s) URL) and fall back to escaped text otherwise."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}")
DATE_SHORT = "{date_short_pretty} {time}"


def escape(text: object) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters (most texts have none:
    three searches, no copies)."""
    text = str(text)
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def fill(template: str, /, **values: object) -> str:
    """The bot's copy `template` (which may hold markup) with every value escaped: `<!here>` in a
    Topic shows as text, it does not notify the channel."""
    return template.format(**{key: escape(value) for key, value in values.items()})


def mention(user_id: str) -> str:
    return f"<@{user_id}>" if USER_ID.fullmatch(user_id or "") else escape(user_id)


def mentions(user_ids: Iterable[str]) -> str:
    return ", ".join(mention(user_id) for user_id in user_ids)


def date(moment: datetime, format: str = DATE_SHORT) -> str:
    """A date each reader sees in their own time zone, with a UTC fallback for old clients."""
    return f"<!date^{int(moment.timestamp())}^{format}|{moment:%Y-%m-%d %H:%M} UTC>"


def link(url: str, label: str) -> str:
    """`label` linking to `url` when it is a plain http(s) URL; otherwise the label alone."""
    if url.startswith(("http://", "https://")) and not re.search(r"[\s<>|]", url):
        return f"<{url}|{escape(label)}>"
    return escape(label)
