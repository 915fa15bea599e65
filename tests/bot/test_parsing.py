"""Pure rules: amounts, counts, emails, text folding, record references, lead validation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.leads import columns_parser, derived_keys, key_columns, lead_values, validate_lead
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


def test_fold_maps_a_nul_to_the_replacement_character() -> None:
    assert fold("ac\x00me") == "ac\ufffdme" and fold("Müll\x00er") == "mull\ufffder" and "\x00" not in fold("\x00" * 3)


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


# Values a CSV cell may hold: valid and invalid for every field kind, accents, padding and overlong text.
_CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "  ",
            "Hospitality",
            "hospitality ",
            "Trade show",
            "trade-show",
            "Immediate",
            "Committee",
            "nope",
            "1299",
            "1,299.00",
            "12.345",
            "-5",
            "250",
            "1,200",
            "20000000",
            "a@b.it",
            "A.B@Café.example",
            "x@y",
            "+39 02 1234 5678",
            "12",
            "Café Müller",
            "  José Núñez ",
            "x" * 301,
            "y" * 3001,
        ]
    ),  # fmt: skip
    st.text(max_size=12),
)


@given(st.lists(st.lists(_CELLS, min_size=7, max_size=7), min_size=1, max_size=12))
def test_column_parser_agrees_with_the_row_by_row_validation(rows: list[list[str]]) -> None:
    """The import's column-at-a-time parser gives each row the values or the messages the modal's
    `lead_values` gives, so the fast path cannot drift from the rules."""
    keys = ["topic", "last_name", "company", "email", "budget_amount", "industry", "purchase_timeframe"]
    parsed = columns_parser([*keys[:3], None, *keys[3:]])([[*row[:3], "ignored", *row[3:]] for row in rows])
    for index, row in enumerate(rows):
        values, errors = lead_values(dict(zip(keys, row, strict=True)))
        assert parsed.errors.get(index, {}) == errors
        if values is not None:
            assert {key: column[index] for key, column in parsed.columns.items()} == values


def test_key_columns_match_the_keys_of_one_lead() -> None:
    firsts, lasts, companies = ["José", "", "Ada"], ["Núñez", "Rossi", ""], ["Café Azul", "", "Contoso"]
    emails, topics = ["Jose@Azul.ES", "", "ada@contoso.com"], ["Beans", "Cups", "Grinders"]
    searchable, email_keys, identities = key_columns(firsts, lasts, companies, emails, topics)
    for index in range(3):
        keys = derived_keys(firsts[index], lasts[index], companies[index], emails[index], topics[index])
        assert (searchable[index], email_keys[index], identities[index]) == tuple(keys.values())
    assert identities == ["cafe azul|jose nunez", "", "contoso|ada"] and email_keys[0] == "jose@azul.es"
