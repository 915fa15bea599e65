"""The Contoso Coffee demo: catalog, price list, literature, leads and opportunities in every stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from bot.domain import process as processes
from bot.domain.leads import derived_keys
from bot.domain.process import Step
from bot.domain.text import fold
from bot.services import opportunity_lines, opportunity_stages
from bot.services.processes import library_in
from bot.services.quote_demo import load_demo_quotes
from store import catalog
from store import opportunities as opp_store
from store.models import Lead, Opportunity

PRICE_LIST = "Contoso Coffee EUR"
PRODUCTS = (
    ("Café S-100", "unit", "1299.00", "Semi-automatic espresso machine, one group"),
    ("Café S-200", "unit", "2499.00", "Semi-automatic espresso machine, two groups"),
    ("Café A-500", "unit", "4850.00", "Super-automatic bean-to-cup machine"),
    ("Grinder G-20", "unit", "349.50", "Burr grinder for espresso"),
    ("Grinder G-40", "unit", "689.00", "On-demand grinder with dosing"),
    ("House roast", "kg", "18.90", "Contoso house espresso roast"),
    ("Single origin Huila", "kg", "24.60", "Colombian single origin"),
    ("Decaf roast", "kg", "21.50", "Swiss-water decaf"),
    ("Service plan", "year", "240.00", "Yearly maintenance and descaling"),
)
LEADS = (
    ("Espresso bar for the new terminal", "Marco", "Bianchi", "Aeroporto Caffè", "Trade show", "15000"),
    ("Office coffee for 300 people", "Ana", "García", "Fabrikam Oficinas", "Web", "8000"),
    ("Roastery supply contract", "Lena", "Müller", "Kaffeehaus Müller", "Partner", ""),
)


@dataclass
class DemoReport:
    products: int = 0
    leads: int = 0
    opportunities: int = 0
    quotes: int = 0
    already_loaded: bool = False

    def summary(self, team: str, owner: str) -> str:
        if self.already_loaded:
            return f"Contoso Coffee demo data is already in workspace {team}; nothing was added."
        return (
            f"Loaded Contoso Coffee into workspace {team} for {owner}: {self.products} products on the "
            f"{PRICE_LIST} price list, {self.leads} leads, {self.opportunities} opportunities in every stage, "
            f"{self.quotes} quotes in every status."
        )


def load_demo(session: Session, *, team: str, owner: str, now: datetime) -> DemoReport:
    report = DemoReport()
    existing = catalog.price_list_named(session, team_id=team, name=PRICE_LIST)
    if existing is not None:
        report.already_loaded = True
        return report
    products = _catalog(session, team, owner, report)
    _leads(session, team, owner, now, report)
    _opportunities(session, team, owner, now, products, report)
    return report


def _catalog(session: Session, team: str, owner: str, report: DemoReport) -> dict[str, Any]:
    """The price list, its products and two pieces of literature; returns the products by name."""
    price_list = catalog.ensure_price_list(session, team_id=team, name=PRICE_LIST, currency="EUR")
    products = {}
    for name, unit, price, description in PRODUCTS:
        product = catalog.upsert_product(
            session, team_id=team, name=name, name_key=fold(name), unit=unit, description=description
        )
        catalog.set_price(
            session, team_id=team, price_list_id=price_list.id or 0, product_id=product.id or 0, price=Decimal(price)
        )
        products[name] = product
        report.products += 1
    catalog.add_literature(
        session,
        team_id=team,
        title="Café S-100 brochure",
        url="https://example.com/contoso/s100.pdf",
        description="Specifications and photos",
        product_ids=[products["Café S-100"].id or 0],
        created_by=owner,
    )
    catalog.add_literature(
        session,
        team_id=team,
        title="Grinder comparison",
        url="https://example.com/contoso/grinders",
        description="G-20 vs G-40",
        product_ids=[products["Grinder G-20"].id or 0, products["Grinder G-40"].id or 0],
        created_by=owner,
    )
    return products


def _leads(session: Session, team: str, owner: str, now: datetime, report: DemoReport) -> None:
    for topic, first, last, company, source, budget in LEADS:
        email = f"{first.lower()}@{company.split()[0].lower()}.example"
        lead = Lead(
            team_id=team,
            owner_id=owner,
            topic=topic,
            first_name=first,
            last_name=last,
            company=company,
            email=email,
            lead_source=source,
            budget_amount=Decimal(budget) if budget else None,
            purchase_timeframe="This quarter",
            created_at=now,
            updated_at=now,
        )
        for key, value in derived_keys(first, last, company, email, topic).items():
            setattr(lead, key, value)
        session.add(lead)
        report.leads += 1
    session.flush()


def _opportunities(
    session: Session, team: str, owner: str, now: datetime, products: dict[str, Any], report: DemoReport
) -> None:
    """One opportunity in every stage (and one won, one lost), with product lines."""
    deals = (
        ("12 machines for Caffè Centrale", "Caffè Centrale", "Giulia Rossi", "Qualify", [("Café S-100", 12)]),
        ("Espresso corner, Hotel Miramare", "Hotel Miramare", "Paolo Conti", "Develop", [("Café S-200", 2)]),
        ("Grinders for Tostadero Sol", "Tostadero Sol", "Lucía Navarro", "Propose", [("Grinder G-40", 6)]),
        (
            "Bean-to-cup for Northwind Offices",
            "Northwind Traders",
            "Nancy Davolio",
            "Close",
            [("Café A-500", 4), ("Service plan", 4)],
        ),
        ("Roast subscription for Bar Roma", "Bar Roma", "Luca Ferri", "Won", [("House roast", 120)]),
        ("Café S-100 pilot for Fabrikam", "Fabrikam", "Jon Morris", "Lost", [("Café S-100", 1)]),
    )
    for index, (topic, account, contact, target, lines) in enumerate(deals):
        opp = opportunity_stages.create_opportunity(
            session,
            team_id=team,
            owner_id=owner,
            topic=topic,
            process_name=processes.DEFAULT_PROCESS_NAME,
            account_name=account,
            contact_name=contact,
            estimated_close_date=now.date() + timedelta(days=20 + 15 * index),
            description="Contoso Coffee demo opportunity",
            now=now,
        )
        _add_lines(session, opp, lines, products, owner=owner, now=now)
        report.quotes += load_demo_quotes(session, opportunities=[opp], owner=owner, now=now)
        _walk_to(session, opp, target, owner=owner, now=now)
        report.opportunities += 1


def _add_lines(
    session: Session, opp: Opportunity, lines: list[tuple[str, int]], products: dict[str, Any], *, owner: str,
    now: datetime,
) -> None:  # fmt: skip
    for name, quantity in lines:
        unit_price = Decimal(next(p for n, _, p, _ in PRODUCTS if n == name))
        opportunity_lines.add_line(
            session, opp, product=products[name], unit_price=unit_price, quantity=Decimal(quantity),
            discount=Decimal(0), currency="EUR", user_id=owner, now=now,
        )  # fmt: skip


_STEP_VALUES = {
    "Customer need": "Reliable espresso at peak hours",
    "Proposed solution": "Contoso machines with a service plan",
    "Confirm decision date": "",
}


def _tick_step(session: Session, opp: Opportunity, stage: str, step: Step, *, owner: str, now: datetime) -> None:
    in_a_month = (now.date() + timedelta(days=30)).isoformat()
    value = in_a_month if step.type == "date" else _STEP_VALUES.get(step.name, "done")
    opp_store.set_step(
        session, team_id=opp.team_id, opportunity_id=opp.id or 0, stage=stage, step=step.name, user_id=owner,
        done=True, value=None if step.is_checkbox else value,
    )  # fmt: skip


def _walk_to(session: Session, opp: Opportunity, target: str, *, owner: str, now: datetime) -> None:
    """Complete each stage's required steps and advance until `target` (Won/Lost close in Close)."""
    process = library_in(session, opp.team_id).get(opp.process_name)
    stop = "Close" if target in ("Won", "Lost") else target
    while opp.stage != stop:
        stage = process.current(opp.stage)
        for step in stage.steps:
            if step.required:
                _tick_step(session, opp, stage.name, step, owner=owner, now=now)
        if not opportunity_stages.advance(session, opp, user_id=owner, now=now).ok:
            break
    if target == "Won":
        opportunity_stages.close_won(
            session,
            opp,
            actual_revenue=opp.estimated_revenue or Decimal(0),
            close_date=now.date(),
            user_id=owner,
            now=now,
        )
    elif target == "Lost":
        opportunity_stages.close_lost(
            session,
            opp,
            reason="Out-sold",
            competitor="Fourth Coffee",
            description="Price",
            close_date=date(now.year, now.month, now.day),
            user_id=owner,
            now=now,
        )
