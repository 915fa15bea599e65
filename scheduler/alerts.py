"""Channel alerts: read the timeline past a cursor, match subscriptions, enqueue one outbox row per
(subscription, event) — or one per daily summary — and say how the dispatcher renders and settles them.

Exactly once: the rows and the cursor move are written in one transaction, and every row has a
unique dedupe key, so a second planner racing the first fails on the key and writes nothing (its
transaction rolls back, the cursor with it). Limitation: on PostgreSQL a transaction that commits
after a later one could leave a timeline row behind the cursor; the use cases that write these rows
commit in well under a planning interval.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.deps import Deps
from bot.domain.alerts import (
    Alert,
    Creator,
    Event,
    Filters,
    RecordFacts,
    alert_payload,
    daily_entry,
    group,
    matches,
    may_see,
    team_members,
)
from bot.domain.assistant import local_at, local_date
from store import alerts as alert_store
from store.db import transaction
from store.deal_rooms import room_of, teams_with_open_rooms
from store.models import Activity, AlertSubscription, Lead, Opportunity, StageChange
from store.outbox import enqueue, enqueue_new, has_key, row_by_key
from store.records import direct_shares_of, records_by_ids
from store.teams import list_teams, members_sharing_many
from store.users import get_user, viewer_for

log = logging.getLogger("salesbot.alerts")
READ_LIMIT = 5000  # timeline rows read per table per pass
STAGE_KINDS = {"advance": "stage_changed", "back": "stage_changed", "reopen": "stage_changed", "won": "won",
               "lost": "lost"}  # fmt: skip


def plan_alerts(deps: Deps, now: datetime) -> int:
    """Plan every workspace with subscriptions; returns how many outbox rows were added."""
    with transaction(deps.new_session) as session:
        workspaces = set(alert_store.teams_with_subscriptions(session))
        workspaces |= set(alert_store.teams_with_wins_channel(session))
        workspaces |= set(teams_with_open_rooms(session))
    added = 0
    for team in sorted(workspaces):
        try:
            with transaction(deps.new_session) as session:
                added += plan_team(session, deps, team, now)
        except IntegrityError:  # another planner enqueued these alerts and moved the cursor first
            log.info("alerts of %s were planned by another process", team)
    return added


def plan_team(session: Session, deps: Deps, team: str, now: datetime) -> int:
    events = _read_events(session, team, now)
    if not events:
        return 0
    facts = record_facts(session, team, events)
    added = 0
    for subscription in alert_store.active_subscriptions(session, team_id=team):
        matched = _matched(session, deps, subscription, events, facts)
        added += _enqueue(session, deps, subscription, group(matched), now)
    added += _wins(session, team, events, facts, now)
    return added + _deal_rooms(session, deps, team, events, now)


# --- reading the timeline --------------------------------------------------------------------------


def _read_events(session: Session, team: str, now: datetime) -> list[Event]:
    """New events since the cursors, which move past them in the caller's transaction."""
    activity = alert_store.cursor(session, team_id=team, source="activity")
    stages = alert_store.cursor(session, team_id=team, source="stage_change")
    top = alert_store.last_activity_id(session, team_id=team, after_id=activity.last_id)
    leads = alert_store.activity_events_after(session, team_id=team, after_id=activity.last_id, limit=READ_LIMIT)
    moves = alert_store.stage_changes_after(session, team_id=team, after_id=stages.last_id, limit=READ_LIMIT)
    leads = [row for row in leads if (row.id or 0) <= top]
    lead_top = top if len(leads) < READ_LIMIT else max(row.id or 0 for row in leads)
    alert_store.move_cursor(session, activity, max(lead_top, activity.last_id), now)
    if moves:
        alert_store.move_cursor(session, stages, max(row.id or 0 for row in moves), now)
    events = [activity_event(row) for row in leads]
    return events + [event for event in map(stage_event, moves) if event is not None]


