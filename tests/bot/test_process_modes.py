from __future__ import annotations

import pytest

from bot.domain.process import parse_processes

TEMPLATE = """
[[process]]
name = "P"
probability = "{mode}"
[[process.stage]]
name = "Qualify"
completed = 25
chance = 20
steps = [{{ name = "Identify account", type = "account", required = true }}]
"""


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("Multiply", "multiply"),
        ("add", "add"),
        ("Chances only", "chances"),
        ("completed_only", "completed"),
        ("chances-only", "chances"),
    ],
)
def test_business_central_probability_names_are_accepted(mode: str, expected: str) -> None:
    [process] = parse_processes(TEMPLATE.format(mode=mode))
    assert process.probability == expected


def test_unknown_probability_mode_names_the_key_path() -> None:
    with pytest.raises(Exception, match=r"process\[0\]\.probability"):
        parse_processes(TEMPLATE.format(mode="guess"))
