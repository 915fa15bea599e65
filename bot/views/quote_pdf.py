"""The quote as a PDF (fpdf2, pure Python): company, number and revision, dates, customer, lines,
discounts, freight, tax, total and terms, amounts in the opportunity's currency format.

Fonts: a quote whose text is all Latin-1 uses the PDF core font (Helvetica: fast, nothing embedded).
Any other text (`Łódź`, Cyrillic, Greek, `株式会社`) is drawn with DejaVu Sans, the TrueType font
matplotlib ships (a dependency already), with IPAexGothic from the matplotlib-fontja package as the
fallback for the Japanese and Chinese characters DejaVu lacks; fpdf2 embeds only the glyphs used.
The fallback font is only located, never imported (importing matplotlib_fontja would change every
chart's font). Parsing whole TrueType files costs fpdf2 about a second per document, so each font is
first cut down with fontTools to the characters a quote can use (DejaVu: Latin, Greek, Cyrillic,
punctuation and the document's other characters; IPAexGothic: the document's CJK characters), once
per process and character set, kept in a temporary folder (bench/quote_pdf.py).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
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


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]) if locations else None


def _font_file(package: str, relative: str) -> Path | None:
    folder = _package_dir(package)
    path = folder / relative if folder is not None else None
    return path if path is not None and path.is_file() else None


UNICODE_FONT = ("DejaVu", "matplotlib", "mpl-data/fonts/ttf/DejaVuSans.ttf", "mpl-data/fonts/ttf/DejaVuSans-Bold.ttf")
FALLBACK_FONT = ("IPAex", "matplotlib_fontja", "fonts/ipaexg.ttf")


@functools.cache
def _covered(path: Path) -> frozenset[int]:
    """The code points a TrueType font has glyphs for (read once per process)."""
    from fontTools import ttLib  # with fpdf2: imported when a PDF is made

    return frozenset(ttLib.TTFont(path, lazy=True).getBestCmap())


REPERTOIRE = frozenset(
    [*range(0x20, 0x250), *range(0x370, 0x530), *range(0x2000, 0x2070), *range(0x20A0, 0x20D0), 0x2122, 0xFFFD]
)  # Latin, Greek, Cyrillic, punctuation, currency signs: DejaVu's part every Unicode quote carries
SUBSETS = Path(tempfile.gettempdir()) / "salesbot-pdf-fonts"
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset" and the like


@functools.lru_cache(maxsize=128)
def _subset(path: Path, codepoints: frozenset[int]) -> Path:
    """A copy of the font with only `codepoints` (those it has), written once per character set."""
    digest = hashlib.sha256(f"{path}|{sorted(codepoints)}".encode()).hexdigest()[:24]
    target = SUBSETS / f"{path.stem}-{digest}.ttf"
    if target.is_file():
        return target
    from fontTools import subset, ttLib

    font = ttLib.TTFont(path, lazy=True)
    options = subset.Options(notdef_outline=True, name_IDs=["*"], name_languages=["*"], layout_features=[])
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints & _covered(path))
    subsetter.subset(font)
    SUBSETS.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(partial))
    os.replace(partial, target)  # another process writing the same subset writes the same bytes
    return target


@dataclass(frozen=True)
class Fonts:
    """The family the document is drawn in and how its text is prepared for it."""

    family: str
    text: Callable[[str], str]
    fallback: frozenset[int] = frozenset()  # characters drawn from the second font: only cell() switches


def _texts(doc: QuoteDocument) -> Iterable[str]:
    yield from (doc.company_name, doc.company_address, doc.name, doc.customer, doc.contact, doc.currency)
    yield from (doc.payment_terms, doc.delivery_terms, doc.description)
    for line in doc.lines:
        yield line.product
        yield line.unit


def choose_fonts(pdf: FPDF, doc: QuoteDocument) -> Fonts:
    """Helvetica for Latin-1 text; else DejaVu Sans, with IPAexGothic for the characters DejaVu lacks."""
    wanted = {ord(char) for text in _texts(doc) for char in text.translate(_REPLACEMENTS)}
    if all(point < 256 for point in wanted):
        return Fonts("Helvetica", latin1)
    family, package, regular, bold = UNICODE_FONT
    regular_path, bold_path = _font_file(package, regular), _font_file(package, bold)
    if regular_path is None or bold_path is None:
        return Fonts("Helvetica", latin1)  # no Unicode font installed: the old replacements
    covered = _covered(regular_path)
    needed = REPERTOIRE | frozenset(point for point in wanted if point in covered)
    pdf.add_font(family, "", str(_subset(regular_path, needed)))
    pdf.add_font(family, "B", str(_subset(bold_path, needed)))
    missing = frozenset(wanted - covered - set(range(32)))
    fallback = _font_file(FALLBACK_FONT[1], FALLBACK_FONT[2]) if missing else None
    if fallback is not None:
        pdf.add_font(FALLBACK_FONT[0], "", str(_subset(fallback, missing)))
        pdf.set_fallback_fonts([FALLBACK_FONT[0]], exact_match=False)
    return Fonts(family, str, fallback=missing if fallback is not None else frozenset())


def render_quote_pdf(doc: QuoteDocument) -> bytes:
    from fpdf import FPDF  # imported when a PDF is made: fpdf2 brings PIL, fontTools and numpy (30 MB)

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    fonts = choose_fonts(pdf, doc)
    pdf.set_title(fonts.text(f"Quote {quote_number(doc.number)} rev {doc.revision}"))
    pdf.add_page()
    _heading(pdf, doc, fonts)
    _lines(pdf, doc, fonts)
    _totals(pdf, doc, fonts)
    _terms(pdf, doc, fonts)
    return bytes(pdf.output())


def _heading(pdf: FPDF, doc: QuoteDocument, fonts: Fonts) -> None:
    pdf.set_font(fonts.family, "B", 16)
    if doc.company_name:
        pdf.cell(0, 8, fonts.text(doc.company_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fonts.family, "", 9)
    if doc.company_address:
        pdf.multi_cell(0, 4.5, fonts.text(doc.company_address), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(fonts.family, "B", 14)
    pdf.cell(0, 8, fonts.text(f"Quote {quote_number(doc.number)} rev {doc.revision}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fonts.family, "", 10)
    rows = [
        ("Quote", doc.name),
        ("Customer", doc.customer or "-"),
        ("Contact", doc.contact or "-"),
        ("Date", doc.issued.isoformat()),
        ("Valid until", doc.valid_until.isoformat() if doc.valid_until else "-"),
        ("Currency", doc.currency),
    ]
    for label, value in rows:
        pdf.cell(30, 5.5, fonts.text(label))
        pdf.cell(0, 5.5, fonts.text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


ROW = 6.0


def _lines(pdf: FPDF, doc: QuoteDocument, fonts: Fonts) -> None:
    """The lines table. Rows are drawn with `text()` at computed positions rather than `cell()`:
    a cell costs ~3× more in fpdf2, and a 50-line quote has 250 of them (bench/quote_pdf.py)."""
    _table_header(pdf, fonts)
    y = pdf.get_y()
    for line in doc.lines:
        if y + ROW > pdf.h - pdf.b_margin:
            pdf.add_page()
            _table_header(pdf, fonts)
            y = pdf.get_y()
        amount = line_amount(PriceLine(line.quantity, line.unit_price, line.discount), doc.currency)
        cells = (
            _fit(pdf, fonts, f"{line.product} ({line.unit})", COLUMNS[0][0]),
            fonts.text(format_quantity(line.quantity)),
            fonts.text(format_money(line.unit_price, doc.currency)),
            fonts.text(format_money(line.discount, doc.currency) if line.discount else "-"),
            fonts.text(format_money(amount, doc.currency)),
        )
        _row(pdf, fonts, y, cells)
        y += ROW
    pdf.set_y(y + 2)


def _row(pdf: FPDF, fonts: Fonts, y: float, cells: Sequence[str]) -> None:
    x = pdf.l_margin
    for (width, _, align), text in zip(COLUMNS, cells, strict=True):
        if fonts.fallback and not fonts.fallback.isdisjoint(map(ord, text)):
            pdf.set_xy(x, y)
            pdf.cell(width, ROW, text, align=align)
        else:
            left = x + 1 if align == "L" else x + width - 1 - pdf.get_string_width(text)
            pdf.text(left, y + 4.2, text)
        x += width


def _table_header(pdf: FPDF, fonts: Fonts) -> None:
    pdf.set_font(fonts.family, "B", 9)
    for width, title, align in COLUMNS:
        pdf.cell(width, 7, title, border="B", align=align)
    pdf.ln()
    pdf.set_font(fonts.family, "", 9)


def _fit(pdf: FPDF, fonts: Fonts, text: str, width: float) -> str:
    text = fonts.text(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while len(text) > 3 and pdf.get_string_width(text + "...") > width - 2:
        text = text[: max(3, int(len(text) * 0.9))] if len(text) > 40 else text[:-1]
    return text + "..."


def _totals(pdf: FPDF, doc: QuoteDocument, fonts: Fonts) -> None:
    totals, currency = doc.totals, doc.currency
    rows = [("Subtotal", format_money(totals.subtotal, currency))]
    if totals.quote_discount:
        rows.append(
            (f"Discount {doc.discount_percent.normalize():f} %", "-" + format_money(totals.quote_discount, currency))
        )
    rows.append(("Freight", format_money(totals.freight, currency)))
    rows.append((f"Tax {doc.tax_rate.normalize():f} %", format_money(totals.tax, currency)))
    for label, value in rows:
        pdf.cell(135, 6, fonts.text(label), align="R")
        pdf.cell(55, 6, fonts.text(value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fonts.family, "B", 11)
    pdf.cell(135, 8, "Total", align="R")
    pdf.cell(55, 8, fonts.text(format_money(totals.total, currency)), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fonts.family, "", 9)
    pdf.ln(4)


def _terms(pdf: FPDF, doc: QuoteDocument, fonts: Fonts) -> None:
    for label, text in (
        ("Payment terms", doc.payment_terms),
        ("Delivery terms", doc.delivery_terms),
        ("Description", doc.description),
    ):
        if text:
            pdf.set_font(fonts.family, "B", 9)
            pdf.cell(0, 5, label, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(fonts.family, "", 9)
            pdf.multi_cell(0, 4.5, fonts.text(text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
