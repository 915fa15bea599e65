"""Pure rules: amounts, counts, emails, text folding, record references, lead validation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.leads import derived_keys, validate_lead
from bot.domain.parsing import ParseError, format_amount, parse_amount, parse_count, parse_email
from bot.domain.text import fold, like_pattern
from bot.ids import RecordRef, decode_ref


@pytest.mark.parametrize("text", ["1299", "1299.00", "1,299.00", " 1,299 ", "1299.5"])
def test_amounts_accepted(text: str) -> None:
    assert parse_amount(text) in (Decimal("1299.00"), Decimal("1299.50"))


@pytest.mark.parametrize("text", ["abc", "12,99", "1.299,00", "-5", "1e5", "12.345", "$10", "1,29,900"])
def test_amounts_rejected(text: str) -> None:
    with pytest.raises(ParseError):
        parse_amount(text)


def test_empty_amount_is_none() -> None:
    assert parse_amount("  ") is None


@given(st.decimals(min_value=0, max_value=Decimal("99999999999.99"), places=2))
def test_formatted_amounts_parse_back(value: Decimal) -> None:
    assert parse_amount(format_amount(value)) == value


@pytest.mark.parametrize(("text", "expected"), [("250", 250), ("1,200", 1200), ("", None), ("0", 0)])
def test_counts(text: str, expected: int | None) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["-3", "2.5", "many", "1,2"])
def test_counts_rejected(text: str) -> None:
    with pytest.raises(ParseError):
        parse_count(text)


@pytest.mark.parametrize("text", ["giulia.example.com", "a@b", "a b@c.it", "@x.it"])
def test_emails_rejected(text: str) -> None:
    with pytest.raises(ParseError):
        parse_email(text)


def test_fold_strips_accents_and_case() -> None:
    assert fold("  Caffè  MÜLLER ") == "caffe muller"
    assert fold("Ñandú") == "nandu"


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("50%_off") == "%50\\%\\_off%"


@given(st.sampled_from(["lead", "opportunity"]), st.integers(min_value=0, max_value=10**12))
def test_record_refs_round_trip(kind: str, record_id: int) -> None:
    assert decode_ref(RecordRef(kind, record_id).encode()) == RecordRef(kind, record_id)


@pytest.mark.parametrize("value", ["", None, "lead:", "lead:x", "account:1", "lead:-1"])
def test_bad_record_refs(value: str | None) -> None:
    with pytest.raises(ValueError):
        decode_ref(value)


def test_validate_lead_needs_topic_and_last_name_or_company() -> None:
    draft, errors = validate_lead({"first_name": "Ada"})
    assert draft is None and set(errors) == {"topic", "last_name"}
    draft, errors = validate_lead({"topic": "Beans", "company": "Contoso", "industry": "retail"})
    assert errors == {} and draft is not None and draft.industry == "Retail"


def test_validate_lead_rejects_unknown_choices() -> None:
    _, errors = validate_lead({"topic": "T", "company": "C", "purchase_timeframe": "Someday"})
    assert "Immediate" in errors["purchase_timeframe"]


def test_duplicate_keys_ignore_case_and_accents() -> None:
    a = derived_keys("José", "Núñez", "Café Azul", "Jose@Azul.ES", "t")
    b = derived_keys("jose", "NUNEZ", "cafe azul", "jose@azul.es", "other")
    assert a["identity_key"] == b["identity_key"] and a["email_key"] == b["email_key"]
