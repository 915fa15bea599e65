"""Benchmark: rendering a 50-line quote PDF (what `Activate` and `Download PDF` do before the upload).

    python bench/quote_pdf.py [--lines 50] [--rounds 5] [--repeat 20]

Each round renders, interleaved, (a) the 50-line quote, (a') the same with a customer named
`Łódź 株式会社` (embedded DejaVu Sans with the IPAexGothic fallback instead of the core font), (b) a
1-line quote and (c) a bare fpdf2 document with one line of text, `--repeat` times each, and keeps
the per-render median of the round. Reported: min / median / max over the rounds for each, and the
ratios to a measured in the same run, so a slower or busier machine shifts all three together. Target: a < 300 ms.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fpdf import FPDF  # noqa: E402

from bot.domain.quotes import Line, Terms, totals  # noqa: E402
from bot.views.quote_pdf import PdfLine, QuoteDocument, render_quote_pdf  # noqa: E402


def document(lines: int, customer: str = "Caffè Centrale") -> QuoteDocument:
    items = [
        PdfLine(f"Café S-{100 + n} — espresso machine, {n % 3 + 1} groups", "unit", Decimal(n % 7 + 1),
                Decimal("1299.00") + n, Decimal(n % 5) * 10)
        for n in range(lines)
    ]  # fmt: skip
    terms = Terms(Decimal("5"), Decimal("120.00"), Decimal("22"))
    summary = totals([Line(i.quantity, i.unit_price, i.discount) for i in items], terms, "EUR")
    return QuoteDocument(
        company_name="Contoso Coffee S.r.l.", company_address="Via Roma 1\n20100 Milano MI\nItaly", number=42,
        revision=2, name="Espresso machines for 12 cafés", issued=date(2026, 12, 6), valid_until=date(2027, 1, 5),
        customer=customer, contact="Giulia Rossi", currency="EUR", lines=items, totals=summary,
        discount_percent=terms.discount_percent, tax_rate=terms.tax_rate, payment_terms="30 days net",
        delivery_terms="Delivered to each café within 4 weeks", description="Installation and training included.",
    )  # fmt: skip


def bare_fpdf() -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, "Quote Q-00042 rev 2")
    return bytes(pdf.output())


def per_render_ms(fn: Callable[[], bytes], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    big, small = document(args.lines), document(1)
    unicode = document(args.lines, customer="Łódź 株式会社")
    cases: dict[str, Callable[[], bytes]] = {
        f"{args.lines}-line quote": lambda: render_quote_pdf(big),
        f"{args.lines}-line, Łódź 株式会社": lambda: render_quote_pdf(unicode),
        "1-line quote": lambda: render_quote_pdf(small),
        "bare fpdf2 page": bare_fpdf,
    }
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(render_quote_pdf(big))).pages)
    for fn in cases.values():  # warm-up: imports, font metrics
        fn()
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, fn in cases.items():
            results[name].append(per_render_ms(fn, args.repeat))
    print(f"python {platform.python_version()} · {platform.machine()} · {args.rounds} rounds × {args.repeat} renders, "
          f"interleaved · {args.lines}-line quote = {pages} pages, {len(render_quote_pdf(big)):,} bytes")  # fmt: skip
    print(f"{'case':<26} {'min ms':>8} {'median':>8} {'max':>8}")
    for name, values in results.items():
        print(f"{name:<26} {min(values):8.2f} {statistics.median(values):8.2f} {max(values):8.2f}")
    names = list(cases)
    pairs = [(names[1], names[0])] + [(names[0], reference) for reference in names[2:]]
    for top, bottom in pairs:
        ratios = [a / b for a, b in zip(results[top], results[bottom], strict=True)]
        print(f"ratio {top} / {bottom}: min {min(ratios):.1f} · median {statistics.median(ratios):.1f} · "
              f"max {max(ratios):.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
