"""Lead fields, their validation and the keys used for search and duplicate detection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Literal

from bot.domain.parsing import ParseError, parse_amount, parse_count, parse_email, parse_phone
from bot.domain.text import fold, search_text

FieldKind = Literal["text", "long_text", "amount", "count", "email", "phone", "select"]

INDUSTRIES = (
    "Accounting", "Agriculture", "Consulting", "Education", "Financial services", "Food and beverage",
    "Healthcare", "Hospitality", "Manufacturing", "Retail", "Technology", "Other",
)  # fmt: skip
LEAD_SOURCES = (
    "Advertisement", "Employee referral", "External referral", "Partner", "Public relations",
    "Seminar", "Trade show", "Web", "Word of mouth", "Other",
)  # fmt: skip
TIMEFRAMES = ("Immediate", "This quarter", "Next quarter", "This year", "Unknown")
PURCHASE_PROCESSES = ("Individual", "Committee", "Unknown")
DISQUALIFY_REASONS = ("Lost", "Cannot contact", "No longer interested", "Canceled")


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: FieldKind = "text"
    options: tuple[str, ...] = ()
    max_length: int = 200
    placeholder: str = ""


LEAD_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("topic", "Topic", max_length=300, placeholder="e.g. 20 espresso machines for new cafés"),
    FieldSpec("first_name", "First name", max_length=100),
    FieldSpec("last_name", "Last name", max_length=100),
    FieldSpec("company", "Company"),
    FieldSpec("job_title", "Job title"),
    FieldSpec("email", "Email", "email", max_length=254),
    FieldSpec("business_phone", "Business phone", "phone", max_length=50),
    FieldSpec("industry", "Industry", "select", INDUSTRIES),
    FieldSpec("employees", "Number of employees", "count", max_length=20, placeholder="e.g. 250"),
    FieldSpec("annual_revenue", "Annual revenue", "amount", max_length=30, placeholder="e.g. 1,500,000.00"),
    FieldSpec("lead_source", "Lead source", "select", LEAD_SOURCES),
    FieldSpec("budget_amount", "Budget amount", "amount", max_length=30, placeholder="e.g. 25,000.00"),
    FieldSpec("purchase_timeframe", "Purchase timeframe", "select", TIMEFRAMES),
    FieldSpec("purchase_process", "Purchase process", "select", PURCHASE_PROCESSES),
    FieldSpec("description", "Description", "long_text", max_length=3000),
)
FIELDS_BY_KEY = {spec.key: spec for spec in LEAD_FIELDS}


@dataclass
class LeadDraft:
    topic: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    job_title: str = ""
    email: str = ""
    business_phone: str = ""
    industry: str = ""
    employees: int | None = None
    annual_revenue: Decimal | None = None
    lead_source: str = ""
    budget_amount: Decimal | None = None
    purchase_timeframe: str = ""
    purchase_process: str = ""
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def columns(self) -> dict[str, object]:
        values = asdict(self)
        values.pop("extra")
        values.update(derived_keys(self.first_name, self.last_name, self.company, self.email, self.topic))
        return values


def validate_lead(raw: Mapping[str, str | None]) -> tuple[LeadDraft | None, dict[str, str]]:
    """Return the draft, or the errors keyed by field key (never both)."""
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for spec in LEAD_FIELDS:
        text = (raw.get(spec.key) or "").strip()
        try:
            values[spec.key] = _parse_field(spec, text)
        except ParseError as error:
            errors[spec.key] = error.message
    if not values.get("topic") and "topic" not in errors:
        errors["topic"] = "Enter a topic, such as what the customer wants to buy."
    if not values.get("last_name") and not values.get("company") and "last_name" not in errors:
        errors["last_name"] = "Enter a last name or a company."
    if errors:
        return None, errors
    return LeadDraft(**values), {}  # type: ignore[arg-type]


def _parse_field(spec: FieldSpec, text: str) -> object:
    if len(text) > spec.max_length:
        raise ParseError(f"Keep {spec.label.lower()} under {spec.max_length} characters.")
    match spec.kind:
        case "amount":
            return parse_amount(text)
        case "count":
            return parse_count(text)
        case "email":
            return parse_email(text)
        case "phone":
            return parse_phone(text)
        case "select":
            return _match_option(spec, text)
        case _:
            return text


def _match_option(spec: FieldSpec, text: str) -> str:
    if not text:
        return ""
    for option in spec.options:
        if fold(option) == fold(text):
            return option
    raise ParseError(f"Choose one of: {', '.join(spec.options)}.")


def full_name(first_name: str, last_name: str) -> str:
    return " ".join(part for part in (first_name.strip(), last_name.strip()) if part)


def derived_keys(first_name: str, last_name: str, company: str, email: str, topic: str) -> dict[str, str]:
    """Folded keys: `email_key` and `identity_key` (company + full name) find duplicates."""
    name = fold(full_name(first_name, last_name))
    identity = f"{fold(company)}|{name}" if company and name else ""
    return {
        "search_text": search_text(topic, first_name, last_name, company, email),
        "email_key": fold(email),
        "identity_key": identity,
    }