def activity_event(row: Activity) -> Event:
    """A lead created, imported or assigned, or a quote approved or rejected (its quote id kept)."""
    if row.kind == "quote":
        data = row.data if isinstance(row.data, dict) else {}
        quote_id = data.get("quote_id")
        return Event("activity", row.id or 0, alert_store.quote_event_of(row.subject), row.record_type,
                     row.record_id, row.author_id, row.occurred_at,
                     quote_id=quote_id if isinstance(quote_id, int) else 0)  # fmt: skip
    kind = "lead_assigned" if row.kind == "assign" else "lead_created"
    return Event("activity", row.id or 0, kind, "lead", row.record_id, row.author_id, row.occurred_at,
                 imported=row.subject == "Lead imported")  # fmt: skip


def stage_event(row: StageChange) -> Event | None:
    if row.kind == "enter":
        kind = "opportunity_created" if not row.from_stage else "stage_changed"
    else:
        kind = STAGE_KINDS.get(row.kind, "")
    if not kind:
        return None
    return Event("stage_change", row.id or 0, kind, "opportunity", row.opportunity_id, row.user_id, row.at,
                 from_stage=row.from_stage, to_stage=row.to_stage)  # fmt: skip


def record_facts(session: Session, team: str, events: list[Event]) -> dict[tuple[str, int], RecordFacts]:
    """The records' owners, processes, sources, amounts and shares, in one read per table."""
    found: dict[tuple[str, int], RecordFacts] = {}
    lead_ids = {e.record_id for e in events if e.record_type == "lead"}
    opp_ids = {e.record_id for e in events if e.record_type == "opportunity"}
    shares = _shares(session, team, lead_ids, opp_ids)
    for lead in records_by_ids(session, team_id=team, record_type="lead", ids=lead_ids):
        if not isinstance(lead, Lead):
            continue
        key = ("lead", lead.id or 0)
        found[key] = RecordFacts(lead.owner_id, lead.process_name, lead.lead_source, lead.budget_amount,
                                 frozenset(shares.get(key, ())))  # fmt: skip
    for opp in records_by_ids(session, team_id=team, record_type="opportunity", ids=opp_ids):
        if not isinstance(opp, Opportunity):
            continue
        key = ("opportunity", opp.id or 0)
        revenue = opp.actual_revenue if opp.status == "won" and opp.actual_revenue else opp.estimated_revenue
        found[key] = RecordFacts(opp.owner_id, opp.process_name, "", revenue, frozenset(shares.get(key, ())))
    return found


def _shares(session: Session, team: str, lead_ids: set[int], opp_ids: set[int]) -> dict[tuple[str, int], set[str]]:
    shares: dict[tuple[str, int], set[str]] = {}
    for record_type, ids in (("lead", lead_ids), ("opportunity", opp_ids)):
        for chunk in _chunks(ids):
            for record_id, user_id in direct_shares_of(
                session, team_id=team, record_type=record_type, record_ids=chunk
            ):
                shares.setdefault((record_type, record_id), set()).add(user_id)
            shared = members_sharing_many(session, team_id=team, record_type=record_type, record_ids=chunk)
            for record_id, members in shared.items():  # a record shared with a team is its members' too
                shares.setdefault((record_type, record_id), set()).update(members)
    return shares


def _chunks(ids: set[int], size: int = 500) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


# --- matching and enqueueing -----------------------------------------------------------------------


def _matched(
    session: Session,
    deps: Deps,
    subscription: AlertSubscription,
    events: list[Event],
    facts: dict[tuple[str, int], RecordFacts],
) -> list[tuple[Event, RecordFacts]]:
    viewer = viewer_for(session, team_id=subscription.team_id, user_id=subscription.created_by,
                        admin_ids=deps.admin_ids)  # fmt: skip
    creator = Creator(viewer.user_id, viewer.is_admin, viewer.reps)
    members = team_members(list_teams(session, team_id=subscription.team_id), subscription.team_name)
    filters = Filters(subscription.event, subscription.min_revenue, subscription.owner_id, members,
                      subscription.process_name, subscription.lead_source)  # fmt: skip
    matched = []
    for event in events:
        fact = facts.get((event.record_type, event.record_id))
        if fact is None or event.at < subscription.created_at:
            continue
        if may_see(creator, fact) and matches(filters, event, fact):
            matched.append((event, fact))
    return matched


