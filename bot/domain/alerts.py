"""Channel alerts as rules: the events a channel may subscribe to, the form's validation, which
events a subscription reports, and how bursts fold into one alert. Pure: no Slack, no database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.domain.parsing import ParseError, parse_amount

EVENTS: tuple[tuple[str, str], ...] = (
    ("lead_created", "Lead created"),
    ("lead_assigned", "Lead assigned"),
    ("opportunity_created", "Opportunity created"),
    ("stage_changed", "Stage changed"),
    ("quote_approved", "Quote approved"),
    ("quote_rejected", "Quote rejected"),
    ("won", "Won"),
    ("lost", "Lost"),
)
EVENT_LABELS: dict[str, str] = dict(EVENTS)
DELIVERIES: tuple[tuple[str, str], ...] = (("now", "As it happens"), ("daily", "Daily summary"))
DELIVERY_LABELS: dict[str, str] = dict(DELIVERIES)
DEFAULT_HOUR = 9
FOLD_WITHIN = timedelta(minutes=1)  # stage moves of one record this close together are one alert
BIG_LEAD = Decimal("50000")  # "12 over 50k" in an import burst


@dataclass(frozen=True)
class SubscriptionForm:
    """What the `Add alert` modal asked for, validated."""

    event: str
    min_revenue: Decimal | None = None
    owner_id: str = ""
    team_name: str = ""
    process_name: str = ""
    lead_source: str = ""
    delivery: str = "now"
    hour: int | None = None
    channel_id: str = ""


@dataclass(frozen=True)
class SubscriptionLine:
    """A subscription as the list shows it."""

    id: int
    channel_id: str
    event: str
    delivery: str
    hour: int | None
    status: str
    min_revenue: Decimal | None = None
    owner_id: str = ""
    team_name: str = ""
    process_name: str = ""
    lead_source: str = ""
    created_by: str = ""
    manageable: bool = False


def validate_subscription(
    values: Mapping[str, Any], *, channel_id: str
) -> tuple[SubscriptionForm | None, dict[str, str]]:
    """The modal's values (by block id) as a form, or field errors by block id."""
    errors: dict[str, str] = {}
    event = str(values.get("event") or "")
    if event not in EVENT_LABELS:
        errors["event"] = "Choose the event to announce."
    revenue: Decimal | None = None
    try:
        revenue = parse_amount(str(values.get("min_revenue") or ""))
    except ParseError as error:
        errors["min_revenue"] = str(error)
    delivery = str(values.get("delivery") or "now")
    if delivery not in DELIVERY_LABELS:
        errors["delivery"] = "Choose how to deliver it."
    hour = _hour(values.get("hour"), delivery, errors)
    channel = channel_id or str(values.get("channel") or "")
    if not channel:
        errors["channel"] = "Choose the channel to post alerts in."
    if errors:
        return None, errors
    form = SubscriptionForm(
        event=event,
        min_revenue=revenue,
        owner_id=str(values.get("owner") or ""),
        team_name=str(values.get("team") or ""),
        process_name=str(values.get("process") or ""),
        lead_source=str(values.get("lead_source") or ""),
        delivery=delivery,
        hour=hour,
        channel_id=channel,
    )
    return form, {}


def _hour(raw: object, delivery: str, errors: dict[str, str]) -> int | None:
    if delivery != "daily":
        return None
    text = str(raw or "").strip()
    if not text:
        return DEFAULT_HOUR
    if not text.isdigit() or not 0 <= int(text) <= 23:
        errors["hour"] = "Choose an hour from 0 to 23."
        return None
    return int(text)


# --- events --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Something the timeline recorded that a channel may hear about."""

    source: str  # activity | stage_change: the table it was read from
    source_id: int
    kind: str  # a key of EVENT_LABELS
    record_type: str
    record_id: int
    actor: str
    at: datetime
    from_stage: str = ""
    to_stage: str = ""
    imported: bool = False
    quote_id: int = 0  # quote_approved / quote_rejected: the quote decided


