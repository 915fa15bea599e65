"""The selling company per workspace (name, address, default tax rate), set in `/salesbot admin` →
`Company`; a workspace that never set it uses COMPANY_NAME, COMPANY_ADDRESS and DEFAULT_TAX_RATE.
Quotes read it through `company_profile` / `with_company`. The caller owns the transaction."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlmodel import Session

from bot.refusals import FieldRefused
from bot.services.quotes import QuoteConfig
from store import company as company_store
from store.audit import record_change

NAME_MAX, ADDRESS_MAX = 200, 1000


@dataclass(frozen=True)
class CompanyProfile:
    name: str
    address: str
    tax_rate: Decimal
    saved: bool = False  # False: the settings' defaults


def company_profile(session: Session, team_id: str, *, defaults: QuoteConfig | None = None) -> CompanyProfile:
    """The workspace's company, or the settings' values (`defaults`) when it has none."""
    row = company_store.get_profile(session, team_id=team_id)
    if row is not None:
        return CompanyProfile(row.name, row.address, Decimal(row.tax_rate), saved=True)
    cfg = defaults or QuoteConfig()
    return CompanyProfile(cfg.company_name, cfg.company_address, cfg.default_tax_rate)


def with_company(session: Session, team_id: str, cfg: QuoteConfig) -> QuoteConfig:
    """`cfg` with the workspace's company name, address and default tax rate."""
    profile = company_profile(session, team_id, defaults=cfg)
    return dataclasses.replace(
        cfg, company_name=profile.name, company_address=profile.address, default_tax_rate=profile.tax_rate
    )


def parse_tax_rate(text: str) -> Decimal:
    """A percentage 0–100 with at most two decimals (`22`, `7.5`, `7,5`)."""
    cleaned = (text or "").strip().removesuffix("%").strip().replace(",", ".")
    try:
        value = Decimal(cleaned or "0")
    except InvalidOperation:
        raise FieldRefused("tax_rate", "Enter a percentage such as 22 or 7.5.") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise FieldRefused("tax_rate", "Enter a percentage from 0 to 100.")
    if value != value.quantize(Decimal("0.01")):
        raise FieldRefused("tax_rate", "Use at most two decimals.")
    return value.quantize(Decimal("0.01"))


def save_company(
    session: Session, *, team_id: str, name: str, address: str, tax_rate: Decimal, actor: str, now: datetime
) -> CompanyProfile:
    name, address = " ".join(name.split()), address.strip()
    if len(name) > NAME_MAX or len(address) > ADDRESS_MAX:
        raise FieldRefused("name", f"Keep the name under {NAME_MAX} and the address under {ADDRESS_MAX} characters.")
    company_store.save_profile(
        session, team_id=team_id, name=name, address=address, tax_rate=tax_rate, by=actor, now=now
    )
    detail = f"{name or '(no name)'} · default tax {tax_rate} %"
    record_change(session, team_id=team_id, actor_id=actor, action="Company changed", detail=detail, people=[], at=now)
    return CompanyProfile(name, address, tax_rate, saved=True)
