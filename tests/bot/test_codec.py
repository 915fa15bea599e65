"""The one codec for what Slack carries back (bot/ids.py): ids with bounds, one metadata shape."""

from __future__ import annotations

import pytest

from bot.ids import (
    MAX_ID,
    Metadata,
    QuoteRef,
    RecordRef,
    decode_order,
    decode_quote,
    decode_ref,
    encode_order,
    parse_id,
    parse_steps_block_id,
    steps_block_id,
)


@pytest.mark.parametrize("raw", ["", "-1", "1.5", "١٢", "²", "9" * 25, str(MAX_ID + 1), " 12", "0x1f"])
def test_anything_but_a_bounded_ascii_id_is_no_id(raw: str) -> None:
    assert parse_id(raw) is None


def test_ids_within_bounds_parse() -> None:
    assert parse_id("12") == 12 and parse_id(str(MAX_ID)) == MAX_ID


@pytest.mark.parametrize("value", ["lead:" + "9" * 25, "lead:١٢", "quote:1", "lead", "lead:", ":1", None])
def test_bad_record_references_raise_value_error(value: str | None) -> None:
    with pytest.raises(ValueError):
        decode_ref(value)


def test_record_references_round_trip() -> None:
    assert decode_ref(RecordRef("opportunity", 5).encode()) == RecordRef("opportunity", 5)


def test_metadata_round_trips_and_junk_reads_as_empty() -> None:
    carried = Metadata(ref="lead:1", channel="C1", ts="1.2", message={"text": "hi"}, extra={"stage": "Develop"})
    assert Metadata.decode(carried.encode()) == carried
    assert carried.card() == {"channel": "C1", "ts": "1.2"}
    for junk in ("", "{not json", "[1,2]", "12", "null", '{"message": 3, "extra": []}'):
        assert Metadata.decode(junk) == Metadata()


def test_checklist_block_ids_round_trip_and_refuse_junk() -> None:
    assert parse_steps_block_id(steps_block_id(7, 1, 0)) == (7, 1, 0)
    for junk in ("opp_steps:7:1", "opp_steps:7:1:x", "other:7:1:0", "opp_steps:" + "9" * 25 + ":1:0"):
        assert parse_steps_block_id(junk) is None


@pytest.mark.parametrize(
    "value", ["quote:1", "quote:1:", "quote:١:2", "quote:" + "9" * 25 + ":1", "quote:1:-1", "order:1:2", None]
)
def test_bad_quote_references_raise_value_error(value: str | None) -> None:
    with pytest.raises(ValueError):
        decode_quote(value)


@pytest.mark.parametrize("value", ["order:", "order:x", "order:" + "9" * 25, "quote:1:1", None])
def test_bad_order_references_raise_value_error(value: str | None) -> None:
    with pytest.raises(ValueError):
        decode_order(value)


def test_quote_and_order_references_round_trip_and_quote_modals_use_the_one_metadata() -> None:
    assert decode_quote(QuoteRef(12, 3).encode()) == QuoteRef(12, 3) and decode_order(encode_order(4)) == 4
    carried = Metadata(id=QuoteRef(12, 3).encode(), channel="D1", ts="1.2", extra={"price_list": "2"})
    assert Metadata.decode(carried.encode()) == carried
