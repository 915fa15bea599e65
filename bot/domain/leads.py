"""Lead fields, their validation and the keys used for search and duplicate detection."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Literal

from bot.domain.countries import parse_country
from bot.domain.parsing import EMAIL_PATTERN as _PLAIN_EMAIL
from bot.domain.parsing import ParseError, parse_amount, parse_count, parse_email, parse_phone
from bot.domain.text import fold, fold_all

FieldKind = Literal["text", "long_text", "amount", "count", "email", "phone", "select", "country"]

INDUSTRIES = (
    "Accounting",
    "Agriculture",
    "Consulting",
    "Education",
    "Financial services",
    "Food and beverage",
    "Healthcare",
    "Hospitality",
    "Manufacturing",
    "Retail",
    "Technology",
    "Other",
)
LEAD_SOURCES = (
    "Advertisement",
    "Employee referral",
    "External referral",
    "Partner",
    "Public relations",
    "Seminar",
    "Trade show",
    "Web",
    "Word of mouth",
    "Other",
)
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
    FieldSpec("country", "Country", "country", max_length=60, placeholder="e.g. IT or Italy"),
    FieldSpec("city", "City", max_length=100),
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
    country: str = ""
    city: str = ""
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
        values: dict[str, object] = {key: getattr(self, key) for key in FIELD_KEYS}
        values.update(derived_keys(self.first_name, self.last_name, self.company, self.email, self.topic))
        return values


FIELD_KEYS = tuple(spec.key for spec in LEAD_FIELDS)
_FOLDED_OPTIONS = {spec.key: {fold(option): option for option in spec.options} for spec in LEAD_FIELDS}
_EMPTY: dict[str, object] = {spec.key: (None if spec.kind in ("amount", "count") else "") for spec in LEAD_FIELDS}


def validate_lead(
    raw: Mapping[str, str | None], *, require_name: bool = True
) -> tuple[LeadDraft | None, dict[str, str]]:
    """Return the draft, or the errors keyed by field key (never both). `require_name=False` (the web
    lead API, where only `topic` is required) accepts a lead with neither last name nor company."""
    values, errors = lead_values(raw, require_name=require_name)
    if values is None:
        return None, errors
    return LeadDraft(**values), {}  # type: ignore[arg-type]


def lead_values(
    raw: Mapping[str, str | None], *, require_name: bool = True
) -> tuple[dict[str, object] | None, dict[str, str]]:
    """The parsed field values by key, or the errors by key. Bulk import calls this once per row,
    so it only visits the fields present and dispatches through a prebuilt parser table."""
    values = dict(_EMPTY)
    errors: dict[str, str] = {}
    for key, text in raw.items():
        if not text or not (text := text.strip()):
            continue  # empty fields keep their empty value
        parse = _PARSERS.get(key)
        if parse is None:
            continue
        try:
            values[key] = parse(text)
        except ParseError as error:
            errors[key] = error.message
    _require(values["topic"], values["last_name"] or not require_name, values["company"], errors)
    return (None, errors) if errors else (values, {})


def _require(topic: object, last_name: object, company: object, errors: dict[str, str]) -> None:
    """The fields every lead needs: a topic, and a last name or a company."""
    if not topic and "topic" not in errors:
        errors["topic"] = "Enter a topic, such as what the customer wants to buy."
    if not last_name and not company and "last_name" not in errors:
        errors["last_name"] = "Enter a last name or a company."


@dataclass
class ParsedRows:
    """Bulk-import rows parsed a column at a time: what `lead_values` gives row by row, faster."""

    columns: dict[str, list[object]]  # every FIELD_KEYS key -> one value per row
    errors: dict[int, dict[str, str]]  # row index -> {field key: message}; such rows are invalid


ColumnsParser = Callable[[list[list[str]]], ParsedRows]


def columns_parser(keys: list[str | None]) -> ColumnsParser:
    """`lead_values` for a batch of CSV rows (each as wide as `keys`, the header's field keys): one
    pass per column instead of one per row (3x faster, bench/import_leads.py). Values and messages
    are the same as `lead_values` gives (tests/bot/test_parsing.py checks it); a key that appears
    twice is read from its first column."""
    plan = {key: index for index, key in reversed(list(enumerate(keys))) if key in FIELDS_BY_KEY}

    def parse(rows: list[list[str]]) -> ParsedRows:
        errors: dict[int, dict[str, str]] = {}
        columns: dict[str, list[object]] = {}
        for key in FIELD_KEYS:
            index = plan.get(key)
            if index is None:
                columns[key] = [_EMPTY[key]] * len(rows)
            else:
                columns[key] = _parse_column(FIELDS_BY_KEY[key], [row[index].strip() for row in rows], errors)
        required = zip(columns["topic"], columns["last_name"], columns["company"], strict=True)
        for row, (topic, last_name, company) in enumerate(required):
            if not topic or not (last_name or company):
                _require(topic, last_name, company, errors.setdefault(row, {}))
        return ParsedRows(columns, errors)

    return parse


def _parse_column(spec: FieldSpec, texts: list[str], errors: dict[int, dict[str, str]]) -> list[object]:
    """One column's values, stripped; a value that does not parse is reported and left empty."""
    if max(map(len, texts), default=0) > spec.max_length:
        for row, text in enumerate(texts):
            if len(text) > spec.max_length:
                errors.setdefault(row, {})[spec.key] = _TOO_LONG[spec.key]
                texts[row] = ""
    if spec.kind in _TEXT_KINDS or _all_plain(spec, texts):
        return texts  # type: ignore[return-value]
    empty = _EMPTY[spec.key]
    convert = _CONVERTERS[spec.key]
    values: list[object] = []
    for row, text in enumerate(texts):
        if not text:
            values.append(empty)
            continue
        try:
            values.append(convert(text))
        except ParseError as error:
            errors.setdefault(row, {})[spec.key] = error.message
            values.append(empty)
    return values


_TEXT_KINDS = ("text", "long_text")


def _all_plain(spec: FieldSpec, texts: list[str]) -> bool:
    """True when every value is already what its parser would return: exact options, plain emails."""
    if spec.kind == "select":
        options = _OPTION_SETS[spec.key]
        return all(text in options for text in texts if text)
    if spec.kind == "email":
        return all(map(_PLAIN_EMAIL.match, filter(None, texts)))
    return False


def _parser(spec: FieldSpec) -> Callable[[str], object]:
    kind_parsers: dict[str, Callable[[str], object]] = {
        "amount": parse_amount,
        "count": parse_count,
        "email": parse_email,
        "phone": parse_phone,
        "select": lambda text: _match_option(spec, text),
        "country": parse_country,
    }
    convert = kind_parsers.get(spec.kind)
    too_long = f"Keep {spec.label.lower()} under {spec.max_length} characters."

    def parse(text: str) -> object:
        if len(text) > spec.max_length:
            raise ParseError(too_long)
        return convert(text) if convert else text

    return parse


def _match_option(spec: FieldSpec, text: str) -> str:
    if not text or text in spec.options:
        return text
    option = _FOLDED_OPTIONS[spec.key].get(fold(text))
    if option is None:
        raise ParseError(f"Choose one of: {', '.join(spec.options)}.")
    return option


def full_name(first_name: str, last_name: str) -> str:
    return " ".join(part for part in (first_name.strip(), last_name.strip()) if part)


def derived_keys(first_name: str, last_name: str, company: str, email: str, topic: str) -> dict[str, str]:
    """Folded keys: `email_key` and `identity_key` (company + full name) find duplicates."""
    (searchable,), (email_key,), (identity,) = key_columns([first_name], [last_name], [company], [email], [topic])
    return {"search_text": searchable, "email_key": email_key, "identity_key": identity}


def key_columns(
    first_names: Sequence[object],
    last_names: Sequence[object],
    companies: Sequence[object],
    emails: Sequence[object],
    topics: Sequence[object],
) -> tuple[list[str], list[str], list[str]]:
    """`derived_keys` for many leads at once: (search texts, email keys, identity keys)."""
    names = fold_all([f"{first} {last}" for first, last in zip(first_names, last_names, strict=True)])
    company_keys, email_keys = fold_all(companies), fold_all(emails)
    pairs = zip(company_keys, names, strict=True)
    identities = [f"{company}|{name}" if company and name else "" for company, name in pairs]
    parts = zip(fold_all(topics), names, company_keys, email_keys, strict=True)
    searchable = [" ".join(filter(None, row))[:1200] for row in parts]
    return searchable, email_keys, identities


_OPTION_SETS = {spec.key: frozenset(spec.options) for spec in LEAD_FIELDS}
_PARSERS = {spec.key: _parser(spec) for spec in LEAD_FIELDS}
_TOO_LONG = {spec.key: f"Keep {spec.label.lower()} under {spec.max_length} characters." for spec in LEAD_FIELDS}
_CONVERTERS: dict[str, Callable[[str], object]] = {
    spec.key: converter
    for spec in LEAD_FIELDS
    if (
        converter := {
            "amount": parse_amount,
            "count": parse_count,
            "email": parse_email,
            "phone": parse_phone,
            "country": parse_country,
        }.get(spec.kind)
        or (partial(_match_option, spec) if spec.kind == "select" else None)
    )
}
