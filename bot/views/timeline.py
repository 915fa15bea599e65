"""The timeline of a lead or opportunity: oldest first within a page, newest page first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.ids import ACTION_TIMELINE_PAGE
from bot.views.blocks import Block, actions, button, context, escape, header, section
from store.models import Activity

PAGE_SIZE = 15  # two blocks per entry keeps a page well under Slack's 50-block message limit

ICONS = {
    "call": ":telephone_receiver:", "note": ":memo:", "appointment": ":calendar:", "post": ":speech_balloon:",
    "reply": ":left_speech_bubble:", "message": ":envelope:", "status": ":label:", "stage": ":arrow_right:",
    "stakeholder": ":bust_in_silhouette:", "competitor": ":crossed_swords:", "share": ":handshake:",
    "literature": ":books:", "product": ":package:", "file": ":paperclip:", "task": ":ballot_box_with_check:",
    "assign": ":busts_in_silhouette:",
}  # fmt: skip


@dataclass(frozen=True)
class Page:
    entries: Sequence[Activity]
    page: int  # 0 = the most recent entries
    pages: int


def paginate(total: int, page: int) -> tuple[int, int, int]:
    """(offset from the oldest, limit, clamped page) for page `page` counted from the newest."""
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
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
        blocks.extend(actions(nav, block_id="timeline_nav"))
    return blocks


def slack_date(moment: Any) -> str:
    """A date Slack shows in each reader's own time zone, with a UTC fallback."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def _entry_text(entry: Activity) -> str:
    when = slack_date(entry.occurred_at)
    who = f"<@{entry.author_id}>" if entry.author_id else "salesbot"
    icon = ICONS.get(entry.kind, ":small_blue_diamond:")
    subject = f"*{escape(entry.subject)}*" if entry.subject else ""
    if entry.deleted:
        return f"{icon} {when} · {who} · ~{escape(entry.body[:200]) or 'message'}~ _(deleted)_"
    body = escape(entry.body)
    if len(body) > 1500:
        body = body[:1500] + "…"
    link = entry.data.get("permalink") if isinstance(entry.data, dict) else None
    tail = f" <{link}|view in Slack>" if link else ""
    edited = " _(edited)_" if isinstance(entry.data, dict) and entry.data.get("edited") else ""
    lines = " ".join(part for part in (subject, body, _data_text(entry.data)) if part)
    return f"{icon} {when} · {who}\n{lines}{edited}{tail}"


def _data_text(data: object) -> str:
    """Markup made at render time from what an entry stores as data: people (`people`: user ids, shown
    as mentions) and a due time (`due`: unix seconds, shown in each reader's time zone)."""
    if not isinstance(data, dict):
        return ""
    parts = []
    people = [str(user) for user in data.get("people") or [] if str(user).isalnum()]
    if people:
        parts.append("→ " + ", ".join(f"<@{user}>" for user in people))
    due = data.get("due")
    if isinstance(due, int):
        parts.append("due " + slack_date(datetime.fromtimestamp(due, UTC)))
    return " · ".join(parts)


def decode_page_value(value: str) -> tuple[str, int] | None:
    ref, _, page = value.partition("|")
    return (ref, int(page)) if page.isdigit() else None
