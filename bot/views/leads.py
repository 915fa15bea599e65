"""Lead card, New lead modal and lead lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from bot.domain.countries import country_name
from bot.domain.leads import LEAD_FIELDS, full_name
from bot.domain.parsing import format_amount
from bot.ids import (
    ACTION_CREATE_ANYWAY,
    ACTION_OPEN_EXISTING,
    ACTION_OPEN_RECORD,
    BLOCK_DUPLICATE,
    LEAD_BUTTONS,
    LEAD_DELETE,
    LEAD_MORE,
    VIEW_EDIT_LEAD,
    VIEW_LEAD_DUPLICATE,
    VIEW_NEW_LEAD,
    VIEW_NOTICE,
    RecordRef,
    ref_value,
)
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    escape,
    fields,
    header,
    modal,
    open_line,
    option,
    section,
)
from bot.views.inputs import input_block
from bot.views.people import CardPeople, people_blocks
from store.leads import LeadSummary
from store.listing import SEARCH_COUNT_CAP
from store.models import Lead

STATUS_LABELS = {"open": "Open", "qualified": "Qualified", "disqualified": "Disqualified", "deleted": "Deleted"}
DELETE_CONFIRM = {
    "title": {"type": "plain_text", "text": "Delete this lead?"},
    "text": {"type": "plain_text", "text": "Its personal data is erased for good; the timeline keeps who deleted it."},
    "confirm": {"type": "plain_text", "text": "Delete"},
    "deny": {"type": "plain_text", "text": "Keep"},
    "style": "danger",
}


def new_lead_modal(initial: Mapping[str, str] | None = None, metadata: str = "") -> dict[str, Any]:
    initial = initial or {}
    blocks = [
        input_block(spec, initial=initial.get(spec.key, ""), optional=spec.key != "topic") for spec in LEAD_FIELDS
    ]
    return modal("New lead", blocks, callback_id=VIEW_NEW_LEAD, submit="Create", metadata=metadata)


def edit_lead_modal(lead: Lead, metadata: str) -> dict[str, Any]:
    values = {spec.key: _field_text(getattr(lead, spec.key)) for spec in LEAD_FIELDS}
    blocks = [input_block(spec, initial=values[spec.key], optional=spec.key != "topic") for spec in LEAD_FIELDS]
    return modal("Edit lead", blocks, callback_id=VIEW_EDIT_LEAD, submit="Save", metadata=metadata)


def _field_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def duplicate_view(existing: Sequence[Lead], draft_id: int) -> dict[str, Any]:
    """Pushed over the New lead modal when the lead looks like one we already have."""
    blocks: list[Block] = [
        section(":warning: This lead looks like one you already have (same email, or same company and name).")
    ]
    for lead in existing[:5]:
        who = full_name(lead.first_name, lead.last_name) or "–"
        status = STATUS_LABELS.get(lead.status, lead.status)
        line = f"*{escape(lead.topic)}*\n{escape(who)} · {escape(lead.company) or '–'} · {escape(lead.email) or '–'}"
        blocks.append(section(f"{line} · _{status}_, owner <@{lead.owner_id}>"))
    first = RecordRef("lead", existing[0].id or 0).encode()
    draft = RecordRef("lead", draft_id).encode()
    blocks.extend(
        actions(
            [
                button("Open existing", ACTION_OPEN_EXISTING, first, style="primary"),
                button("Create anyway", ACTION_CREATE_ANYWAY, draft),
            ],
            block_id=BLOCK_DUPLICATE,
        )
    )
    return modal("Possible duplicate", blocks, callback_id=VIEW_LEAD_DUPLICATE)


def notice_view(title: str, text: str, blocks: list[Block] | None = None) -> dict[str, Any]:
    return modal(title, [section(text), *(blocks or [])][:100], callback_id=VIEW_NOTICE)


def lead_card(lead: Lead, people: CardPeople | None = None) -> list[Block]:
    ref = RecordRef("lead", lead.id or 0).encode()
    blocks: list[Block] = [header(lead.topic), *fields(_lead_fields(lead))]
    if lead.description:
        blocks.append(section(escape(lead.description)))
    blocks.append(context(_lead_context(lead)))
    if lead.score is not None:
        blocks.append(context(f"Score {lead.score} · grade {lead.grade} — {escape(lead.score_reason)}"))
    if lead.status == "qualified" and lead.opportunity_id:
        blocks.append(
            section(
                f":trophy: Qualified: opportunity #{lead.opportunity_id} carries it on. "
                f"Find it with `/opp {escape(lead.topic[:60])}`."
            )
        )
    blocks.extend(people_blocks(people))
    buttons = [button(label, action_id, ref) for label, action_id in _buttons(lead)]
    for element in buttons:
        if element["action_id"] == LEAD_DELETE:
            element["confirm"] = DELETE_CONFIRM
    if lead.status == "open":  # an admin's less-used option (bot/services/routing.py)
        buttons.append({"type": "overflow", "action_id": LEAD_MORE, "options": [option(REASSIGN_BY_RULES, ref)]})
    blocks.extend(actions(buttons, block_id=ref))
    return blocks


REASSIGN_BY_RULES = "Reassign by rules"


def lead_card_text(lead: Lead) -> str:
    """The notification text of a card message (shown in notifications and screen readers)."""
    who = full_name(lead.first_name, lead.last_name) or lead.company
    return f"Lead: {escape(lead.topic)}" + (f" — {escape(who)}" if who else "")


def _buttons(lead: Lead) -> list[tuple[str, str]]:
    if lead.status == "deleted":
        keep = {"Timeline"}
    elif lead.status == "disqualified":
        keep = {"Reactivate", "Timeline", "Add note", "Share", "Delete"}
    elif lead.status == "qualified":
        keep = {"Timeline", "Share"}
    else:
        keep = {label for label, _ in LEAD_BUTTONS} - {"Reactivate"}
    return [(label, action_id) for label, action_id in LEAD_BUTTONS if label in keep]


def _lead_fields(lead: Lead) -> list[tuple[str, str]]:
    contact = full_name(lead.first_name, lead.last_name)
    if lead.job_title:
        contact = f"{contact}, {lead.job_title}" if contact else lead.job_title
    pairs = [
        ("Contact", escape(contact) or "–"),
        ("Company", escape(lead.company) or "–"),
        ("Email", escape(lead.email) or "–"),
        ("Business phone", escape(lead.business_phone) or "–"),
        ("City", escape(lead.city) or "–"),
        ("Country", country_name(lead.country) or "–"),
        ("Budget amount", format_amount(lead.budget_amount, lead.currency)),
        ("Purchase timeframe", lead.purchase_timeframe or "–"),
        ("Lead source", lead.lead_source or "–"),
        ("Owner", f"<@{lead.owner_id}>" if lead.owner_id else "Unassigned: waiting in the leads channel"),
        ("Status", _status(lead)),
        ("Score", f"{lead.score} ({lead.grade})" if lead.score is not None else "not scored yet"),
    ]
    return pairs


def _status(lead: Lead) -> str:
    label = STATUS_LABELS.get(lead.status, lead.status)
    return f"{label} — {lead.status_reason}" if lead.status_reason else label


def _lead_context(lead: Lead) -> str:
    research = []
    if lead.industry:
        research.append(lead.industry)
    if lead.employees is not None:
        research.append(f"{lead.employees:,} employees")
    if lead.annual_revenue is not None:
        research.append(f"revenue {format_amount(lead.annual_revenue, lead.currency)}")
    created = f"<!date^{int(lead.created_at.timestamp())}^created {{date_short_pretty}}|created>"
    via = [f"via {escape(lead.origin)}"] if lead.origin else []
    return " · ".join([f"Lead #{lead.id}", *research, created, *via])


def _lead_line(lead: Lead | LeadSummary) -> Block:
    """One lead of a list and its `Open` button."""
    who = full_name(lead.first_name, lead.last_name) or "–"
    line = f"*{escape(lead.topic)}*\n{escape(who)} · {escape(lead.company) or '–'}"
    if lead.status != "open":
        line += f" · _{STATUS_LABELS.get(lead.status, lead.status)}_"
    return open_line(line, ACTION_OPEN_RECORD, ref_value("lead", lead.id or 0))


def count_text(total: int, cap: int | None = None) -> str:
    """A count as shown: exact ("10,000": the unfiltered lists, store/owner_counts.py), or past its cap
    (store/listing.py) as "1,000+" (a due window) or "100+" (a search)."""
    return f"{cap:,}+" if cap is not None and total > cap else f"{total:,}"


def search_count_text(total: int) -> str:
    return count_text(total, SEARCH_COUNT_CAP)


def lead_list(
    leads: Sequence[Lead | LeadSummary], *, title: str, total: int | None = None, search: bool = False
) -> list[Block]:
    """A compact list: one line per lead with an `Open` button (at most 45 leads, under 50 blocks)."""
    blocks: list[Block] = [section(f"*{escape(title)}*")]
    blocks += [_lead_line(lead) for lead in leads[:45]]
    shown = min(len(leads), 45)
    if total is not None and total > shown:
        shown_of = count_text(total, SEARCH_COUNT_CAP if search else None)
        blocks.append(context(f"Showing {shown} of {shown_of}. Narrow it down with `/lead TEXT`."))
    return blocks
