"""The morning digest: a manager's team (or a rep's own day), read from the database at send time.

Yesterday and today are the recipient's local days (DST-correct); all rows are compared in UTC.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.config import Settings
from bot.domain.assistant import day_bounds, format_local
from bot.domain.quotes import quote_number
from bot.domain.revenue import format_money
from bot.views.assistant import SECTION_ITEMS, Digest, DigestItem, digest_message, titled_label
from bot.views.markup import escape, mention
from scheduler.labels import record_label
from scheduler.unclaimed_leads import unclaimed_section
from store import planning
from store.digests import activity_kinds_by_author, opportunities_by_id, stage_changes_between
from store.models import Outbox
from store.planning import OpenDeal
from store.prepared import Reader, session_reader
from store.quotes import pending_for
from store.records import RecordTitle
from store.task_lists import TaskSummary, open_tasks_due_page
from store.tasks import appointments_page
from store.users import get_user, reps_of

KIND_NAMES = {
    "call": ("call", "calls"),
    "note": ("note", "notes"),
    "appointment": ("appointment", "appointments"),
    "reply": ("reply", "replies"),
    "status": ("status change", "status changes"),
    "stage": ("stage change", "stage changes"),
    "email": ("email", "emails"),
}


def _count(kind: str, number: int) -> str:
    one, many = KIND_NAMES.get(kind, (kind, kind + "s"))
    return f"{number} {one if number == 1 else many}"


def build_digest(session: Session, settings: Settings, row: Outbox, *, tz: str) -> Digest | None:
    """The digest to send, or None when there is nothing to say and the recipient did not ask for empty ones."""
    team, user_id = row.team_id, row.recipient
    scope = str(row.payload.get("scope", "team"))
    day = date.fromisoformat(str(row.payload["day"]))
    me = get_user(session, team_id=team, user_id=user_id)
    people = reps_of(session, team_id=team, manager_id=user_id) if scope == "team" else [user_id]
    when = f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"
    title = f"Team digest — {when}" if scope == "team" else f"Your day — {when}"
    digest = Digest(title=title)
    if people:
        _fill_sections(digest, session, settings, team, people, day, tz, team_view=scope == "team")
    pending, unlisted = pending_quotes_section(session, team, user_id)
    digest.sections += pending
    digest.more[PENDING_QUOTES] = unlisted
    if scope == "team":
        digest.sections += unclaimed_section(session, team, day, tz)
    if digest.empty and not (scope == "team" and me is not None and me.digest_when_empty):
        return None
    return digest


PENDING_QUOTES = "Quotes waiting for your approval"
APPOINTMENTS = "Today's appointments"


def pending_quotes_section(
    session: Session, team: str, approver: str
) -> tuple[list[tuple[str, list[DigestItem]]], int]:
    """Quotes waiting for the recipient's approval (the quote card's Open is on the opportunity): the first
    SECTION_ITEMS, and how many more there are."""
    quotes, total = pending_for(session, team_id=team, approver_id=approver, limit=SECTION_ITEMS)
    items = [
        DigestItem(
            f"*Quote {quote_number(q.number)} rev {q.revision}* {escape(q.name)} — {format_money(q.total, q.currency)}"
            f" — <@{q.owner_id}>",
            ref=f"opportunity:{q.opportunity_id}",
            label=q.name,
        )
        for q in quotes
    ]
    return ([(PENDING_QUOTES, items)] if items else []), total - len(items)


def digest_message_for(digest: Digest) -> dict[str, Any]:
    text, blocks = digest_message(digest)
    return {"text": text, "blocks": blocks}


def _fill_sections(
    digest: Digest, session: Session, settings: Settings, team: str, people: list[str], day: date, tz: str, *,
    team_view: bool,
) -> None:  # fmt: skip
    """The people's sections, each listing at most SECTION_ITEMS deals read in index order (a team with
    thousands of stale deals reads its first ones and counts the rest)."""
    today_start, _ = day_bounds(day, tz)
    y_start, y_end = day_bounds(day - timedelta(days=1), tz)
    who = functools.partial(_owner_suffix, team_view)
    stale_before = today_start - timedelta(days=settings.stale_deal_days)
    past_close, late, _ = _first_deals(
        functools.partial(_past_close_of, session, team, day), functools.partial(_count_past_close, session, team, day),
        people,
    )  # fmt: skip
    stale, idle, at_least = _first_deals(
        functools.partial(_stale_of, session, team, stale_before),
        functools.partial(_count_stale, session, team, stale_before),
        people,
        cap=planning.STALE_COUNT_CAP,
    )
    if at_least:
        digest.at_least.add("Stale deals")
    appointments, due_today, overdue, unlisted = _agenda_items(session, team, people, day, tz, who, past_close)
    moves, won, lost = _stage_items(session, team, people, y_start, y_end, who)
    digest.sections = [
        ("Yesterday's activity", _activity_items(session, team, people, y_start, y_end)),
        (APPOINTMENTS, appointments),
        ("Due today", due_today),
        ("Overdue", overdue),
        ("Stage moves yesterday", moves),
        ("Won yesterday", won),
        ("Lost yesterday", lost),
        ("Stale deals", _stale_items(stale, settings.stale_deal_days, who)),
    ]
    digest.more = {
        **unlisted,
        "Overdue": unlisted["Overdue"] + late - len(past_close),
        "Stale deals": idle - len(stale),
    }


def _past_close_of(session: Session, team: str, day: date, person: str, limit: int) -> list[OpenDeal]:
    return planning.past_close_of(session, team_id=team, owner_id=person, day=day, limit=limit)


def _count_past_close(session: Session, team: str, day: date, person: str) -> int:
    return planning.count_past_close(session, team_id=team, owner_id=person, day=day)


def _stale_of(session: Session, team: str, before: datetime, person: str, limit: int) -> list[OpenDeal]:
    return planning.stale_of(session, team_id=team, owner_id=person, before=before, limit=limit)


def _count_stale(session: Session, team: str, before: datetime, person: str) -> int:
    return planning.count_stale(session, team_id=team, owner_id=person, before=before)


def _owner_suffix(team_view: bool, user: str) -> str:
    """A team digest names whose item it is; a rep's own digest does not."""
    return f" — {mention(user)}" if team_view else ""


