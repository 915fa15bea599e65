"""Ids of quote and order buttons and modals, and the values they carry back (kept apart from
bot/ids.py so the quotes feature merges without touching the shared codec)."""

from __future__ import annotations

from dataclasses import dataclass

QUOTE_CREATE = "quote_create"  # on the opportunity card; value: the opportunity reference
QUOTE_ADD_PRODUCT = "quote_add_product"
QUOTE_EDIT_LINES = "quote_edit_lines"
QUOTE_EDIT = "quote_edit"
QUOTE_SUBMIT = "quote_submit"
QUOTE_ACTIVATE = "quote_activate"
QUOTE_MARK_SENT = "quote_mark_sent"
QUOTE_REVISE = "quote_revise"
QUOTE_ACCEPT = "quote_accept"
QUOTE_DECLINE = "quote_decline"
QUOTE_PDF = "quote_pdf"
QUOTE_APPROVE = "quote_approve"
QUOTE_REJECT = "quote_reject"
QUOTE_CLOSE_WON = "quote_close_won"
QUOTE_OPEN = "quote_open"
ORDER_FULFILLED = "order_fulfilled"
ORDER_CANCEL = "order_cancel"

VIEW_QUOTE_CREATE = "quote_create_view"
VIEW_QUOTE_EDIT = "quote_edit_view"
VIEW_QUOTE_ADD_PRODUCT = "quote_add_product_view"
VIEW_QUOTE_LINES = "quote_lines_view"
VIEW_QUOTE_DECLINE = "quote_decline_view"
VIEW_QUOTE_REJECT = "quote_reject_view"

QUOTE_BUTTONS: dict[str, str] = {
    "Add product": QUOTE_ADD_PRODUCT,
    "Edit lines": QUOTE_EDIT_LINES,
    "Edit quote": QUOTE_EDIT,
    "Submit for approval": QUOTE_SUBMIT,
    "Activate": QUOTE_ACTIVATE,
    "Mark as sent": QUOTE_MARK_SENT,
    "Revise": QUOTE_REVISE,
    "Customer accepted": QUOTE_ACCEPT,
    "Customer declined": QUOTE_DECLINE,
    "Download PDF": QUOTE_PDF,
}


@dataclass(frozen=True)
class QuoteRef:
    """A quote and the edit version the button was drawn for (`quote:12:3`)."""

    quote_id: int
    version: int = 0

    def encode(self) -> str:
        return f"quote:{self.quote_id}:{self.version}"


def decode_quote(value: str | None) -> QuoteRef:
    kind, _, rest = (value or "").partition(":")
    raw_id, _, raw_version = rest.partition(":")
    if kind != "quote" or not raw_id.isdigit() or not raw_version.isdigit() or len(rest) > 40:
        raise ValueError(f"not a quote reference: {value!r}")
    return QuoteRef(int(raw_id), int(raw_version))


def encode_order(order_id: int) -> str:
    return f"order:{order_id}"


def decode_order(value: str | None) -> int:
    kind, _, raw_id = (value or "").partition(":")
    if kind != "order" or not raw_id.isdigit() or len(raw_id) > 18:
        raise ValueError(f"not an order reference: {value!r}")
    return int(raw_id)
