"""Quote and order cards, the approval request, and the quote modals: pure Block Kit builders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.domain import quotes as rules
from bot.domain.quotes import OrderStatus, QuoteStatus
from bot.domain.revenue import format_money, format_quantity
from bot.ids import (
    ORDER_CANCEL,
    ORDER_FULFILLED,
    ORDER_OPEN,
    QUOTE_APPROVE,
    QUOTE_BUTTONS,
    QUOTE_CLOSE_WON,
    QUOTE_OPEN,
    QUOTE_REJECT,
    VIEW_QUOTE_DECLINE,
    VIEW_QUOTE_LINES,
    VIEW_QUOTE_REJECT,
    Metadata,
    QuoteRef,
    encode_order,
)
from bot.services.quotes import QuoteData, QuoteForm, line_block
from bot.views.blocks import Block, actions, button, context, divider, escape, fields, header, modal, plain, section
from bot.views.inputs import labelled, text_input
from bot.views.leads import count_text
from store.models import Quote, QuoteLine, SalesOrder

LINES_SHOWN = 20
HOME_QUOTES = 10  # of each kind on App Home
EDITABLE_LINES_MAX = 30  # three inputs a line: Slack allows 100 blocks in a modal


def title_of(quote: Quote) -> str:
    return f"Quote {rules.quote_number(quote.number)} rev {quote.revision}"


def ref_of(quote: Quote) -> str:
    return QuoteRef(quote.id or 0, quote.version).encode()


def metadata(quote: Quote, **extra: Any) -> str:
    """A quote modal's `private_metadata`: the shared codec, the quote reference as `id`."""
    return Metadata(id=ref_of(quote), extra={key: str(value) for key, value in extra.items()}).encode()


# --- the quote card ---------------------------------------------------------------------------


def quote_card_text(data: QuoteData) -> str:
    status = rules.status_label(data.status, data.expired)
    return f"{title_of(data.quote)} — {status} — {format_money(data.quote.total, data.quote.currency)}"


def quote_card(data: QuoteData) -> list[Block]:
    quote = data.quote
    blocks: list[Block] = [header(f"{title_of(quote)} — {quote.name}"), *fields(_card_fields(data))]
    blocks.append(section(lines_text(data.lines, quote.currency)))
    blocks.append(section(totals_text(data)))
    if quote.description:
        blocks.append(section(f"*Description*\n{escape(quote.description)}"))
    blocks.append(context(_approval_note(data)))
    labels = rules.buttons(data.facts)
    elements = [button(label, QUOTE_BUTTONS[label], ref_of(quote), _style(label)) for label in labels]
    blocks.extend(actions(elements, block_id=f"quote_buttons:{quote.id}"))
    return blocks


def _style(label: str) -> str | None:
    return {"Activate": "primary", "Submit for approval": "primary", "Customer accepted": "primary"}.get(label)


def _card_fields(data: QuoteData) -> list[tuple[str, str]]:
    quote = data.quote
    valid = quote.valid_until.isoformat() if quote.valid_until else "–"
    pairs = [
        ("Status", rules.status_label(data.status, data.expired)),
        ("Customer", escape(quote.account_name or quote.contact_name) or "–"),
        ("Opportunity", escape(data.opportunity.topic)),
        ("Valid until", valid + (" (expired)" if data.expired else "")),
        ("Owner", f"<@{quote.owner_id}>"),
    ]
    if quote.approver_id:
        pairs.append(("Approver", f"<@{quote.approver_id}>"))
    if quote.payment_terms:
        pairs.append(("Payment terms", escape(quote.payment_terms)))
    if quote.delivery_terms:
        pairs.append(("Delivery terms", escape(quote.delivery_terms)))
    if data.status == QuoteStatus.REJECTED and quote.decision_reason:
        pairs.append(("Rejected", f"by <@{quote.decided_by}>: {escape(quote.decision_reason)}"))
    if data.status == QuoteStatus.LOST and quote.close_reason:
        pairs.append(("Reason", escape(quote.close_reason)))
    if data.order is not None:
        pairs.append(("Order", f"{rules.order_number(data.order.number)} ({OrderStatus(data.order.status).label})"))
    return pairs