# today's appointments, the tasks due today, what is overdue; and how many tasks of each were not read
AgendaItems = tuple[list[DigestItem], list[DigestItem], list[DigestItem], dict[str, int]]


def _agenda_items(
    session: Session,
    team: str,
    people: list[str],
    day: date,
    tz: str,
    who: Callable[[str], str],
    past_close: list[OpenDeal],
) -> AgendaItems:
    """Today's appointments, the tasks due today, and what is overdue (tasks and deals past their close date)."""
    today_start, today_end = day_bounds(day, tz)
    first, meetings = appointments_page(session, team_id=team, user_ids=people, start=today_start, end=today_end,
                                        limit=SECTION_ITEMS)  # fmt: skip
    appointments = [
        DigestItem(
            f"{format_local(a.start_at, tz, with_date=False)} *{escape(a.subject)}*{who(a.owner_id)}"
            + _about(session, team, a.record_type, a.record_id),
            ref=f"{a.record_type}:{a.record_id}",
            label=a.subject,
        )
        for a in first
    ]
    reader = session_reader(session)
    today, today_total = _first_tasks(reader, team, people, after=today_start, before=today_end)
    late, late_total = _first_tasks(reader, team, people, after=None, before=today_start)
    due_today = [_task_item(task, title, tz, who(owner)) for owner, task, title in today]
    overdue = [_task_item(task, title, tz, who(owner)) for owner, task, title in late]
    overdue += [
        DigestItem(
            f"*{escape(o.topic)}* past its close date ({o.estimated_close_date}){who(o.owner_id)}",
            ref=f"opportunity:{o.id}",
            label=o.topic,
        )
        for o in past_close
    ]
    unlisted = {
        APPOINTMENTS: meetings - len(first),
        "Due today": today_total - len(today),
        "Overdue": late_total - len(late),
    }
    return appointments, due_today, overdue, unlisted


def _first_tasks(
    reader: Reader, team: str, people: list[str], *, after: datetime | None, before: datetime
) -> tuple[list[tuple[str, TaskSummary, RecordTitle | None]], int]:
    """The first SECTION_ITEMS open tasks due in [after, before) of everyone's (each person's read along
    their index, store/task_lists.py), with their owners and their records' titles, and how many there are."""
    found: list[tuple[str, TaskSummary, RecordTitle | None]] = []
    total = 0
    for person in people:
        tasks, count = open_tasks_due_page(reader, team_id=team, owner_id=person, after=after, before=before,
                                           limit=SECTION_ITEMS, capped=False)  # fmt: skip
        found += [(person, task, title) for task, title in tasks]
        total += count
    found.sort(key=lambda line: (line[1].due_at, line[1].priority, line[1].id))
    return found[:SECTION_ITEMS], total


