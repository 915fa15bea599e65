"""The timeline of a lead or opportunity: oldest first within a page, newest page first."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.ids import ACTION_TIMELINE_PAGE, BLOCK_TIMELINE_NAV
from bot.views.blocks import Block, actions, button, context, escape, header, section
from bot.views.markup import date, link, mention, mentions

PAGE_SIZE = 15  # two blocks per entry keeps a page well under Slack's 50-block message limit

ICONS = {
    "call": ":telephone_receiver:", "note": ":memo:", "appointment": ":calendar:", "post": ":speech_balloon:",
    "reply": ":left_speech_bubble:", "message": ":envelope:", "status": ":label:", "stage": ":arrow_right:",
    "stakeholder": ":bust_in_silhouette:", "competitor": ":crossed_swords:", "share": ":handshake:",
    "literature": ":books:", "product": ":package:", "file": ":paperclip:", "task": ":ballot_box_with_check:",
    "assign": ":busts_in_silhouette:",
}  # fmt: skip


class Entry(Protocol):
    """What a timeline entry shows: an Activity, or the tuple the Timeline reads (store.activities)."""

    @property
    def kind(self) -> str: ...
    @property
    def author_id(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def deleted(self) -> bool: ...


@dataclass(frozen=True)
class Page:
    entries: Sequence[Entry]
    page: int  # 0 = the most recent entries
    pages: int


def page_count(total: int) -> int:
    """How many pages `total` entries fill (one, empty, for none)."""
    return max(1, -(-total // PAGE_SIZE))


def paginate(total: int, page: int) -> tuple[int, int, int]:
    """(offset from the oldest, limit, clamped page) for page `page` counted from the newest."""
    page = min(max(page, 0), page_count(total) - 1)
    end = total - page * PAGE_SIZE
    start = max(0, end - PAGE_SIZE)
    return start, end - start, page


def timeline_blocks(title: str, ref: str, page: Page) -> list[Block]:
    blocks: list[Block] = [header(f"Timeline · {title}")]
    if not page.entries:
        blocks.append(section("Nothing recorded yet. Log a call, add a note or ask colleagues."))
    for entry in page.entries:
        blocks.append(section(_entry_text(entry)))
    blocks.append(context(f"Page {page.pages - page.page} of {page.pages} · oldest first within the page"))
    nav = []
    if page.page + 1 < page.pages:
        nav.append(button("Older", ACTION_TIMELINE_PAGE, f"{ref}|{page.page + 1}"))
    if page.page > 0:
        nav.append(button("Newer", ACTION_TIMELINE_PAGE, f"{ref}|{page.page - 1}"))
    if nav:
        blocks.extend(actions(nav, block_id=BLOCK_TIMELINE_NAV))
    return blocks


def slack_date(moment: Any) -> str:
    """A date Slack shows in each reader's own time zone, with a UTC fallback."""
    return date(moment)


def _entry_text(entry: Entry) -> str:
    when = slack_date(entry.occurred_at)
    who = mention(entry.author_id) if entry.author_id else "salesbot"
    icon = ICONS.get(entry.kind, ":small_blue_diamond:")
    subject = f"*{escape(entry.subject)}*" if entry.subject else ""
    if entry.deleted:
        return f"{icon} {when} · {who} · ~{escape(entry.body[:200]) or 'message'}~ _(deleted)_"
    data = entry.data if isinstance(entry.data, dict) else {}
    legacy = legacy_body(entry.kind, entry.body, data)
    body = legacy if legacy is not None else with_mentions(escape(entry.body), data.get("mentions"))
    if len(body) > 1500:
        body = body[:1500] + "…"
    permalink = str(data.get("permalink") or "")
    tail = f" {link(permalink, 'view in Slack')}" if permalink else ""
    edited = " _(edited)_" if data.get("edited") else ""
    lines = " ".join(part for part in (subject, body, "" if legacy is not None else details(data)) if part)
    return f"{icon} {when} · {who}\n{lines}{edited}{tail}"


