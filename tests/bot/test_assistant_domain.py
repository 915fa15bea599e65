"""Pure rules of the assistant: steps, due times, local days across DST, reminder windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.assistant import (
    StepError,
    day_bounds,
    describe_step,
    digest_due,
    format_local,
    local_at,
    next_step,
    parse_reminder_minutes,
    parse_steps,
    reminder_due,
    steps_text,
    zone,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_steps_are_parsed_one_a_line_and_round_trip() -> None:
    steps = parse_steps(
        "call: Introduce yourself\n- wait 2 days\nemail – Send the brochure\nwait 4h\nLinkedIn: Connect\n"
    )
    assert [s["kind"] for s in steps] == ["call", "wait", "email", "wait", "linkedin"]
    assert steps[1]["wait_minutes"] == 2 * 24 * 60 and steps[3]["wait_minutes"] == 240
    assert describe_step(steps[0]) == "Call: Introduce yourself" and describe_step(steps[1]) == "Wait 2 days"
    assert parse_steps(steps_text(steps)) == steps


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("call: a\nsing a song", "Line 2"),
        ("wait 2 days", "at least one"),
        ("", "at least one"),
        ("wait 0 days\ncall: x", "between"),
        ("\n".join(["task: x"] * 31), "at most"),
    ],
)
def test_bad_steps_name_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(StepError) as raised:
        parse_steps(text)
    assert fragment in raised.value.message


def test_next_step_adds_the_waits_before_it_and_ends_after_the_last() -> None:
    steps = parse_steps("call: a\nwait 1 day\nwait 2 hours\nemail: b\nwait 3 days")
    assert next_step(steps, 0, T0) == next_step(steps, 0, T0) and next_step(steps, 0, T0).position == 0  # type: ignore[union-attr]
    following = next_step(steps, 1, T0)
    assert following is not None and following.position == 3 and following.due_at == T0 + timedelta(days=1, hours=2)
    assert next_step(steps, 4, T0) is None


def test_local_days_are_23_or_25_hours_across_dst() -> None:
    start, end = day_bounds(date(2026, 3, 29), "Europe/Rome")  # spring forward
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC) and end - start == timedelta(hours=23)
    start, end = day_bounds(date(2026, 11, 1), "America/New_York")  # fall back
    assert end - start == timedelta(hours=25)
    assert local_at(date(2026, 3, 27), 8, "Europe/Rome") == datetime(2026, 3, 27, 7, 0, tzinfo=UTC)
    assert local_at(date(2026, 3, 30), 8, "Europe/Rome") == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def test_digest_is_due_from_the_hour_for_a_few_hours_only() -> None:
    rome_8am = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert digest_due(rome_8am - timedelta(minutes=1), "Europe/Rome", 8) is None
    assert digest_due(rome_8am, "Europe/Rome", 8) == date(2026, 3, 30)
    assert digest_due(rome_8am + timedelta(hours=7), "Europe/Rome", 8) is None
    assert digest_due(rome_8am, "Not/AZone", 8) is None  # unknown zone: UTC, where it is 06:00


def test_reminders_are_never_due_in_the_past_and_show_local_time() -> None:
    start = T0 + timedelta(minutes=10)
    assert reminder_due(start, 15, T0) == T0
    assert reminder_due(start + timedelta(hours=1), 15, T0) == start + timedelta(minutes=45)
    assert format_local(start, "Europe/Rome") == "Mon 2 Mar, 10:10 CET"
    assert format_local(start, "America/Los_Angeles", with_date=False) == "01:10 PST"


def test_local_times_read_as_strftime_writes_them() -> None:
    """Day and month names from tables, as `%a` and `%b` in the C locale: every day of a year, both sides of
    DST, zones with odd offsets and an unknown zone."""
    for hours in range(0, 366 * 24, 7):
        moment = T0 + timedelta(hours=hours, minutes=hours % 60)
        for tz in ("Europe/Rome", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", None, "Not/AZone"):
            local = moment.astimezone(zone(tz))
            clock = f"{local.strftime('%H:%M')} {local.tzname()}"
            assert format_local(moment, tz) == f"{local.strftime('%a')} {local.day} {local.strftime('%b')}, {clock}"
            assert format_local(moment, tz, with_date=False) == clock


def test_reminder_minutes_setting() -> None:
    assert parse_reminder_minutes(" ") is None and parse_reminder_minutes("30") == 30
    for bad in ("-5", "abc", "1441", "1.5"):
        with pytest.raises(StepError):
            parse_reminder_minutes(bad)
