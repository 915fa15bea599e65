"""Demo quotes for the Contoso Coffee demo: one in each status, an order, on the demo's opportunities."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from bot.domain.quotes import QuoteStatus
from bot.services import quotes as service
from bot.services.quote_lifecycle import accept, revise
from store import quotes as quote_store
from store.models import Opportunity, Quote
from store.users import get_user

# opportunity topic -> the quotes made on it: (status, quote discount %, decision or close reason)
PLAN: dict[str, list[tuple[QuoteStatus, str, str]]] = {
    "12 machines for Caffè Centrale": [(QuoteStatus.DRAFT, "0", ""), (QuoteStatus.APPROVED, "12", "")],
    "Espresso corner, Hotel Miramare": [(QuoteStatus.REJECTED, "20", "20 % is too much for two machines")],
    "Grinders for Tostadero Sol": [(QuoteStatus.IN_REVIEW, "15", "")],
    "Bean-to-cup for Northwind Offices": [(QuoteStatus.REVISED, "5", "")],
    "Roast subscription for Bar Roma": [(QuoteStatus.WON, "0", "")],
    "Café S-100 pilot for Fabrikam": [(QuoteStatus.LOST, "0", "Chose a cheaper machine")],
}


def load_demo_quotes(session: Session, *, opportunities: list[Opportunity], owner: str, now: datetime) -> int:
    """Quotes in every status (Draft, In review, Approved, Rejected, Active, Won with its order, Lost,
    Revised); the approver is the owner's manager when the demo has one, else the owner's admin."""
    user = get_user(session, team_id=opportunities[0].team_id, user_id=owner) if opportunities else None
    approver = (user.manager_id if user else None) or owner
    made = 0
    for opp in opportunities:
        for status, discount, reason in PLAN.get(opp.topic, []):
            form = service.QuoteForm(name=opp.topic, valid_until=now.date() + timedelta(days=30),
                                     payment_terms="30 days net", delivery_terms="Delivered, 2 weeks",
                                     discount_percent=Decimal(discount))  # fmt: skip
            quote = service.create(session, opp=opp, user=owner, form=form, now=now)
            made += 1 + _to(session, quote, status, approver=approver, reason=reason, now=now)
    return made


def _to(session: Session, quote: Quote, status: QuoteStatus, *, approver: str, reason: str, now: datetime) -> int:
    """Put the demo quote in `status` the way the workflow would have left it; the quotes it added."""
    if status == QuoteStatus.DRAFT:
        return 0
    quote.approver_id = (
        approver if status in (QuoteStatus.IN_REVIEW, QuoteStatus.APPROVED, QuoteStatus.REJECTED) else None
    )
    quote.submitted_version, quote.submitted_at = quote.version, now
    quote.decided_by = approver if status in (QuoteStatus.APPROVED, QuoteStatus.REJECTED) else ""
    quote.decision_reason = reason if status == QuoteStatus.REJECTED else ""
    direct = status in (QuoteStatus.IN_REVIEW, QuoteStatus.APPROVED, QuoteStatus.REJECTED)
    quote.status = status.value if direct else QuoteStatus.ACTIVE.value
    quote.activated_at = None if direct else now
    session.add(quote)
    session.flush()
    if direct:
        return 0
    data = service.require(session, team=quote.team_id, quote_id=quote.id or 0, cfg=service.QuoteConfig(),
                           today=now.date())  # fmt: skip
    if status == QuoteStatus.WON:
        accept(session, data=data, user=quote.owner_id, now=now)
    elif status == QuoteStatus.LOST:
        quote_store.transition(session, team_id=quote.team_id, quote_id=quote.id or 0, from_status=[QuoteStatus.ACTIVE],
                               values={"status": QuoteStatus.LOST.value, "close_reason": reason})  # fmt: skip
    elif status == QuoteStatus.REVISED:
        new = revise(session, data=data, user=quote.owner_id, now=now)
        new.status, new.activated_at = QuoteStatus.ACTIVE.value, now
        session.add(new)
        session.flush()
        return 1
    return 0
