"""Opportunity use cases: the process and revenue rules of bot.domain applied to what store/ holds.

Handlers call these with an open session; nothing here talks to Slack or writes its markup (the
handler words what it posts with bot/views/opportunity_messages.py). Each `save_*` takes what a
modal submitted, read by bot/views/opportunity_forms.py (with the field errors found there), adds the
checks that need the database, and returns a Result: field errors (nothing was changed) or what to
tell whom.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.domain import revenue
from bot.domain.kinds import OpportunityStatus
from bot.domain.parsing import parse_amount
from bot.domain.process import FIELD_BY_STEP, ProcessLibrary, Stage, Step
from bot.domain.quotes import QuoteStatus
from bot.domain.text import fold
from bot.refusals import Refused
from bot.services import opportunity_lines, opportunity_stages, reasons
from bot.services.processes import ProcessProvider, library_in
from bot.services.quotes import quote_gate
from bot.views import opportunity as views
from bot.views.markup import escape  # stage names come from uploaded process files: data, not markup
from bot.views.opportunity_forms import (
    AttachmentForm,
    EditForm,
    LostForm,
    NewOpportunity,
    ProductForm,
    StageForm,
    WonForm,
)
from bot.views.quotes import QUOTES_SHOWN
from store import catalog
from store import opportunities as opp_store
from store import opportunity_lists as opp_lists
from store.accounts import match_or_create_account
from store.activities import add_activity
from store.db import SessionFactory, transaction
from store.models import Literature, Opportunity, SalesOrder
from store.opportunity_lists import OpportunitySummary
from store.people import competitors
from store.prepared import reading
from store.quotes import newest_quotes_of, orders_of, orders_of_many
from store.users import Asker

GONE = "That opportunity no longer exists."


@dataclass
class Result:
    errors: dict[str, str] = field(default_factory=dict)
    new_owner: str = ""  # someone other than the editor became the owner
    sent: list[tuple[str, str]] = field(default_factory=list)  # the literature sent: (url, title)


# --- reading --------------------------------------------------------------------------------------


def load_data(session: Session, *, team: str, opp_id: int) -> views.OpportunityData | None:
    opp = opp_store.get_opportunity(session, team_id=team, opportunity_id=opp_id)
    return None if opp is None else data_of(session, opp)


def data_of(session: Session, opp: Opportunity) -> views.OpportunityData:
    """What the card of an opportunity already read shows."""
    team, opp_id = opp.team_id, opp.id or 0
    return views.OpportunityData(
        opportunity=opp,
        process=library_in(session, opp.team_id).get(opp.process_name),
        states=opportunity_stages.step_states(session, team_id=team, opportunity_id=opp_id),
        lines=opp_store.lines_of(session, team_id=team, opportunity_id=opp_id),
        attachments=opp_store.attachments_of(session, team_id=team, opportunity_id=opp_id),
        quotes=newest_quotes_of(
            session, team_id=team, opportunity_id=opp_id, leaving_out=[QuoteStatus.REVISED], limit=QUOTES_SHOWN
        ),
        orders=orders_of(session, team_id=team, opportunity_id=opp_id),
    )


@dataclass(frozen=True)
class SearchAnswer:
    """What `/opp TEXT` shows: the hits, best first; for a single hit its card's data; for several,
    the orders of those deals (e.g. every deal of an account)."""

    hits: list[OpportunitySummary]
    card: views.OpportunityData | None = None
    orders: list[SalesOrder] = field(default_factory=list)


def search(engine: Engine, new_session: SessionFactory, *, asker: Asker, folded: str, limit: int) -> SearchAnswer:
    """The opportunities the asker may see whose topic or account matches a folded query, best first,
    read outside the ORM on one pooled connection (the text probe with who asks, then the hits with
    whether they have orders): the hot path of `/opp TEXT`. An ORM transaction only for a single hit's
    card or the hits' orders. PostgreSQL runs the reads with their generic plans (store/prepared.py), the
    text probe planned for its text (store/opportunity_lists.py)."""
    with reading(engine, generic_plans=True) as reader:
        hits, ordered = opp_lists.search_for(reader, asker=asker, folded=folded, limit=limit)
    ids = [hit.id for hit in hits]
    if len(hits) != 1 and not ordered:
        return SearchAnswer(hits)
    with transaction(new_session) as session:
        if len(hits) > 1:
            return SearchAnswer(hits, orders=orders_of_many(session, team_id=asker.team_id, opportunity_ids=ids))
        data = load_data(session, team=asker.team_id, opp_id=ids[0])
    return SearchAnswer(hits if data else [], card=data)


def my_open_by_stage(
    engine: Engine, processes: ProcessProvider, *, team: str, user: str, limit: int = 200, shown: int = 40
) -> tuple[list[views.StageGroup], int]:
    """The first `limit` open opportunities by estimated close date, grouped by stage in process order
    (stages of several processes merge by name) with each group's count and money, and how many are
    open in all (exact: store/owner_counts.py); the rows of the first `shown` in group order. Read outside
    the ORM, in index order (store/opportunity_lists.py): the hot path of `/opp list`. PostgreSQL runs
    the reads with their generic plans (store/prepared.py: it re-planned the first page's at every list)."""
    with reading(engine, generic_plans=True) as reader:
        keys, total, version = opp_lists.open_keys(reader, team_id=team, owner_id=user, limit=limit)
        grouped = _grouped(keys)
        stages = _in_process_order(processes.at_version(reader, team, version), grouped)
        listed = _first_shown(stages, grouped, shown)
        rows = opp_lists.summaries_of(reader, team_id=team, ids=[i for ids in listed for i in ids])
    groups = [_stage_group(stage, grouped[stage], rows, ids) for stage, ids in zip(stages, listed, strict=True)]
    return groups, total


class _Group:
    """A stage's deals among those read: the process of its first, their ids in order, their money sums
    per currency in integer cents (exact on both databases)."""

    __slots__ = ("process_name", "ids", "sums")

    def __init__(self, process_name: str) -> None:
        self.process_name, self.ids, self.sums = process_name, list[int](), dict[str, Any]()


def _grouped(keys: list[opp_lists.ListKey]) -> dict[str, _Group]:
    """The deals read by stage, in one pass (200 per list)."""
    grouped: dict[str, _Group] = {}
    for opp_id, stage, process_name, cents, currency in keys:
        group = grouped.get(stage)
        if group is None:
            group = grouped[stage] = _Group(process_name)
        group.ids.append(opp_id)
        if cents is not None:
            sums = group.sums
            sums[currency] = sums.get(currency, 0) + cents
    return grouped


def _in_process_order(library: ProcessLibrary, grouped: dict[str, _Group]) -> list[str]:
    """The stages in the order of the process of each one's first deal (an unknown stage first), then by
    name: `library.get(process).index(stage)`, each process looked up once (a list has a few)."""
    names: dict[str, tuple[str, ...]] = {}
    order: dict[str, int] = {}
    for stage, group in grouped.items():
        found = names.get(group.process_name)
        if found is None:
            found = names[group.process_name] = library.get(group.process_name).stage_names
        order[stage] = found.index(stage) if stage in found else 0
    return sorted(grouped, key=lambda stage: (order[stage], stage))


def _first_shown(stages: list[str], grouped: dict[str, _Group], shown: int) -> list[list[int]]:
    """Per stage in this order, the ids of its deals among the first `shown` in stage order."""
    listed = []
    for stage in stages:
        ids = grouped[stage].ids[:shown]
        shown -= len(ids)
        listed.append(ids)
    return listed


def _stage_group(stage: str, group: _Group, rows: dict[int, OpportunitySummary], ids: list[int]) -> views.StageGroup:
    """A stage's count and money per currency of the deals read, and those of them shown (`ids`, those
    of them still there)."""
    totals = {currency: opp_lists.cents_money(cents) for currency, cents in group.sums.items()}
    return views.StageGroup(stage, len(group.ids), totals, [rows[opp_id] for opp_id in ids if opp_id in rows])


def competitor_names(session: Session, data: views.OpportunityData) -> list[str]:
    opp = data.opportunity
    rows = competitors(session, team_id=opp.team_id, record_type="opportunity", record_id=opp.id or 0)
    return [row.name for row in rows]


# --- New opportunity -------------------------------------------------------------------------------


def create(session: Session, *, team: str, user: str, draft: NewOpportunity, now: datetime) -> Opportunity:
    flow = library_in(session, team).choose(budget=draft.estimated_revenue)
    return opportunity_stages.create_opportunity(
        session,
        team_id=team,
        owner_id=user,
        topic=draft.topic,
        process_name=flow.name,
        account_name=draft.account,
        contact_name=draft.contact,
        estimated_close_date=draft.estimated_close_date,
        estimated_revenue=draft.estimated_revenue,
        description=draft.description,
        now=now,
    )


# --- stage moves ------------------------------------------------------------------------------------


def _closed_message(opp: Opportunity) -> str:
    return f"This opportunity is closed as {opp.status}. Reopen it to work its stages."


def _require_open(opp: Opportunity) -> None:
    if opp.status != OpportunityStatus.OPEN:
        raise Refused(_closed_message(opp))


def move(session: Session, opp: Opportunity, *, user: str, direction: str, now: datetime) -> None:
    """Move the stage of the opportunity the click loaded, or `Refused` with what to tell the user
    (e.g. the missing steps)."""
    _require_open(opp)
    if direction == "back":
        if not opportunity_stages.go_back(session, opp, user_id=user, now=now).ok:
            raise Refused(f"*{escape(opp.stage)}* is the first stage; there is no previous stage.")
        return
    if gate := quote_gate(session, opp):
        raise Refused(gate)
    result = opportunity_stages.advance(session, opp, user_id=user, now=now)
    if result.ok:
        return
    if result.missing:
        target = f"*{result.to_stage}*" if result.to_stage else "the end of the process"
        raise Refused(
            f":no_entry: Can't move to {target} yet. Complete the required steps of *{result.from_stage}* "
            f"first: {', '.join(result.missing)}."
        )
    raise Refused(
        f"*{escape(result.from_stage)}* is the last stage: use *Finish*, then close the opportunity as won or lost."
    )


def finish(session: Session, opp: Opportunity, *, user: str, now: datetime) -> None:
    """Record that the process is complete; `Refused` when it is not."""
    _require_open(opp)
    process = library_in(session, opp.team_id).get(opp.process_name)
    if not process.is_last(opp.stage):
        raise Refused(f"*{escape(opp.stage)}* is not the last stage; use *Next stage*.")
    if gate := quote_gate(session, opp):
        raise Refused(gate)
    missing = opportunity_stages.finish_check(session, opp)
    if missing:
        raise Refused(
            f":no_entry: Can't finish yet. Complete the required steps of *{opp.stage}* first: {', '.join(missing)}."
        )
    add_activity(
        session,
        team_id=opp.team_id,
        record_type="opportunity",
        record_id=opp.id or 0,
        kind="stage",
        author_id=user,
        subject=f"{process.name} finished",
        occurred_at=now,
    )


def tick(
    session: Session,
    opp: Opportunity,
    *,
    stage_index: int,
    number: int,
    selected: set[str],
    user: str,
    now: datetime,
) -> str:
    """Apply one checkbox group of the card: its options are `ref|stage index|step index`."""
    if opp.status != "open":
        return _closed_message(opp)
    process = library_in(session, opp.team_id).get(opp.process_name)
    if not 0 <= stage_index < len(process.stages):
        return "That checklist is out of date; here is the current card."
    stage = process.stages[stage_index]
    boxes = [(index, step) for index, step in enumerate(stage.steps) if step.is_checkbox]
    chunk = boxes[number * views.CHECKBOXES_MAX : (number + 1) * views.CHECKBOXES_MAX]
    ticked = {value.rsplit("|", 1)[-1] for value in selected}
    changes = _set_steps(session, opp, stage, chunk, {}, ticked, user)
    if changes:
        _log_steps(session, opp, user=user, subject=f"{stage.name}: " + ", ".join(changes), now=now)
    return ""


def refuse_closed(opp: Opportunity) -> None:
    """Closing (won or lost) is for open opportunities."""
    if opp.status != OpportunityStatus.OPEN:
        raise Refused(f"This opportunity is already closed as {opp.status}. Reopen it first.")


def reopen(session: Session, opp: Opportunity, *, user: str, now: datetime) -> None:
    if opp.status == OpportunityStatus.OPEN:
        raise Refused("This opportunity is already open.")
    opportunity_stages.reopen(session, opp, user_id=user, now=now)


# --- Edit stage -------------------------------------------------------------------------------------


def stage_to_edit(session: Session, opp: Opportunity, name: str) -> Stage:
    """The stage the Edit stage modal was opened on (its current stage when that name is gone)."""
    process = library_in(session, opp.team_id).get(opp.process_name)
    return process.stage(name) or process.current(opp.stage)


def save_stage(
    session: Session, opp: Opportunity, stage: Stage, form: StageForm, errors: dict[str, str], *, user: str,
    now: datetime,
) -> Result:  # fmt: skip
    if opp.status != "open":
        return Result(errors={form.first_block: _closed_message(opp)})
    if errors:
        return Result(errors=errors)
    changes = _set_steps(session, opp, stage, list(enumerate(stage.steps)), form.values, form.ticked, user)
    if changes:
        _log_steps(session, opp, user=user, subject=f"{stage.name} updated", body="\n".join(changes)[:4000], now=now)
    return Result()


def _set_steps(
    session: Session,
    opp: Opportunity,
    stage: Stage,
    steps: list[tuple[int, Step]],
    values: dict[str, str],
    ticked: set[str],
    user: str,
) -> list[str]:
    """Write those of `steps` (index in the stage, step) that changed: a box is done when its index is
    in `ticked`, a value step takes `values[name]`. Returns what changed, as the timeline says it."""
    current = opportunity_stages.step_states(session, team_id=opp.team_id, opportunity_id=opp.id or 0)
    changes = []
    for index, step in steps:
        before = current.get((stage.name, step.name))
        update: dict[str, Any]
        if step.is_checkbox:
            done = str(index) in ticked
            if (before.done if before else False) == done:
                continue
            update, change = {"done": done}, ("✓ " if done else "✗ ") + step.name
        else:
            value = values[step.name]
            if (before.value if before else "") == value:
                continue
            update, change = {"value": value}, f"{step.name}: {value or '–'}"
            _mirror_field(opp, step.name, value)
        opp_store.set_step(
            session, team_id=opp.team_id, opportunity_id=opp.id or 0, stage=stage.name, step=step.name, user_id=user,
            **update,
        )  # fmt: skip
        changes.append(change)
    return changes


def _log_steps(session: Session, opp: Opportunity, *, user: str, subject: str, body: str = "", now: datetime) -> None:
    """A change of the stage's steps on the timeline; the opportunity counts as updated."""
    add_activity(session, team_id=opp.team_id, record_type="opportunity", record_id=opp.id or 0, kind="step",
                 author_id=user, subject=subject, body=body, occurred_at=now)  # fmt: skip
    opp.updated_at = now
    session.add(opp)


def _mirror_field(opp: Opportunity, step_name: str, value: str) -> None:
    """Steps such as Customer need or Confirm decision date also set the opportunity's own field."""
    column = FIELD_BY_STEP.get(step_name)
    if column is None:
        return
    if column == "decision_date":
        opp.decision_date = date.fromisoformat(value) if value else None
    elif column == "budget_amount":
        opp.budget_amount = parse_amount(value.removesuffix(opp.currency).strip()) if value else None
    else:
        setattr(opp, column, value[:2000])


# --- products ---------------------------------------------------------------------------------------------


def save_product(
    session: Session, opp: Opportunity, form: ProductForm, errors: dict[str, str], *, price_list_id: int, user: str,
    now: datetime,
) -> Result:  # fmt: skip
    """Add a product line; the product must still be on the price list, in the opportunity's currency."""
    if opp.status != "open":
        return Result(errors={"product": _closed_message(opp)})
    errors = dict(errors)
    item = None
    if form.product_id is not None:
        item = catalog.priced_product(session, team_id=opp.team_id, price_list_id=price_list_id,
                                      product_id=form.product_id)  # fmt: skip
        if item is None:
            errors["product"] = "That product is no longer on the price list."
    quantity, discount = form.quantity, form.discount
    if item is not None and quantity is not None and "discount" not in errors and discount > quantity * item.price:
        errors["discount"] = "The discount can't be more than the line's amount."
    if errors or item is None or quantity is None:
        return Result(errors=errors)
    if item.currency != opp.currency:
        return Result(
            errors={"product": f"That price list is in {item.currency}; this opportunity is in {opp.currency}."}
        )
    opportunity_lines.add_line(
        session,
        opp,
        product=item.product,
        unit_price=item.price,
        quantity=quantity,
        discount=discount,
        currency=item.currency,
        user_id=user,
        now=now,
    )
    return Result()


# --- closing -------------------------------------------------------------------------------------------------


def save_won(
    session: Session, opp: Opportunity, form: WonForm, errors: dict[str, str], *, user: str, now: datetime
) -> Result:
    if opp.status != "open":
        return Result(errors={"actual_revenue": _closed_message(opp)})
    amount, close = form.actual_revenue, form.close_date
    if errors or amount is None or close is None:
        return Result(errors=errors)
    opportunity_stages.close_won(session, opp, actual_revenue=amount, close_date=close, user_id=user, now=now)
    return Result()


def save_lost(
    session: Session, opp: Opportunity, form: LostForm, errors: dict[str, str], *, today: date, user: str,
    now: datetime,
) -> Result:  # fmt: skip
    """Close as lost, for a reason the workspace offers (some need the competitor that won)."""
    if opp.status != "open":
        return Result(errors={"reason": _closed_message(opp)})
    errors = dict(errors)
    reason, competitor, offered = form.reason, form.competitor, reasons.offered(session, opp.team_id, reasons.LOST)
    if reason not in offered:
        errors["reason"] = "Choose one of: " + ", ".join(offered) + "."
    if reasons.needs_competitor(session, opp.team_id, reason) and not competitor:
        errors["competitor"] = "Name the competitor that won."
    if errors:
        return Result(errors=errors)
    opportunity_stages.close_lost(
        session,
        opp,
        reason=reason,
        competitor=competitor,
        description=form.description,
        close_date=today,
        user_id=user,
        now=now,
    )
    return Result()


# --- Edit ----------------------------------------------------------------------------------------------------


def save_edit(
    session: Session, opp: Opportunity, edit: EditForm, errors: dict[str, str], *, user: str, now: datetime
) -> Result:
    errors = {**errors, **_edit_errors(session, opp, edit)}
    if errors:
        return Result(errors=errors)
    result = Result()
    changes = _apply_fields(session, opp, edit)
    if edit.removing:
        opportunity_lines.remove_lines(session, opp, line_ids=sorted(edit.removing), user_id=user, now=now)
    opportunity_lines.recompute_revenue(session, opp, now=now)
    if edit.process_name and edit.process_name != opp.process_name:
        opportunity_stages.change_process(session, opp, process_name=edit.process_name, user_id=user, now=now)
    owners: list[str] = []
    if edit.owner != opp.owner_id:
        owners = [opp.owner_id, edit.owner]  # the timeline draws "Owner: @a → @b" from data, not stored markup
        opp.owner_id = edit.owner
        if edit.owner != user:
            result.new_owner = edit.owner
    opp.updated_at = now
    opportunity_stages.refresh_derived(session, opp)
    session.add(opp)
    if changes or owners:
        add_activity(
            session, team_id=opp.team_id, record_type="opportunity", record_id=opp.id or 0, kind="edit",
            author_id=user, subject="Opportunity edited", body="\n".join(changes)[:4000],
            data={"owner_change": owners} if owners else {}, occurred_at=now,
        )  # fmt: skip
    return result


def _edit_errors(session: Session, opp: Opportunity, edit: EditForm) -> dict[str, str]:
    """What the Edit modal asks for that the database refuses: system revenue without products, an
    unknown process."""
    errors: dict[str, str] = {}
    lines = opp_store.lines_of(session, team_id=opp.team_id, opportunity_id=opp.id or 0)
    if edit.mode == "system" and not [line for line in lines if line.id not in edit.removing]:
        errors["revenue_mode"] = "System-calculated revenue needs products: add one, or choose User-provided."
    known = {p.name.casefold() for p in library_in(session, opp.team_id).all}
    if edit.process_name and edit.process_name.casefold() not in known:
        errors["process"] = "Choose one of the sales processes."
    return errors


def _apply_fields(session: Session, opp: Opportunity, edit: EditForm) -> list[str]:
    """Copy the edited fields onto the opportunity; the timeline's lines for what changed."""
    changes: list[str] = []
    if edit.account != opp.account_name:
        opp.account_id = (
            match_or_create_account(session, team_id=opp.team_id, name=edit.account, name_key=fold(edit.account)).id
            if edit.account
            else None
        )
        changes.append(f"Account: {edit.account or '–'}")
        opp.account_name = edit.account
    if edit.contact != opp.contact_name:
        changes.append(f"Contact: {edit.contact or '–'}")
        opp.contact_name = edit.contact
    if edit.topic != opp.topic:
        changes.append(f"Topic: {edit.topic}")
        opp.topic = edit.topic
    if edit.close != opp.estimated_close_date:
        changes.append(f"Estimated close date: {edit.close.isoformat() if edit.close else '–'}")
        opp.estimated_close_date = edit.close
    if edit.description != opp.description:
        changes.append("Description updated")
        opp.description = edit.description
    if edit.mode != opp.revenue_mode:
        changes.append("Revenue: " + ("system-calculated" if edit.mode == "system" else "user-provided"))
        opp.revenue_mode = edit.mode
    if edit.mode == "user" and edit.amount != opp.estimated_revenue:
        changes.append(f"Estimated revenue: {revenue.format_money(edit.amount, opp.currency)}")
        opp.estimated_revenue = edit.amount
    return changes


# --- literature and files ---------------------------------------------------------------------------------------


def literature_choices(session: Session, opp: Opportunity, product_ids: set[int]) -> tuple[list[Literature], set[int]]:
    """The library, items covering the opportunity's products first, and the ids of those covering
    them; `Refused` when the library is empty."""
    items = catalog.suggest_literature(session, team_id=opp.team_id, product_ids=product_ids)
    if not items:
        raise Refused(
            "The sales literature library is empty. Admins and managers add documents and links with "
            "`/salesbot catalog`."
        )
    return items, {item.id or 0 for item in items if product_ids & set(item.product_ids or [])}


def save_literature(session: Session, opp: Opportunity, chosen: list[int], *, user: str, now: datetime) -> Result:
    items = catalog.get_literature(session, team_id=opp.team_id, ids=chosen)
    if not items:
        return Result(errors={"literature_0": "Those items are no longer in the library."})
    links = [{"url": _literature_url(item), "title": item.title} for item in items]
    titles = ", ".join(item.title for item in items)
    add_activity(
        session,
        team_id=opp.team_id,
        record_type="opportunity",
        record_id=opp.id or 0,
        kind="literature",
        author_id=user,
        subject=f"Sent literature: {titles}"[:300],
        data={"literature_ids": [item.id for item in items], "links": links},  # drawn as links by the timeline
        occurred_at=now,
    )
    return Result(sent=[(str(item["url"]), str(item["title"])) for item in links])


def _literature_url(item: Any) -> str:
    return str(item.url or (f"https://slack.com/files/{item.slack_file_id}" if item.slack_file_id else ""))


def save_attachment(session: Session, opp: Opportunity, form: AttachmentForm, *, user: str, now: datetime) -> Result:
    """Attach the first file uploaded, or else the link."""
    step = form.step
    if form.files:
        for file in form.files[:1]:
            name = form.title or file.get("title") or file.get("name") or "File"
            url = file.get("permalink") or file.get("url_private") or ""
            opportunity_stages.attach(
                session, opp, title=name, url=url, slack_file_id=file.get("id"), step=step, user_id=user, now=now
            )
    else:
        opportunity_stages.attach(
            session, opp, title=form.title or form.url, url=form.url, slack_file_id=None, step=step, user_id=user,
            now=now,
        )  # fmt: skip
    return Result()
