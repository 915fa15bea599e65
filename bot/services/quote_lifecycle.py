"""A quote after its draft: approval, activation, sending, revision, the customer's answer, orders.

The state changes two clicks could race on go through `store.quotes.transition`, a conditional
UPDATE: of two `Approve` or `Customer accepted` clicks exactly one has an effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.domain import quotes as rules
from bot.domain import revenue
from bot.domain.kinds import RecordType
from bot.domain.quotes import OrderStatus, QuoteStatus
from bot.refusals import Refused
from bot.services.processes import library_in
from bot.services.quotes import QuoteConfig, QuoteData, _log, _recompute
from store import opportunities as opp_store
from store import quotes as quote_store
from store.activities import add_activity
from store.models import Quote, QuoteLine, SalesOrder
from store.outbox import enqueue
from store.users import get_user, users_with_role

NUDGE_KIND = "quote_approval_nudge"
SENT_STEPS = ("Present proposal", "Present final proposal")


# --- approval -----------------------------------------------------------------------------------


def approver_of(session: Session, data: QuoteData, cfg: QuoteConfig) -> str:
    rule = data.rule
    assert rule is not None
    owner = data.quote.owner_id
    user = get_user(session, team_id=data.quote.team_id, user_id=owner)
    admins = sorted(set(users_with_role(session, team_id=data.quote.team_id, role="admin")) | cfg.admin_ids)
    approver, why = rules.approver_for(rule, owner=owner, manager=user.manager_id if user else None, admins=admins)
    if approver is None:
        raise Refused(
            f"This quote needs approval ({rule.reason(data.totals, data.quote.currency)}). {why} "
            "Ask an admin to name a manager for its owner in `/salesbot admin`."
        )
    return approver


def submit(session: Session, *, data: QuoteData, user: str, cfg: QuoteConfig, now: datetime) -> str:
    """Send a Draft for approval; returns the approver."""
    quote = data.quote
    rules.refuse_unless(data.status, {QuoteStatus.DRAFT}, "submitted for approval")
    if not data.lines:
        raise Refused("This quote has no lines yet. Add a product first.")
    if data.rule is None:
        raise Refused("This quote needs no approval: use *Activate*.")
    approver = approver_of(session, data, cfg)
    values = {
        "status": QuoteStatus.IN_REVIEW.value,
        "submitted_version": quote.version,
        "approver_id": approver,
        "submitted_at": now,
        "decided_by": "",
        "decision_reason": "",
        "updated_at": now,
    }
    _transition(
        session,
        quote,
        from_status=[QuoteStatus.DRAFT],
        values=values,
        refusal="This quote changed meanwhile; look at its card again.",
        version=quote.version,
    )
    quote = require_quote(session, quote)
    _log(
        session,
        quote,
        user,
        now,
        "submitted for approval",
        data.rule.reason(data.totals, quote.currency),
        people=[approver],
    )
    schedule_nudge(session, quote, now + timedelta(hours=cfg.nudge_hours), day=1)
    return approver


def schedule_nudge(session: Session, quote: Quote, due: datetime, *, day: int) -> None:
    enqueue(
        session,
        team_id=quote.team_id,
        kind=NUDGE_KIND,
        recipient=quote.approver_id or "",
        due_at=due,
        dedupe_key=f"quote_nudge:{quote.id}:{quote.version}:{day}",
        record_type=RecordType.OPPORTUNITY,
        record_id=quote.opportunity_id,
        payload={"quote_id": quote.id, "version": quote.version, "day": day},
    )


def require_quote(session: Session, quote: Quote) -> Quote:
    fresh = quote_store.get_quote(session, team_id=quote.team_id, quote_id=quote.id or 0)
    assert fresh is not None
    return fresh


def check_decider(data: QuoteData, *, version: int, user: str, is_admin: bool) -> None:
    """Refuse an approval answer from someone else than the approver (or an admin), from the quote's
    owner, on a quote no longer in review, or on a version other than the one submitted."""
    quote = data.quote
    if data.status != QuoteStatus.IN_REVIEW:
        raise Refused(f"This quote is {data.status.label}: there is nothing to approve or reject.")
    if version != quote.version or quote.submitted_version != quote.version:
        raise Refused("This quote was edited since it was submitted; the new version needs its own request.")
    if user != quote.approver_id and not is_admin:
        raise Refused("Only the approver of this quote or an admin can approve or reject it.")
    if user == quote.owner_id:
        raise Refused("You cannot approve or reject your own quote.")


def decide(
    session: Session,
    *,
    data: QuoteData,
    version: int,
    user: str,
    is_admin: bool,
    approve: bool,
    reason: str,
    now: datetime,
) -> Quote:
    """Approve or reject the version that was submitted; a second click or a stale one is refused."""
    quote = data.quote
    check_decider(data, version=version, user=user, is_admin=is_admin)
    if not approve and not reason.strip():
        raise Refused("Give a reason to reject the quote.")
    to = QuoteStatus.APPROVED if approve else QuoteStatus.REJECTED
    values = {"status": to.value, "decided_by": user, "decision_reason": reason.strip()[:1000], "updated_at": now}
    _transition(
        session,
        quote,
        from_status=[QuoteStatus.IN_REVIEW],
        values=values,
        refusal="This quote was already decided, or edited meanwhile. Nothing was changed.",
        version=version,
    )
    quote = require_quote(session, quote)
    _log(session, quote, user, now, "approved" if approve else "rejected", reason.strip())
    return quote


# --- activation, sending, revision ---------------------------------------------------------------


def activate(session: Session, *, data: QuoteData, user: str, now: datetime) -> Quote:
    """Approved, or a Draft no rule applies to → Active: prices are locked from now on."""
    quote = data.quote
    if data.status == QuoteStatus.DRAFT and data.rule is not None:
        raise Refused(
            f"This quote needs approval first ({data.rule.reason(data.totals, quote.currency)}): "
            "use *Submit for approval*."
        )
    rules.refuse_unless(data.status, {QuoteStatus.DRAFT, QuoteStatus.APPROVED}, "activated")
    if not data.lines:
        raise Refused("This quote has no lines yet. Add a product first.")
    values = {"status": QuoteStatus.ACTIVE.value, "activated_at": now, "updated_at": now}
    _transition(
        session,
        quote,
        from_status=[data.status],
        values=values,
        refusal="This quote changed meanwhile; look at its card again.",
        version=quote.version,
    )
    quote = require_quote(session, quote)
    _log(session, quote, user, now, "activated", revenue.format_money(quote.total, quote.currency))
    return quote


def mark_sent(session: Session, *, data: QuoteData, user: str, now: datetime) -> None:
    quote = data.quote
    rules.refuse_unless(data.status, {QuoteStatus.ACTIVE}, "marked as sent")
    quote.sent_at, quote.updated_at = now, now
    session.add(quote)
    _log(session, quote, user, now, "sent to the customer")
    stage = opp_store.get_opportunity(session, team_id=quote.team_id, opportunity_id=quote.opportunity_id)
    if stage is None:
        return
    current = library_in(session, quote.team_id).get(stage.process_name).current(stage.stage)
    for step in current.steps:
        if step.name in SENT_STEPS and step.is_checkbox:
            opp_store.set_step(
                session,
                team_id=quote.team_id,
                opportunity_id=quote.opportunity_id,
                stage=current.name,
                step=step.name,
                user_id=user,
                done=True,
            )


def revise(session: Session, *, data: QuoteData, user: str, now: datetime) -> Quote:
    """The Active quote becomes Revised; a new Draft keeps its number, with rev + 1 and the same lines."""
    old = data.quote
    rules.refuse_unless(data.status, {QuoteStatus.ACTIVE}, "revised")
    _transition(
        session,
        old,
        from_status=[QuoteStatus.ACTIVE],
        values={"status": QuoteStatus.REVISED.value, "updated_at": now},
        refusal="This quote was already revised or closed. Nothing was changed.",
    )
    session.refresh(old)  # the conditional UPDATE expired it; model_dump reads loaded attributes only
    lines = quote_store.lines_of(session, team_id=old.team_id, quote_id=old.id or 0)
    fields = old.model_dump(
        exclude={
            "id",
            "status",
            "revision",
            "version",
            "submitted_version",
            "approver_id",
            "submitted_at",
            "decided_by",
            "decision_reason",
            "activated_at",
            "sent_at",
            "close_reason",
            "created_at",
            "updated_at",
            "created_by",
        }
    )
    draft = QuoteStatus.DRAFT.value
    new = Quote(**fields, revision=old.revision + 1, status=draft, created_by=user, created_at=now, updated_at=now)
    session.add(new)
    session.flush()
    quote_store.add_lines(session, [_copy_line(line, new.id or 0) for line in lines])
    _recompute(session, new, now)
    _log(session, old, user, now, f"revised (rev {new.revision} is a new Draft)")
    return new


def _copy_line(line: QuoteLine, quote_id: int) -> QuoteLine:
    return QuoteLine(
        team_id=line.team_id,
        quote_id=quote_id,
        product_id=line.product_id,
        product_name=line.product_name,
        unit=line.unit,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
    )


# --- the customer's answer, orders -----------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    order: SalesOrder
    closed_quotes: list[str]


def accept(session: Session, *, data: QuoteData, user: str, now: datetime) -> Accepted:
    """Active → Won, an order with the quote's lines and totals, the opportunity's other open quotes Lost."""
    quote = data.quote
    rules.refuse_unless(data.status, {QuoteStatus.ACTIVE}, "accepted")
    if data.expired:
        raise Refused(f"This quote expired on {quote.valid_until}: revise it, then activate the new revision.")
    _transition(
        session,
        quote,
        from_status=[QuoteStatus.ACTIVE],
        values={"status": QuoteStatus.WON.value, "updated_at": now},
        refusal="This quote was already accepted or closed. Nothing was changed.",
    )
    number = quote_store.claim_number(session, team_id=quote.team_id, kind="order")
    order = _order_of(data, number, user, now)
    session.add(order)
    session.flush()
    quote = require_quote(session, quote)
    _log(
        session,
        quote,
        user,
        now,
        f"accepted by the customer — order {rules.order_number(number)}",
        revenue.format_money(order.total, order.currency),
    )
    closed = _close_others(session, quote, user, now)
    session.refresh(order)  # loaded before the commit: the caller renders it after the session closes
    return Accepted(order, closed)


def _order_of(data: QuoteData, number: int, user: str, now: datetime) -> SalesOrder:
    """The order of an accepted quote, with its lines and totals."""
    return SalesOrder(
        team_id=data.quote.team_id,
        number=number,
        quote_id=data.quote.id or 0,
        opportunity_id=data.quote.opportunity_id,
        owner_id=data.quote.owner_id,
        account_name=data.quote.account_name,
        currency=data.quote.currency,
        subtotal=data.totals.subtotal,
        discount_percent=data.quote.discount_percent,
        freight=data.totals.freight,
        tax_rate=data.quote.tax_rate,
        total=data.totals.total,
        lines=[_order_line(line) for line in data.lines],
        created_by=user,
        created_at=now,
        updated_at=now,
    )


def _order_line(line: QuoteLine) -> dict[str, str]:
    return {
        "product": line.product_name,
        "unit": line.unit,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "discount": str(line.discount),
    }


def _close_others(session: Session, won: Quote, user: str, now: datetime) -> list[str]:
    closed = []
    for other in quote_store.quotes_of(session, team_id=won.team_id, opportunity_id=won.opportunity_id):
        if other.id == won.id or QuoteStatus(other.status) not in rules.OPEN:
            continue
        if quote_store.transition(
            session,
            team_id=won.team_id,
            quote_id=other.id or 0,
            from_status=rules.OPEN,
            values={"status": QuoteStatus.LOST.value, "close_reason": "Another quote was accepted", "updated_at": now},
        ):
            _log(session, other, user, now, f"closed as Lost: {rules.quote_number(won.number)} was accepted")
            closed.append(f"{rules.quote_number(other.number)} rev {other.revision}")
    return closed


def decline(session: Session, *, data: QuoteData, user: str, reason: str, now: datetime) -> None:
    quote = data.quote
    rules.refuse_unless(data.status, {QuoteStatus.ACTIVE}, "declined")
    if not reason.strip():
        raise Refused("Give the customer's reason.")
    values = {"status": QuoteStatus.LOST.value, "close_reason": reason.strip()[:1000], "updated_at": now}
    _transition(
        session,
        quote,
        from_status=[QuoteStatus.ACTIVE],
        values=values,
        refusal="This quote was already closed. Nothing was changed.",
    )
    _log(session, quote, user, now, "declined by the customer", reason.strip())


def get_order(session: Session, *, team_id: str, order_id: int) -> SalesOrder | None:
    return quote_store.get_order(session, team_id=team_id, order_id=order_id)


def change_order(session: Session, *, order: SalesOrder, to: OrderStatus, user: str, now: datetime) -> SalesOrder:
    """Mark a submitted order fulfilled or canceled; the order as it is now."""
    set_order(session, order=order, to=to, user=user, now=now)
    changed = quote_store.get_order(session, team_id=order.team_id, order_id=order.id or 0)
    assert changed is not None
    return changed


def set_order(session: Session, *, order: SalesOrder, to: OrderStatus, user: str, now: datetime) -> None:
    if OrderStatus(order.status) != OrderStatus.SUBMITTED:
        raise Refused(f"Order {rules.order_number(order.number)} is {OrderStatus(order.status).label} already.")
    if not quote_store.set_order_status(
        session,
        team_id=order.team_id,
        order_id=order.id or 0,
        from_status=OrderStatus.SUBMITTED.value,
        to_status=to.value,
        now=now,
    ):
        raise Refused("This order changed meanwhile. Nothing was changed.")
    add_activity(
        session,
        team_id=order.team_id,
        record_type=RecordType.OPPORTUNITY,
        record_id=order.opportunity_id,
        kind="quote",
        author_id=user,
        occurred_at=now,
        subject=f"Order {rules.order_number(order.number)}: {to.label}",
    )


def _transition(
    session: Session,
    quote: Quote,
    *,
    from_status: Iterable[str],
    values: dict[str, Any],
    refusal: str,
    version: int | None = None,
) -> None:
    """The conditional UPDATE every state change makes: of two racing clicks one wins, the other is refused."""
    changed = quote_store.transition(
        session, team_id=quote.team_id, quote_id=quote.id or 0, from_status=from_status, values=values, version=version
    )
    if not changed:
        raise Refused(refusal)
