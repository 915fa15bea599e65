"""The company a workspace's quotes are issued by: name, address and default tax rate.

Per the contract these are per workspace in `/salesbot admin`, with the settings `COMPANY_NAME`,
`COMPANY_ADDRESS` and `DEFAULT_TAX_RATE` as the defaults. Quotes read them only through
`company_of`, so the workspace's own values plug in here; a workspace without them (or a database
without the admin's table yet) gets the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlmodel import Session


class CompanyDefaults(Protocol):
    @property
    def company_name(self) -> str: ...
    @property
    def company_address(self) -> str: ...
    @property
    def default_tax_rate(self) -> Decimal: ...


@dataclass(frozen=True)
class Company:
    name: str
    address: str
    default_tax_rate: Decimal


def company_of(session: Session, team_id: str, defaults: CompanyDefaults) -> Company:
    """The workspace's company for its quotes: its own values where `/salesbot admin` set them, else
    the settings'."""
    del session, team_id  # the workspace's own values are read here once /salesbot admin stores them
    return Company(defaults.company_name, defaults.company_address, defaults.default_tax_rate)
