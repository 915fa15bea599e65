"""`salesbot import products`: a products CSV read, validated (prices, currencies) and written
through store.catalog, one row at a time. Lead imports are bot/imports/leads.py."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import Session

from bot.domain.parsing import ParseError, parse_amount
from bot.domain.text import fold
from store import catalog

PRODUCT_COLUMNS = ("name", "unit", "description", "price", "currency", "price_list")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)

    def summary(self) -> str:
        text = f"{self.created} products created, {self.updated} updated, {len(self.rejected)} rows rejected"
        details = "".join(f"\n  row {row}: {reason}" for row, reason in self.rejected[:50])
        return text + details


def read_product_rows(text: str) -> tuple[list[dict[str, str]], str | None]:
    """Rows of a product CSV (header `name,unit,description,price,currency,price_list`; only `name`
    and `price` are required), or an error about the header."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in header or "price" not in header:
        return [], "the first line must name the columns, with at least name and price"
    rows = []
    for raw in reader:
        rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)})
    return rows, None


def import_products(
    session: Session,
    *,
    team_id: str,
    rows: Iterable[dict[str, str]],
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Create or update products and their prices; a bad row is reported with its row number (the
    header is row 1) and skipped."""
    report = ImportReport()
    for number, row in enumerate(rows, start=2):
        price, currency, problem = _price_of(row)
        if problem:
            report.rejected.append((number, problem))
        elif price is not None:
            problem = _store_row(session, team_id, row, price, currency, report)
            if problem:
                report.rejected.append((number, problem))
        if progress is not None:
            progress(number - 1)
    return report


def _price_of(row: dict[str, str]) -> tuple[Decimal | None, str, str]:
    """The row's price and currency, or why the row is refused."""
    if not row.get("name", ""):
        return None, "", "name is empty"
    try:
        price = parse_amount(row.get("price", ""))
    except ParseError as error:
        return None, "", f"price: {error.message}"
    if price is None:
        return None, "", "price is empty"
    currency = (row.get("currency") or "EUR").upper()
    if not (len(currency) == 3 and currency.isalpha()):
        return None, currency, f"currency {currency!r} is not a 3-letter code such as EUR"
    return price, currency, ""


def _store_row(
    session: Session, team_id: str, row: dict[str, str], price: Decimal, currency: str, report: ImportReport
) -> str:
    """Upsert the product and set its price in the row's price list; why not, if it cannot."""
    name = row["name"]
    key = fold(name)
    existed = catalog.product_by_key(session, team_id=team_id, name_key=key) is not None
    product = catalog.upsert_product(
        session, team_id=team_id, name=name, name_key=key, unit=row.get("unit") or "unit",
        description=row.get("description", ""),
    )  # fmt: skip
    list_name = row.get("price_list") or catalog.DEFAULT_PRICE_LIST
    price_list = catalog.ensure_price_list(session, team_id=team_id, name=list_name, currency=currency)
    if price_list.currency != currency:
        return f"price list {price_list.name!r} is in {price_list.currency}"
    catalog.set_price(
        session, team_id=team_id, price_list_id=price_list.id or 0, product_id=product.id or 0, price=price
    )
    if existed:
        report.updated += 1
    else:
        report.created += 1
    return ""