def lines_text(lines: Sequence[QuoteLine], currency: str) -> str:
    if not lines:
        return "*Lines*\n_No products yet: use *Add product*._"
    rows = []
    for line in lines[:LINES_SHOWN]:
        amount = rules.line_amount(rules.Line(line.quantity, line.unit_price, line.discount), currency)
        off = f" − {format_money(line.discount, currency)}" if line.discount else ""
        rows.append(
            f"• {format_quantity(line.quantity)} × {escape(line.product_name)} @ "
            f"{format_money(line.unit_price, currency)} / {escape(line.unit)}{off} = "
            f"{format_money(amount, currency)}"
        )
    if len(lines) > LINES_SHOWN:
        rows.append(f"… and {len(lines) - LINES_SHOWN} more (all of them are in the PDF)")
    return "*Lines*\n" + "\n".join(rows)


def totals_text(data: QuoteData) -> str:
    totals, currency, quote = data.totals, data.quote.currency, data.quote
    rows = [f"Subtotal: {format_money(totals.subtotal, currency)}"]
    percent = f" ({quote.discount_percent.normalize():f} %)" if quote.discount_percent else ""
    rows.append(f"Discount{percent}: −{format_money(totals.quote_discount, currency)}")
    rows.append(f"Freight: {format_money(totals.freight, currency)}")
    rows.append(f"Tax ({quote.tax_rate.normalize():f} %): {format_money(totals.tax, currency)}")
    rows.append(f"*Total: {format_money(totals.total, currency)}*")
    return "\n".join(rows)


def _approval_note(data: QuoteData) -> str:
    discount = f"{data.totals.effective_discount_percent} % off list price"
    if data.status == QuoteStatus.IN_REVIEW:
        return f"Waiting for <@{data.quote.approver_id}> to approve · {discount}"
    if data.rule is not None and data.status in (QuoteStatus.DRAFT, QuoteStatus.REJECTED):
        return f"Needs approval: {data.rule.reason(data.totals, data.quote.currency)} · {discount}"
    return discount


# --- approval request (the approver's DM) -----------------------------------------------------


def approval_request(data: QuoteData, *, nudge: bool = False) -> tuple[str, list[Block]]:
    quote, totals, currency = data.quote, data.totals, data.quote.currency
    lead = ":alarm_clock: Still waiting: " if nudge else ""
    text = f"{lead}<@{quote.owner_id}> asks you to approve {title_of(quote)} ({format_money(totals.total, currency)})"
    why = data.rule.reason(totals, currency) if data.rule else "submitted for approval"
    pairs = [
        ("Customer", escape(quote.account_name or quote.contact_name) or "–"),
        ("Opportunity", escape(data.opportunity.topic)),
        ("Total", format_money(totals.total, currency)),
        ("Discount", f"{format_money(totals.discount_total, currency)} ({totals.effective_discount_percent} %)"),
        (
            "Margin vs list price",
            f"list {format_money(totals.list_subtotal, currency)} → quoted {format_money(totals.discounted, currency)}",
        ),
        ("Why", escape(why)),
    ]
    value = ref_of(quote)
    blocks = [
        section(f"*{text}*" if not nudge else text),  # no user text in it: the mention must stay markup
        *fields(pairs),
        section(lines_text(data.lines, currency)),
        *actions(
            [button("Approve", QUOTE_APPROVE, value, "primary"), button("Reject", QUOTE_REJECT, value, "danger")],
            block_id=f"quote_approval:{quote.id}",
        ),
    ]
    return text, blocks


def decided_message(data: QuoteData, *, approved: bool, by: str, reason: str = "") -> tuple[str, list[Block]]:
    """What replaces the approval request once decided, and what the rep is told."""
    verb = "approved" if approved else "rejected"
    mark = ":white_check_mark:" if approved else ":x:"
    text = f"{mark} {title_of(data.quote)} ({escape(data.quote.name)}) was {verb} by <@{by}>."
    if reason:
        text += f"\nReason: {escape(reason)}"
    return text, [section(text)]


# --- modals -------------------------------------------------------------------------------------


