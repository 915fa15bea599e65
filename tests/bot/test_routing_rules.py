"""Routing rules of the process file: parsed with errors naming the key path, matched on lead fields,
round robin skipping members at the cap (pure: the turn itself is tested through HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.domain.process import ProcessFileError, parse_library
from bot.domain.routing import Fallback, LeadFacts, pick_member
from bot.services.processes import library_in
from store.db import transaction
from tests.conftest import RunningBot
from tests.handlers.routing_helpers import make_team

NOW = datetime(2026, 12, 1, tzinfo=UTC)

RULES = """
[[routing]]
when = { lead_source = ["Web"], country = ["IT", "ES"] }
assign = { team = "EMEA", method = "round_robin", max_open = 50 }

[[routing]]
when = { industry = "Retail", employees_min = 100, budget_min = 10000 }
assign = { user = "U123" }

[routing_fallback]
channel = "C0LEADS"
"""


def test_the_contract_example_parses_and_matches_in_order() -> None:
    library = parse_library(RULES, source="rules.toml")
    assert [p.name for p in library.all] == ["Lead to opportunity sales process"]  # routing only: built-in stays
    routing = library.routing
    assert routing.fallback == Fallback(channel="C0LEADS")
    web_it = routing.first_match(LeadFacts(lead_source="web", country="it"))
    assert web_it is not None and web_it.index == 0 and web_it.assign.team == "EMEA" and web_it.assign.max_open == 50
    assert routing.first_match(LeadFacts(lead_source="Web", country="FR")) is None
    big_retail = LeadFacts(industry="Retail", employees=250, budget=Decimal(20000))
    rule = routing.first_match(big_retail)
    assert rule is not None and rule.assign.user == "U123"
    assert routing.first_match(LeadFacts(industry="Retail", employees=250)) is None  # no budget: no match


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('[[routing]]\nassign = { team = "EMEA", method = "random" }', "routing[0].assign.method"),
        ('[[routing]]\nwhen = { colour = ["red"] }\nassign = { user = "U1X" }', "routing[0].when.colour"),
        ('[[routing]]\nwhen = { country = [] }\nassign = { user = "U1X" }', "routing[0].when.country"),
        ('[[routing]]\nwhen = { budget_min = -1 }\nassign = { user = "U1X" }', "routing[0].when.budget_min"),
        ('[[routing]]\nassign = { user = "U1X", team = "EMEA" }', "routing[0].assign"),
        ('[[routing]]\nassign = { user = "bob" }', "routing[0].assign.user"),
        ('[[routing]]\nassign = { team = "EMEA", max_open = 0 }', "routing[0].assign.max_open"),
        ('[[routing]]\nwhen = { lead_source = "Web" }', "routing[0].assign"),
        (
            '[[routing]]\nassign = { user = "U1X" }\n[[routing]]\nassign = { team = "A", extra = 1 }',
            "routing[1].assign.extra",
        ),
        ('[routing_fallback]\nchannel = "general"', "routing_fallback.channel"),
        ('[routing_fallback]\nchannel = "C1"\nowner = "U1X"', "routing_fallback"),
        ('[routing_fallback]\nowner = "C1"', "routing_fallback.owner"),
    ],
)
def test_errors_name_the_key_path(text: str, path: str) -> None:
    with pytest.raises(ProcessFileError) as error:
        parse_library(text, source="the uploaded processes")
    assert str(error.value).startswith(f"the uploaded processes: {path}: ")


def test_round_robin_takes_the_turn_and_skips_members_at_the_cap() -> None:
    members = ["UA", "UB", "UC"]
    assert [pick_member(members, turn, {}, None) for turn in range(1, 7)] == ["UA", "UB", "UC"] * 2
    assert pick_member(members, 1, {"UA": 2}, 2) == "UB"
    assert pick_member(members, 3, {"UC": 5, "UA": 1}, 2) == "UA"
    assert pick_member(members, 2, {"UA": 2, "UB": 2, "UC": 2}, 2) is None
    assert pick_member([], 1, {}, None) is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_upload_with_a_bad_routing_rule_is_refused_and_changes_nothing(bot: RunningBot) -> None:
    with transaction(bot.deps.new_session) as session, pytest.raises(ProcessFileError) as error:
        bot.deps.processes.upload(session, "T1", '[[routing]]\nassign = { team = "EMEA", method = "x" }', now=NOW)
    assert "routing[0].assign.method" in str(error.value)
    with transaction(bot.deps.new_session) as session, pytest.raises(ProcessFileError) as error:
        bot.deps.processes.upload(session, "T1", RULES, now=NOW)
    assert "routing[0].assign.team: no team named 'EMEA'" in str(error.value)
    make_team(bot, "EMEA", ["UA"])
    with transaction(bot.deps.new_session) as session:
        bot.deps.processes.upload(session, "T1", RULES, now=NOW)
    with transaction(bot.deps.new_session) as session:
        assert library_in(session, "T1").routing.fallback == Fallback(channel="C0LEADS")
        assert library_in(session, "T2").routing.rules == ()  # per workspace