def _stale_items(deals: list[OpenDeal], days: int, who: Callable[[str], str]) -> list[DigestItem]:
    return [
        DigestItem(
            f"*{escape(o.topic)}* — no activity for {days}+ days{who(o.owner_id)}",
            ref=f"opportunity:{o.id}",
            label=o.topic,
        )
        for o in deals
    ]


def _first_deals(
    read: Callable[[str, int], list[OpenDeal]], count: Callable[[str], int], people: list[str], cap: int | None = None
) -> tuple[list[OpenDeal], int, bool]:
    """The first SECTION_ITEMS deals of everyone's (each read in index order), and how many there are in all;
    a person is counted only when their first page is full, up to `cap` when given (`count` reads at most
    cap + 1: past it the total is a lower bound, and the third value True)."""
    deals: list[OpenDeal] = []
    counted, capped = 0, False
    for person in people:
        theirs = read(person, SECTION_ITEMS)
        deals += theirs
        found = count(person) if len(theirs) == SECTION_ITEMS else len(theirs)
        capped = capped or (cap is not None and found > cap)
        counted += found if cap is None else min(found, cap)
    deals.sort(key=lambda o: (o.estimated_close_date or date.max, o.id))
    return deals[:SECTION_ITEMS], counted, capped


def _about(session: Session, team: str, record_type: str | None, record_id: int | None) -> str:
    label = record_label(session, team, record_type, record_id)
    return f" ({label.kind} {escape(label.title)})" if label else ""


def _activity_items(session: Session, team: str, people: list[str], start: datetime, end: datetime) -> list[DigestItem]:
    """Yesterday's activity per rep: `<@U2>: 2 calls, 1 note`."""
    per_rep: dict[str, Counter[str]] = defaultdict(Counter)
    for author, kind in activity_kinds_by_author(session, team_id=team, authors=people, start=start, end=end):
        per_rep[author][kind] += 1
    return [
        DigestItem(f"{mention(rep)}: " + ", ".join(_count(k, n) for k, n in counts.most_common()))
        for rep, counts in sorted(per_rep.items())
    ]


def _stage_items(
    session: Session, team: str, people: list[str], start: datetime, end: datetime, who: Callable[[str], str]
) -> tuple[list[DigestItem], list[DigestItem], list[DigestItem]]:
    """Yesterday's stage moves, wins and losses."""
    changes = stage_changes_between(session, team_id=team, owners=people, start=start, end=end)
    opps = opportunities_by_id(session, team_id=team, ids={c.opportunity_id for c in changes})
    moves: list[DigestItem] = []
    won: list[DigestItem] = []
    lost: list[DigestItem] = []
    for change in changes:
        opp = opps.get(change.opportunity_id)
        label = opp.topic if opp else f"Opportunity {change.opportunity_id}"
        name = escape(label)
        ref = f"opportunity:{change.opportunity_id}"
        if change.kind == "won":
            amount = f" · {opp.actual_revenue:,.2f} {opp.currency}" if opp and opp.actual_revenue is not None else ""
            won.append(DigestItem(f"*{name}*{amount}{who(change.owner_id)}", ref=ref, label=label))
        elif change.kind == "lost":
            reason = f" ({escape(opp.close_reason)})" if opp and opp.close_reason else ""
            lost.append(DigestItem(f"*{name}*{reason}{who(change.owner_id)}", ref=ref, label=label))
        else:
            to_stage = escape(change.to_stage)
            arrow = f"{escape(change.from_stage)} → {to_stage}" if change.from_stage else f"entered {to_stage}"
            moves.append(DigestItem(f"*{name}*: {arrow}{who(change.owner_id)}", ref=ref, label=label))
    return moves, won, lost


def _task_item(task: TaskSummary, title: RecordTitle | None, tz: str, owner: str) -> DigestItem:
    """A task's line, its record named from the title its page read (no read per line)."""
    label = titled_label(*title) if title is not None else None
    about = f" ({label.kind} {escape(label.title)})" if label else ""
    due = format_local(task.due_at, tz)
    return DigestItem(
        f"{escape(task.title)}{about} — due {due}{owner}",
        ref=label.ref if label else None,
        label=label.title if label else "",
    )
