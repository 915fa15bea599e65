"""Block Kit for channel alerts: the subscriptions modal, the `Add alert` form, and the alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.alerts import DELIVERIES, DELIVERY_LABELS, EVENT_LABELS, EVENTS, SubscriptionLine
from bot.domain.leads import LEAD_SOURCES
from bot.ids import (
    ACTION_OPEN_RECORD,
    ALERT_ADD,
    ALERT_PAUSE,
    ALERT_REMOVE,
    ALERT_RESUME,
    VIEW_ADD_ALERT,
    VIEW_ALERTS,
    RecordRef,
)
from bot.views.blocks import Block, actions, button, context, divider, escape, mrkdwn, option, plain, section
from bot.views.inputs import labelled, radios, text_input

PRIVATE_CHANNEL = (
    "salesbot is not in that private channel: invite it with `/invite @salesbot` in the channel, then add the alert."
)
NOT_A_CHANNEL = "Alerts are posted in channels: choose a public or private channel, not a direct message."


def describe(line: SubscriptionLine, *, with_channel: bool) -> str:
    parts = [f"*{EVENT_LABELS.get(line.event, line.event)}*"]
    if with_channel:
        parts.insert(0, f"<#{line.channel_id}>")
    if line.min_revenue is not None:
        parts.append(f"over {line.min_revenue:,.2f}")
    if line.owner_id:
        parts.append(f"owner <@{line.owner_id}>")
    if line.team_name:
        parts.append(f"team {escape(line.team_name)}")
    if line.process_name:
        parts.append(f"process {escape(line.process_name)}")
    if line.lead_source:
        parts.append(f"source {escape(line.lead_source)}")
    when = DELIVERY_LABELS.get(line.delivery, line.delivery)
    parts.append(f"{when} at {line.hour:02d}:00" if line.delivery == "daily" and line.hour is not None else when)
    if line.status == "paused":
        parts.append("_paused_")
    return " · ".join(parts)


def alerts_modal(lines: Sequence[SubscriptionLine], *, channel_id: str) -> dict[str, Any]:
    """The subscriptions of a channel (or, from a DM, every one the user may manage), with `Add alert`."""
    intro = f"Alerts posted in <#{channel_id}>." if channel_id else "Every alert you may manage."
    blocks: list[Block] = [section(intro, accessory=button("Add alert", ALERT_ADD, channel_id or "-", "primary"))]
    if not lines:
        blocks.append(context("No alerts yet."))
    for line in lines[:30]:
        blocks.append(divider())
        blocks.append(section(describe(line, with_channel=not channel_id)))
        if line.manageable:
            toggle = button("Resume", ALERT_RESUME, str(line.id)) if line.status == "paused" else None
            toggle = toggle or button("Pause", ALERT_PAUSE, str(line.id))
            remove = button("Remove", ALERT_REMOVE, str(line.id), "danger")
            blocks += actions([toggle, remove], block_id=f"sub{line.id}")
    return _modal("Channel alerts", blocks, VIEW_ALERTS, channel_id)


def add_alert_modal(
    *, channel_id: str, teams: Sequence[tuple[str, str]], process_names: Sequence[str]
) -> dict[str, Any]:
    """The `Add alert` form; `teams` are (manager id, label) pairs. From a DM it asks for the channel."""
    blocks: list[Block] = []
    if not channel_id:
        channel_select = {"type": "conversations_select", "filter": {"include": ["public", "private"]}}
        blocks.append(labelled("channel", "Channel", channel_select))
    event_select = {"type": "static_select", "placeholder": plain("Choose an event", 150),
                    "options": [option(label, key) for key, label in EVENTS]}  # fmt: skip
    blocks.append(labelled("event", "Event", event_select))
    blocks.append(labelled("min_revenue", "Minimum estimated revenue", text_input(max_length=20,
                           placeholder="e.g. 50,000"), optional=True))  # fmt: skip
    blocks.append(labelled("owner", "Owner", {"type": "users_select", "placeholder": plain("Anyone", 150)},
                           optional=True))  # fmt: skip
    if teams:
        team_options = [option(label, manager) for manager, label in teams][:100]
        blocks.append(labelled("team", "Team", {"type": "static_select", "placeholder": plain("Any team", 150),
                                                "options": team_options}, optional=True))  # fmt: skip
    process_select = {"type": "static_select", "placeholder": plain("Any process", 150),
                      "options": [option(name) for name in process_names][:100]}  # fmt: skip
    blocks.append(labelled("process", "Process", process_select, optional=True))
    source_select = {"type": "static_select", "placeholder": plain("Any source", 150),
                     "options": [option(source) for source in LEAD_SOURCES]}  # fmt: skip
    blocks.append(labelled("lead_source", "Lead source", source_select, optional=True))
    delivery = {**radios(tuple(label for _, label in DELIVERIES), initial="As it happens")}
    delivery["options"] = [option(label, key) for key, label in DELIVERIES]
    delivery["initial_option"] = option("As it happens", "now")
    blocks.append(labelled("delivery", "Delivery", delivery))
    hours = {"type": "static_select", "placeholder": plain("09:00", 150),
             "options": [option(f"{hour:02d}:00", str(hour)) for hour in range(24)]}  # fmt: skip
    blocks.append(labelled("hour", "Hour", hours, optional=True, hint="For a daily summary, in your time zone."))
    return _modal("Add alert", blocks, VIEW_ADD_ALERT, channel_id, submit="Add")


def _modal(title: str, blocks: list[Block], callback_id: str, channel_id: str, *, submit: str = "") -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain("Close" if not submit else "Cancel", 24),
        "blocks": blocks[:100],
        "private_metadata": channel_id,
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


# --- the alerts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRecord:
    """The record an alert is about, as it is when the alert is sent."""

    ref: RecordRef
    title: str
    owner_id: str
    account: str = ""
    amount: str = ""
    stage: str = ""
    days: int | None = None  # how long a won deal took


@dataclass(frozen=True)
class AlertQuote:
    """The quote a `Quote approved` / `Quote rejected` alert is about, as it is when the alert is sent."""

    title: str  # e.g. "Quote Q-00001 rev 2"
    total: str
    reason: str = ""  # a rejection's reason (user text)


HEADLINES = {
    "lead_created": ":sparkles: New lead",
    "lead_assigned": ":bust_in_silhouette: Lead assigned",
    "opportunity_created": ":seedling: New opportunity",
    "stage_changed": ":arrow_right: Stage changed",
    "quote_approved": ":white_check_mark: Quote approved",
    "quote_rejected": ":x: Quote rejected",
    "won": ":tada: Won",
    "lost": ":small_red_triangle_down: Lost",
}


def alert_message(
    payload: dict[str, Any], record: AlertRecord | None, quote: AlertQuote | None = None
) -> tuple[str, list[Block]]:
    """One alert: what happened, who, the record's name, amount and stage (and the quote decided), and
    `Open`. User text is escaped; mentions are made here from ids."""
    if payload.get("count"):
        return _burst_message(payload)
    assert record is not None
    event = str(payload.get("event", ""))
    if event == "won":
        return _win_message(record)
    headline = HEADLINES.get(event, EVENT_LABELS.get(event, event))
    title = escape(record.title)
    facts = [part for part in (escape(record.account), record.amount, _stage_line(event, payload, record)) if part]
    actor = str(payload.get("actor") or record.owner_id)
    text = f"{headline}: {title}"
    by = f"by <@{actor}>" if actor else "from the web"  # leads from /api/leads may have neither
    owner = f"owner <@{record.owner_id}>" if record.owner_id else "waiting in the leads channel"
    lines = [f"{headline}: *{title}*", " · ".join(facts), _quote_line(quote), f"{by} · {owner}"]
    open_button = button("Open", ACTION_OPEN_RECORD, record.ref.encode())
    return text, [section("\n".join(line for line in lines if line), accessory=open_button)]


def _quote_line(quote: AlertQuote | None) -> str:
    if quote is None:
        return ""
    line = f"{escape(quote.title)} · {quote.total}"
    return line + (f"\nReason: {escape(quote.reason)}" if quote.reason else "")


def _stage_line(event: str, payload: dict[str, Any], record: AlertRecord) -> str:
    if event == "stage_changed":
        return f"{escape(str(payload.get('from_stage', '')))} → *{escape(str(payload.get('to_stage', '')))}*"
    return escape(record.stage)


def _burst_message(payload: dict[str, Any]) -> tuple[str, list[Block]]:
    count, big = int(payload.get("count", 0)), int(payload.get("big", 0))
    text = f"{count} leads imported by <@{payload.get('actor', '')}>"
    detail = f"{text}, {big} over 50k" if big else text
    return text, [{"type": "section", "text": mrkdwn(f":inbox_tray: {detail}")}]


def _win_message(record: AlertRecord) -> tuple[str, list[Block]]:
    """The celebration: the rep, account, amount and the days the deal took."""
    title, account = escape(record.title), escape(record.account)
    took = f"in {record.days} day{'s' if record.days != 1 else ''}" if record.days is not None else ""
    facts = " · ".join(part for part in (account, record.amount, took) if part)
    text = f":tada: <@{record.owner_id}> won {title}"
    body = f":tada: <@{record.owner_id}> won *{title}*" + (f"\n{facts}" if facts else "")
    return text, [section(body, accessory=button("Open", ACTION_OPEN_RECORD, record.ref.encode()))]


DAILY_LINES = 40


def daily_summary(
    event_label: str, entries: Sequence[tuple[dict[str, Any], AlertRecord | None]]
) -> tuple[str, list[Block]]:
    """A day's alerts of one subscription in one message: a line per record with `Open`."""
    text = f"Daily summary: {len(entries)} × {event_label}"
    blocks: list[Block] = [section(f":calendar: *{escape(event_label)}* — {len(entries)} today")]
    for entry, record in entries[:DAILY_LINES]:
        if record is None:
            blocks.append(_burst_message(entry)[1][0])
            continue
        parts = (escape(record.account), record.amount, _stage_line(str(entry.get("event")), entry, record))
        line = f"*{escape(record.title)}*" + "".join(f" · {part}" for part in parts if part)
        blocks.append(section(line, accessory=button("Open", ACTION_OPEN_RECORD, record.ref.encode())))
    if len(entries) > DAILY_LINES:
        blocks.append(context(f"+{len(entries) - DAILY_LINES} more"))
    return text, blocks
