"""A quote as the document its PDF prints: the settings' company, the quote's lines and totals."""

from __future__ import annotations

from datetime import date

from bot.services.quotes import QuoteConfig, QuoteData
from bot.views.quote_pdf import PdfLine, QuoteDocument, render_quote_pdf


def quote_document(data: QuoteData, cfg: QuoteConfig, issued: date) -> QuoteDocument:
    quote = data.quote
    lines = [
        PdfLine(line.product_name, line.unit, line.quantity, line.unit_price, line.discount) for line in data.lines
    ]
    return QuoteDocument(
        company_name=cfg.company_name,
        company_address=cfg.company_address,
        number=quote.number,
        revision=quote.revision,
        name=quote.name,
        issued=quote.activated_at.date() if quote.activated_at else issued,
        valid_until=quote.valid_until,
        customer=quote.account_name,
        contact=quote.contact_name,
        currency=quote.currency,
        lines=lines,
        totals=data.totals,
        discount_percent=quote.discount_percent,
        tax_rate=quote.tax_rate,
        payment_terms=quote.payment_terms,
        delivery_terms=quote.delivery_terms,
        description=quote.description,
    )


def quote_pdf(data: QuoteData, cfg: QuoteConfig, issued: date) -> bytes:
    return render_quote_pdf(quote_document(data, cfg, issued))


def pdf_filename(data: QuoteData) -> str:
    return f"Q-{data.quote.number:05d}-rev{data.quote.revision}.pdf"
