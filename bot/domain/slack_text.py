"""A message's text as Slack sends it, made plain: Slack escapes `&`, `<` and `>` as entities and
writes mentions, channels and links as `<…>` markup. Stored plain (unescaped once here), user text
is escaped once when it is drawn (bot/views/markup.py), so `<3` never shows as `&amp;lt;3`. The
people mentioned are kept apart as data, drawn again as mentions at render time."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKUP = re.compile(r"<([^<>]*)>")
_USER = re.compile(r"@([UW][A-Z0-9]{1,30})(?:\|[^>]*)?")


@dataclass(frozen=True)
class PlainText:
    text: str
    mentions: tuple[str, ...] = ()


def plain_text(slack_text: str) -> PlainText:
    """`Ask <@U12|ann> about &lt;3 <https://x.io|the site>` -> `Ask @U12 about <3 the site (https://x.io)`."""
    mentioned: list[str] = []

    def replace(found: re.Match[str]) -> str:
        inner = found[1]
        if user := _USER.fullmatch(inner):
            mentioned.append(user[1])
            return f"@{user[1]}"
        target, _, label = inner.partition("|")
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return label or "@" + target[1:].split("^", 1)[0]
        url = target.removeprefix("mailto:")
        return f"{label} ({url})" if label and label != url else url

    text = _MARKUP.sub(replace, slack_text or "")
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return PlainText(text, tuple(dict.fromkeys(mentioned)))