@dataclass(frozen=True)
class RecordFacts:
    """What filters and permissions look at, read from the record when events are matched."""

    owner_id: str
    process_name: str = ""
    lead_source: str = ""
    revenue: Decimal | None = None
    shared_with: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Creator:
    """The subscription's creator as permission checks see them: a subscription never reports a
    record its creator may not see."""

    user_id: str
    is_admin: bool = False
    reps: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Filters:
    event: str
    min_revenue: Decimal | None = None
    owner_id: str = ""
    team_members: frozenset[str] | None = None  # the team's manager and reps; None: no team filter
    process_name: str = ""
    lead_source: str = ""


def may_see(creator: Creator, facts: RecordFacts) -> bool:
    if creator.is_admin:
        return True
    return facts.owner_id in creator.reps | {creator.user_id} or creator.user_id in facts.shared_with


def matches(filters: Filters, event: Event, facts: RecordFacts) -> bool:
    """Whether the event passes every filter the subscription set (an unset filter passes all)."""
    if event.kind != filters.event:
        return False
    if filters.min_revenue is not None and (facts.revenue is None or facts.revenue < filters.min_revenue):
        return False
    if filters.owner_id and facts.owner_id != filters.owner_id:
        return False
    if filters.team_members is not None and facts.owner_id not in filters.team_members:
        return False
    if filters.process_name and facts.process_name.casefold() != filters.process_name.casefold():
        return False
    return not (filters.lead_source and facts.lead_source.casefold() != filters.lead_source.casefold())


# --- grouping --------------------------------------------------------------------------------------


@dataclass
class Alert:
    """One message to a channel: one event, a folded series of stage moves, or an import burst."""

    events: list[Event]
    revenues: list[Decimal | None] = field(default_factory=list)

    @property
    def first(self) -> Event:
        return self.events[0]

    @property
    def last(self) -> Event:
        return self.events[-1]

    @property
    def is_burst(self) -> bool:
        return self.first.imported and len(self.events) > 1


def group(matched: Iterable[tuple[Event, RecordFacts]]) -> list[Alert]:
    """Fold events into alerts: leads imported by one person in one pass are one alert; stage moves of
    one record less than FOLD_WITHIN apart are one (from the first stage to the last)."""
    alerts: list[Alert] = []
    bursts: dict[str, Alert] = {}
    moves: dict[tuple[str, int], Alert] = {}
    for event, facts in sorted(matched, key=lambda pair: (pair[0].at, pair[0].source_id)):
        if event.imported:
            burst = bursts.get(event.actor)
            if burst is None:
                burst = bursts[event.actor] = Alert([])
                alerts.append(burst)
            burst.events.append(event)
            burst.revenues.append(facts.revenue)
            continue
        key = (event.record_type, event.record_id)
        previous = moves.get(key) if event.kind == "stage_changed" else None
        if previous is not None and event.at - previous.last.at < FOLD_WITHIN:
            previous.events.append(event)
            continue
        alert = Alert([event], [facts.revenue])
        alerts.append(alert)
        if event.kind == "stage_changed":
            moves[key] = alert
    return alerts


def alert_payload(alert: Alert) -> dict[str, Any]:
    """What the outbox row keeps of an alert (the message itself is drawn at send time)."""
    first, last = alert.first, alert.last
    payload: dict[str, Any] = {
        "event": first.kind,
        "actor": first.actor,
        "at": first.at.isoformat(),
        "from_stage": first.from_stage,
        "to_stage": last.to_stage,
    }
    if alert.is_burst:
        payload["count"] = len(alert.events)
        payload["big"] = sum(1 for revenue in alert.revenues if revenue is not None and revenue >= BIG_LEAD)
        payload["lead_ids"] = [event.record_id for event in alert.events[:10]]
    if first.imported:
        payload["imported"] = True
    if first.quote_id:
        payload["quote_id"] = first.quote_id
    return payload


def daily_entry(alert: Alert) -> dict[str, Any]:
    """One line of a daily summary, kept in its outbox row's payload until the summary is sent."""
    return {"record_type": alert.first.record_type, "record_id": alert.first.record_id, **alert_payload(alert)}


def team_members(teams: Iterable[Any], name: str) -> frozenset[str] | None:
    """The manager and members of the team named `name` (`teams`: objects with name, manager_id,
    members); None when there is no team filter; empty when the team is gone (nothing matches)."""
    if not name:
        return None
    for team in teams:
        if team.name.casefold() == name.casefold():
            return frozenset({*team.members, *([team.manager_id] if team.manager_id else [])})
    return frozenset()
