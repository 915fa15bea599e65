"""The quote as a PDF (fpdf2, pure Python): company, number and revision, dates, customer, lines,
discounts, freight, tax, total and terms, amounts in the opportunity's currency format.

The PDF core fonts (Helvetica) cover Latin-1, which keeps rendering fast and the file small (no
font embedding); characters outside it are replaced by close ASCII (— → -, “ ” → ") or `?`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

from bot.domain.quotes import Line as PriceLine
from bot.domain.quotes import Totals, line_amount, quote_number
from bot.domain.revenue import format_money, format_quantity

_REPLACEMENTS = str.maketrans(
    {"—": "-", "–": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "•": "-", "€": "EUR", "\u00a0": " "}
)
COLUMNS = (
    (80, "Product", "L"),
    (20, "Quantity", "R"),
    (30, "Unit price", "R"),
    (25, "Discount", "R"),
    (35, "Amount", "R"),
)


@dataclass(frozen=True)
class PdfLine:
    product: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal


@dataclass(frozen=True)
class QuoteDocument:
    company_name: str
    company_address: str
    number: int
    revision: int
    name: str
    issued: date
    valid_until: date | None
    customer: str
    contact: str
    currency: str
    lines: Sequence[PdfLine]
    totals: Totals
    discount_percent: Decimal
    tax_rate: Decimal
    payment_terms: str = ""
    delivery_terms: str = ""
    description: str = ""


def latin1(text: str) -> str:
    return text.translate(_REPLACEMENTS).encode("latin-1", "replace").decode("latin-1")


def render_quote_pdf(doc: QuoteDocument) -> bytes:
    from fpdf import FPDF  # imported when a PDF is made: fpdf2 brings PIL, fontTools and numpy (30 MB)

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(latin1(f"Quote {quote_number(doc.number)} rev {doc.revision}"))
    pdf.add_page()
    _heading(pdf, doc)
    _lines(pdf, doc)
    _totals(pdf, doc)
    _terms(pdf, doc)
    return bytes(pdf.output())


def _heading(pdf: FPDF, doc: QuoteDocument) -> None:
    pdf.set_font("Helvetica", "B", 16)
    if doc.company_name:
        pdf.cell(0, 8, latin1(doc.company_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    if doc.company_address:
        pdf.multi_cell(0, 4.5, latin1(doc.company_address), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, latin1(f"Quote {quote_number(doc.number)} rev {doc.revision}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    rows = [
        ("Quote", doc.name),
        ("Customer", doc.customer or "-"),
        ("Contact", doc.contact or "-"),
        ("Date", doc.issued.isoformat()),
        ("Valid until", doc.valid_until.isoformat() if doc.valid_until else "-"),
        ("Currency", doc.currency),
    ]
    for label, value in rows:
        pdf.cell(30, 5.5, latin1(label))
        pdf.cell(0, 5.5, latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


ROW = 6.0


def _lines(pdf: FPDF, doc: QuoteDocument) -> None:
    """The lines table. Rows are drawn with `text()` at computed positions rather than `cell()`:
    a cell costs ~3× more in fpdf2, and a 50-line quote has 250 of them (bench/quote_pdf.py)."""
    _table_header(pdf)
    y = pdf.get_y()
    for line in doc.lines:
        if y + ROW > pdf.h - pdf.b_margin:
            pdf.add_page()
            _table_header(pdf)
            y = pdf.get_y()
        amount = line_amount(PriceLine(line.quantity, line.unit_price, line.discount), doc.currency)
        cells = (
            _fit(pdf, f"{line.product} ({line.unit})", COLUMNS[0][0]),
            latin1(format_quantity(line.quantity)),
            latin1(format_money(line.unit_price, doc.currency)),
            latin1(format_money(line.discount, doc.currency) if line.discount else "-"),
            latin1(format_money(amount, doc.currency)),
        )
        x = pdf.l_margin
        for (width, _, align), text in zip(COLUMNS, cells, strict=True):
            left = x + 1 if align == "L" else x + width - 1 - pdf.get_string_width(text)
            pdf.text(left, y + 4.2, text)
            x += width
        y += ROW
    pdf.set_y(y + 2)


def _table_header(pdf: FPDF) -> None:
    pdf.set_font("Helvetica", "B", 9)
    for width, title, align in COLUMNS:
        pdf.cell(width, 7, title, border="B", align=align)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    text = latin1(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while len(text) > 3 and pdf.get_string_width(text + "...") > width - 2:
        text = text[: max(3, int(len(text) * 0.9))] if len(text) > 40 else text[:-1]
    return text + "..."


def _totals(pdf: FPDF, doc: QuoteDocument) -> None:
    totals, currency = doc.totals, doc.currency
    rows = [("Subtotal", format_money(totals.subtotal, currency))]
    if totals.quote_discount:
        rows.append(
            (f"Discount {doc.discount_percent.normalize():f} %", "-" + format_money(totals.quote_discount, currency))
        )
    rows.append(("Freight", format_money(totals.freight, currency)))
    rows.append((f"Tax {doc.tax_rate.normalize():f} %", format_money(totals.tax, currency)))
    for label, value in rows:
        pdf.cell(135, 6, latin1(label), align="R")
        pdf.cell(55, 6, latin1(value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(135, 8, "Total", align="R")
    pdf.cell(55, 8, latin1(format_money(totals.total, currency)), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.ln(4)


def _terms(pdf: FPDF, doc: QuoteDocument) -> None:
    for label, text in (
        ("Payment terms", doc.payment_terms),
        ("Delivery terms", doc.delivery_terms),
        ("Description", doc.description),
    ):
        if text:
            pdf.set_font("Helvetica", "B", 9)
            pdf.cell(0, 5, label, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 9)
            pdf.multi_cell(0, 4.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