def _enqueue(session: Session, deps: Deps, subscription: AlertSubscription, alerts: list[Alert], now: datetime) -> int:
    if subscription.delivery == "daily":
        return _add_to_daily(session, subscription, alerts, now)
    rows = []
    for alert in alerts:
        first = alert.first
        key = f"alert:{subscription.id}:{first.source}:{first.source_id}"
        if first.kind == "won":  # a wins channel that also subscribes to Won hears each win once
            key = f"won:{subscription.channel_id}:{first.source_id}"
        record = (None, None) if alert.is_burst else (first.record_type, first.record_id)
        rows.append({"kind": "alert", "recipient": subscription.channel_id, "due_at": now, "dedupe_key": key,
                     "payload": {**alert_payload(alert), "subscription_id": subscription.id},
                     "record_type": record[0], "record_id": record[1]})  # fmt: skip
    return enqueue_new(session, team_id=subscription.team_id, rows=rows, now=now)


def _add_row(
    session: Session, team: str, channel: str, key: str, alert: Alert, now: datetime, payload: dict[str, Any]
) -> None:
    if has_key(session, team_id=team, dedupe_key=key):
        return
    record = (None, None) if alert.is_burst else (alert.first.record_type, alert.first.record_id)
    enqueue(session, team_id=team, kind="alert", recipient=channel, due_at=now, dedupe_key=key, payload=payload,
            record_type=record[0], record_id=record[1])  # fmt: skip


def _wins(
    session: Session, team: str, events: list[Event], facts: dict[tuple[str, int], RecordFacts], now: datetime
) -> int:
    """Every won deal reaches the workspace's wins channel, when an admin set one."""
    channel = alert_store.workspace_channel(session, team_id=team, purpose="wins")
    if not channel:
        return 0
    won = [event for event in events if event.kind == "won" and (event.record_type, event.record_id) in facts]
    for event in won:
        alert = Alert([event], [facts[(event.record_type, event.record_id)].revenue])
        _add_row(session, team, channel, f"won:{channel}:{event.source_id}", alert, now, alert_payload(alert))
    return len(won)


def _add_to_daily(session: Session, subscription: AlertSubscription, alerts: list[Alert], now: datetime) -> int:
    """Add the alerts to the next daily summary not yet sent (at `hour` in the creator's zone)."""
    if not alerts:
        return 0
    user = get_user(session, team_id=subscription.team_id, user_id=subscription.created_by)
    tz = user.tz if user is not None else "UTC"
    day = local_date(now, tz)
    due = local_at(day, subscription.hour or 0, tz)
    if due <= now:
        day, due = day + timedelta(days=1), local_at(day + timedelta(days=1), subscription.hour or 0, tz)
    key = f"alert-daily:{subscription.id}:{day.isoformat()}"
    row = row_by_key(session, team_id=subscription.team_id, dedupe_key=key)
    entries = list((row.payload if row is not None else {}).get("entries", []))
    entries += [daily_entry(alert) for alert in alerts]
    payload = {"subscription_id": subscription.id, "day": day.isoformat(), "entries": entries[-200:]}
    enqueue(session, team_id=subscription.team_id, kind="alert_daily", recipient=subscription.channel_id,
            due_at=due, dedupe_key=key, payload=payload)  # fmt: skip
    return len(alerts)


def _deal_rooms(session: Session, deps: Deps, team: str, events: list[Event], now: datetime) -> int:
    """A deal closing posts its outcome in its room, and archives the room DEAL_ROOM_ARCHIVE_DAYS later."""
    added = 0
    for event in (e for e in events if e.kind in ("won", "lost")):
        room = room_of(session, team_id=team, opportunity_id=event.record_id)
        if room is None:
            continue
        payload = {"room_id": room.id, "outcome": event.kind, "closed_at": event.at.isoformat()}
        rows = [("deal_room_outcome", now, f"room-outcome:{room.id}:{event.source_id}")]
        days = deps.settings.deal_room_archive_days
        if days:
            rows.append(("deal_room_archive", now + timedelta(days=days), f"room-archive:{room.id}:{event.source_id}"))
        for kind, due, key in rows:
            if not has_key(session, team_id=team, dedupe_key=key):
                enqueue(session, team_id=team, kind=kind, recipient=room.channel_id, due_at=due, dedupe_key=key,
                        payload=payload, record_type="opportunity", record_id=event.record_id)  # fmt: skip
                added += 1
    return added