def quote_form_modal(title: str, callback_id: str, form: QuoteForm, meta: str, *, submit: str) -> dict[str, Any]:
    blocks = [
        labelled("name", "Name", text_input(max_length=200, initial=form.name)),
        labelled("valid_until", "Valid until", _datepicker(form.valid_until)),
        *_terms_blocks(form),
        labelled(
            "description",
            "Description",
            text_input(multiline=True, max_length=3000, initial=form.description),
            optional=True,
        ),
    ]
    return modal(title, blocks, callback_id=callback_id, submit=submit, metadata=meta)


def _terms_blocks(form: QuoteForm) -> list[Block]:
    """The quote's optional one-line terms: (block id, label, max length, initial value, placeholder)."""
    fields = (
        ("payment_terms", "Payment terms", 500, form.payment_terms, "e.g. 30 days net"),
        ("delivery_terms", "Delivery terms", 500, form.delivery_terms, "e.g. EXW Milano, 4 weeks"),
        ("discount_percent", "Quote discount %", 10, _num(form.discount_percent), "0–100, off the subtotal"),
        ("freight", "Freight", 30, _num(form.freight), "An amount, e.g. 50.00"),
        ("tax_rate", "Tax rate %", 10, _num(form.tax_rate), "0–100, on the discounted subtotal + freight"),
    )
    return [
        labelled(block_id, label, text_input(max_length=most, initial=initial, placeholder=hint), optional=True)
        for block_id, label, most, initial, hint in fields
    ]


def _datepicker(initial: date) -> dict[str, Any]:
    return {"type": "datepicker", "initial_date": initial.isoformat()}


def _num(value: Any) -> str:
    return "" if not value else f"{value.normalize():f}"


def edit_lines_modal(quote: Quote, lines: Sequence[QuoteLine]) -> dict[str, Any]:
    blocks: list[Block] = []
    for number, line in enumerate(lines[:EDITABLE_LINES_MAX], start=1):
        name = f"{number}. {line.product_name}"
        discount = f"{line.discount:,.2f}" if line.discount else ""
        blocks.append(
            labelled(
                line_block(line.id or 0, "quantity"),
                f"Quantity ({name})"[:2000],
                text_input(max_length=20, initial=format_quantity(line.quantity)),
            )
        )
        blocks.append(
            labelled(
                line_block(line.id or 0, "discount"),
                f"Discount ({name})"[:2000],
                text_input(max_length=30, initial=discount, placeholder=f"Amount off this line ({quote.currency})"),
                optional=True,
            )
        )
        remove = {"type": "checkboxes", "options": [{"text": plain("Remove this line", 75), "value": "remove"}]}
        blocks.append(labelled(line_block(line.id or 0, "remove"), f"Remove ({name})"[:2000], remove, optional=True))
    if len(lines) > EDITABLE_LINES_MAX:
        blocks.append(context(f"The first {EDITABLE_LINES_MAX} of {len(lines)} lines; the others stay as they are."))
    return modal("Edit lines", blocks, callback_id=VIEW_QUOTE_LINES, submit="Save", metadata=metadata(quote))


def reason_modal(quote: Quote, *, title: str, callback_id: str, submit: str, hint: str) -> dict[str, Any]:
    blocks = [labelled("reason", "Reason", text_input(multiline=True, max_length=1000, placeholder=hint))]
    return modal(title, blocks, callback_id=callback_id, submit=submit, metadata=metadata(quote))


def decline_modal(quote: Quote) -> dict[str, Any]:
    return reason_modal(
        quote,
        title="Customer declined",
        callback_id=VIEW_QUOTE_DECLINE,
        submit="Save",
        hint="Why the customer declined, e.g. price too high",
    )


def reject_modal(quote: Quote) -> dict[str, Any]:
    return reason_modal(
        quote, title="Reject quote", callback_id=VIEW_QUOTE_REJECT, submit="Reject", hint="What the rep should change"
    )


# --- orders ---------------------------------------------------------------------------------------


