"""The quote PDF read back with pypdf: every line on its page, totals, terms, long and non-Latin-1 text."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from bot.domain.quotes import Line, Terms, totals
from bot.views.quote_pdf import PdfLine, QuoteDocument, render_quote_pdf


def _doc(lines: list[PdfLine]) -> QuoteDocument:
    terms = Terms(Decimal(5), Decimal(50), Decimal(22))
    summary = totals([Line(i.quantity, i.unit_price, i.discount) for i in lines], terms, "EUR")
    return QuoteDocument("Contoso Coffee", "Via Roma 1", 7, 3, "Deal “one” — 中文", date(2026, 12, 6),
                         date(2027, 1, 5), "Caffè Centrale", "Giulia", "EUR", lines, summary, Decimal(5),
                         Decimal(22), "30 days net")  # fmt: skip


def _text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_fifty_lines_span_pages_and_all_show() -> None:
    lines = [PdfLine(f"Spare part {n:03d}", "unit", Decimal(2), Decimal("10.00"), Decimal(0)) for n in range(50)]
    pages, text = _text(render_quote_pdf(_doc(lines)))
    assert pages == 2
    assert all(f"Spare part {n:03d} (unit)" in text for n in range(50))
    assert "Quote Q-00007 rev 3" in text and "Subtotal 1,000.00 EUR" in text
    # 1,000.00 − 5 % = 950.00 + 50.00 freight = 1,000.00; tax 22 % = 220.00
    assert "Total 1,220.00 EUR" in text and "30 days net" in text


def test_long_names_are_shortened_and_other_scripts_do_not_break_it() -> None:
    name = "Café A-500 super-automatic bean-to-cup machine with milk module and telemetry " * 2
    pages, text = _text(render_quote_pdf(_doc([PdfLine(name, "unit", Decimal(1), Decimal(1), Decimal(0))])))
    assert pages == 1 and "Café A-500 super-automatic" in text and "..." in text
    assert "Deal “one” — 中文" in text  # drawn in DejaVu Sans, the CJK from the fallback font


def test_polish_and_japanese_names_render_and_latin1_quotes_embed_no_font() -> None:
    line = PdfLine("Młynek Żarna 株式会社", "szt.", Decimal(1), Decimal(10), Decimal(0))
    doc = replace(_doc([line]), customer="Łódź 株式会社", name="Ekspres", company_name="Kraków Kawa")
    content = render_quote_pdf(doc)
    _, text = _text(content)
    assert "Łódź 株式会社" in text and "Młynek Żarna 株式会社 (szt.)" in text and "Kraków Kawa" in text
    assert b"/FontFile2" in content  # the TrueType subsets are embedded
    latin = replace(_doc([PdfLine("Café", "unit", Decimal(1), Decimal(1), Decimal(0))]), name="Plain")
    plain = render_quote_pdf(latin)
    assert b"/FontFile2" not in plain and "Café (unit)" in _text(plain)[1]  # core Helvetica, nothing embedded