def with_mentions(escaped: str, mentioned: Any) -> str:
    """A message's escaped text with the `@U123` of the people it mentioned (kept as data) drawn as mentions."""
    if not isinstance(mentioned, list) or not mentioned:
        return escaped
    ids = {str(user) for user in mentioned}
    return re.sub(r"@([UW][A-Z0-9]{1,30})\b", lambda m: mention(m[1]) if m[1] in ids else m[0], escaped)


def details(data: dict[str, Any]) -> str:
    """The markup of an entry, drawn from the values it stores (never stored as text): an appointment's
    date, length, place and attendees; the people shared with, named or assigned; a due time; an owner
    change; links sent."""
    parts: list[str] = []
    if isinstance(data.get("start_at"), int | float):
        parts.append(date(datetime.fromtimestamp(data["start_at"], UTC)))
    if isinstance(data.get("duration_minutes"), int) and data["duration_minutes"]:
        parts.append(f"{data['duration_minutes']} min")
    if data.get("location"):
        parts.append(escape(data["location"]))
    if isinstance(data.get("users"), list) and data["users"]:
        parts.append(mentions(str(user) for user in data["users"]))
    if isinstance(data.get("people"), list) and data["people"] and data["people"] != data.get("users"):
        parts.append("→ " + mentions(str(user) for user in data["people"]))
    if isinstance(data.get("due"), int):
        parts.append("due " + date(datetime.fromtimestamp(data["due"], UTC)))
    line = " · ".join(parts)
    owners = data.get("owner_change")
    if isinstance(owners, list) and len(owners) == 2:
        line += ("\n" if line else "") + f"Owner: {mention(str(owners[0]))} → {mention(str(owners[1]))}"
    for item in data.get("links") or []:
        if isinstance(item, dict):
            line += ("\n" if line else "") + f"• {link(str(item.get('url') or ''), str(item.get('title') or ''))}"
    return line


# Rows written before the timeline drew markup from data kept it in their text (appointments, people
# shared with or named, owner changes, links sent). They are drawn tolerantly: only a whole piece in the
# exact shape the bot wrote stays markup (re-made from the ids, times and URLs it holds); the rest is
# escaped, so user text in them (a location, a title) is never markup.
_ID = r"[UW][A-Z0-9]{1,30}"
_LEGACY_MENTIONS = re.compile(rf"<@{_ID}>(, <@{_ID}>)*")
_LEGACY_DATE = re.compile(r"<!date\^(\d{1,12})\^[^|>]*\|[^>]*>")
_LEGACY_OWNER = re.compile(rf"Owner: <@({_ID})> → <@({_ID})>")
_LEGACY_LINK = re.compile(r"• <(https?://[^|>\s]+)\|(.*)>")


def legacy_body(kind: str, body: str, data: dict[str, Any]) -> str | None:
    """The text of an old row drawn with its stored markup, or None for a row of today's shape."""
    if kind == "appointment" and "users" not in data:
        return " · ".join(_legacy_piece(piece) for piece in body.split(" · "))
    if (kind == "share" and _LEGACY_MENTIONS.fullmatch(body)) or (kind == "stakeholder" and "users" not in data):
        return _legacy_piece(body)
    if kind == "literature" and "links" not in data:
        return "\n".join(_legacy_line(line) for line in body.split("\n"))
    if kind == "edit" and "owner_change" not in data and _LEGACY_OWNER.search(body):
        return "\n".join(_legacy_line(line) for line in body.split("\n"))
    return None


def _legacy_piece(piece: str) -> str:
    if found := _LEGACY_DATE.fullmatch(piece):
        return date(datetime.fromtimestamp(int(found[1]), UTC))
    if _LEGACY_MENTIONS.fullmatch(piece):
        return mentions(re.findall(_ID, piece))
    return escape(piece)


def _legacy_line(line: str) -> str:
    if found := _LEGACY_OWNER.fullmatch(line):
        return f"Owner: {mention(found[1])} → {mention(found[2])}"
    if found := _LEGACY_LINK.fullmatch(line):
        return f"• {link(found[1], found[2])}"
    return escape(line)


def decode_page_value(value: str) -> tuple[str, int] | None:
    ref, _, page = value.partition("|")
    return (ref, int(page)) if page.isdigit() else None