def order_card(order: SalesOrder) -> list[Block]:
    status = OrderStatus(order.status)
    pairs = [
        ("Status", status.label),
        ("Customer", escape(order.account_name) or "–"),
        ("Total", format_money(order.total, order.currency)),
        ("Owner", f"<@{order.owner_id}>"),
    ]
    rows = [f"• {item.get('quantity', '')} × {escape(str(item.get('product', '')))}" for item in order.lines[:20]]
    blocks: list[Block] = [header(f"Order {rules.order_number(order.number)}"), *fields(pairs)]
    if rows:
        blocks.append(section("*Lines*\n" + "\n".join(rows)))
    if status == OrderStatus.SUBMITTED:
        value = encode_order(order.id or 0)
        blocks.extend(
            actions(
                [
                    button("Fulfilled", ORDER_FULFILLED, value, "primary"),
                    button("Cancel order", ORDER_CANCEL, value, "danger"),
                ],
                block_id=f"order_buttons:{order.id}",
            )
        )
    return blocks


def accepted_message(data: QuoteData, order: SalesOrder, closed: Sequence[str]) -> tuple[str, list[Block]]:
    quote = data.quote
    text = (
        f":tada: {title_of(quote)} was accepted: order {rules.order_number(order.number)} "
        f"({format_money(order.total, order.currency)}) is submitted."
    )
    blocks = [section(text)]
    if closed:
        blocks.append(context("Closed as Lost: " + ", ".join(closed)))
    blocks.extend(order_card(order))
    blocks.append(divider())
    blocks.append(section(f"Close *{escape(data.opportunity.topic)}* as won with this revenue?"))
    blocks.extend(actions([button("Close as won", QUOTE_CLOSE_WON, ref_of(quote), "primary")]))
    return text, blocks


QUOTES_SHOWN = 5  # on an opportunity's card


def quote_list(quotes: Sequence[Quote], limit: int = QUOTES_SHOWN) -> list[Block]:
    """An opportunity's quotes on its card, given newest first (revised ones left out), each with `Open`."""
    shown = [quote for quote in quotes if quote.status != QuoteStatus.REVISED][:limit]
    blocks: list[Block] = []
    for quote in shown:
        label = QuoteStatus(quote.status).label
        line = f"*{title_of(quote)}* · {label} · {format_money(quote.total, quote.currency)} · {escape(quote.name)}"
        blocks.append(section(line, accessory=button("Open", QUOTE_OPEN, ref_of(quote))))
    return blocks


def order_list(orders: Sequence[SalesOrder], limit: int = 5) -> list[Block]:
    """A won deal's orders (on its card, in `/opp`), newest first, each with `Open` (the order card)."""
    blocks: list[Block] = []
    for order in sorted(orders, key=lambda found: found.number, reverse=True)[:limit]:
        status = OrderStatus(order.status).label
        line = f"*Order {rules.order_number(order.number)}* · {status} · {format_money(order.total, order.currency)}"
        if order.account_name:
            line += f" · {escape(order.account_name)}"
        blocks.append(section(line, accessory=button("Open", ORDER_OPEN, encode_order(order.id or 0))))
    if len(orders) > limit:
        blocks.append(context(f"+{len(orders) - limit} more orders"))
    return blocks


def home_section(
    pending: Sequence[Quote], pending_total: int, expired: Sequence[Quote], expired_total: int
) -> list[Block]:
    """App Home: quotes waiting for my approval, and my Active quotes past their validity (the first
    HOME_QUOTES of each, with how many there are: a count past COUNT_CAP says "1,000+")."""
    blocks: list[Block] = []
    if pending:
        blocks.append(section(f"*Quotes waiting for your approval ({count_text(pending_total)})*"))
        blocks.extend(_home_line(quote, f"from <@{quote.owner_id}>") for quote in pending[:HOME_QUOTES])
    if expired:
        heading = f"*My expired quotes ({count_text(expired_total)})* — revise them to send a valid one"
        blocks.append(section(heading))
        blocks.extend(_home_line(quote, f"expired {quote.valid_until}") for quote in expired[:HOME_QUOTES])
    return blocks


def _home_line(quote: Quote, note: str) -> Block:
    line = f"*{title_of(quote)}* · {escape(quote.account_name or quote.name)} · " + (
        f"{format_money(quote.total, quote.currency)} · {note}"
    )
    return section(line, accessory=button("Open", QUOTE_OPEN, ref_of(quote)))
