"""The sales process as data: seed 002's default process, gates, probabilities, rules, PROCESS_FILE."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.domain import process as p
from bot.domain.process import DEFAULT_PROCESS, ProcessFileError, ProcessLibrary, Rule, StepState, parse_processes

SEED_002 = {
    "Qualify": ["Identify contact", "Identify account", "Purchase timeframe", "Estimated budget", "Purchase process",
                "Identify decision maker"],
    "Develop": ["Customer need", "Proposed solution", "Identify stakeholders", "Identify competitors"],
    "Propose": ["Identify sales team", "Develop proposal", "Complete internal review", "Present proposal"],
    "Close": ["Complete final proposal", "Present final proposal", "Confirm decision date", "Send thank you note",
              "File debrief"],
}  # fmt: skip
REQUIRED = {
    "Qualify": ["Identify contact", "Identify account"],
    "Develop": ["Customer need", "Proposed solution"],
    "Propose": ["Develop proposal", "Present proposal"],
    "Close": ["Present final proposal", "Confirm decision date"],
}
CHECKBOXES = {"Identify decision maker", "Identify stakeholders", "Identify competitors", "Identify sales team",
              "Develop proposal", "Complete internal review", "Present proposal", "Complete final proposal",
              "Present final proposal", "Send thank you note", "File debrief"}  # fmt: skip


def test_default_process_is_seed_002_exactly() -> None:
    assert DEFAULT_PROCESS.name == "Lead to opportunity sales process"
    assert {s.name: [step.name for step in s.steps] for s in DEFAULT_PROCESS.stages} == SEED_002
    assert {s.name: [x.name for x in s.steps if x.required] for s in DEFAULT_PROCESS.stages} == REQUIRED
    assert {x.name for s in DEFAULT_PROCESS.stages for x in s.steps if x.is_checkbox} == CHECKBOXES
    assert [(s.completed, s.chance) for s in DEFAULT_PROCESS.stages] == [(25, 20), (50, 40), (75, 60), (100, 80)]
    purchase = DEFAULT_PROCESS.stages[0].step("Purchase process")
    assert purchase is not None and purchase.options == ("Individual", "Committee", "Unknown")


def test_missing_steps_gate_the_next_stage() -> None:
    develop = DEFAULT_PROCESS.stages[1]
    assert p.missing_steps(develop, {}) == ["Customer need", "Proposed solution"]
    states = {("Develop", "Customer need"): StepState(value="espresso"), ("Develop", "Proposed solution"):
              StepState(value="  ")}  # fmt: skip
    assert p.missing_steps(develop, states) == ["Proposed solution"]
    propose = DEFAULT_PROCESS.stages[2]
    ticked = {("Propose", "Develop proposal"): StepState(done=True), ("Propose", "Present proposal"):
              StepState(done=False)}  # fmt: skip
    assert p.missing_steps(propose, ticked) == ["Present proposal"]


def test_process_bar_and_navigation() -> None:
    assert p.process_bar(DEFAULT_PROCESS, "Develop") == "✓ Qualify › *▶ Develop* › Propose › Close"
    assert p.process_bar(DEFAULT_PROCESS, "Close", closed=True) == "✓ Qualify › ✓ Develop › ✓ Propose › ✓ Close"
    assert DEFAULT_PROCESS.next_stage("Close") is None and DEFAULT_PROCESS.previous_stage("Qualify") is None
    assert DEFAULT_PROCESS.is_last("Close") and not DEFAULT_PROCESS.is_last("Propose")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("multiply", ["5", "20", "45", "80"]), ("add", ["22.5", "45", "67.5", "90"]),
     ("chances", ["20", "40", "60", "80"]), ("completed", ["25", "50", "75", "100"])],
)  # fmt: skip
def test_probability_modes_as_business_central(mode: str, expected: list[str]) -> None:
    values = [p.percent_text(p.stage_probability(stage, mode)) for stage in DEFAULT_PROCESS.stages]
    assert values == expected


def test_won_is_100_and_lost_is_0() -> None:
    assert p.probability(DEFAULT_PROCESS, "Develop", status="won") == Decimal(100)
    assert p.probability(DEFAULT_PROCESS, "Develop", status="lost") == Decimal(0)


def test_feature_steps_complete_themselves() -> None:
    assert [(s.name, x.name) for s, x in DEFAULT_PROCESS.feature_steps("competitor")] == [
        ("Develop", "Identify competitors")]  # fmt: skip
    assert [x.name for _, x in DEFAULT_PROCESS.feature_steps("sales_team")] == ["Identify sales team"]
    assert [x.name for _, x in DEFAULT_PROCESS.feature_steps("proposal")] == ["Develop proposal"]


EXAMPLE = """
[[process]]
name = "Enterprise deal"
probability = "multiply"
when = { lead_source = ["Trade show"], budget_min = 50000 }
[[process.stage]]
name = "Qualify"
completed = 25
chance = 20
steps = [
  { name = "Identify account", type = "account", required = true },
  { name = "Estimated budget", type = "amount" },
]
"""


def test_the_product_md_example_parses_and_rules_pick_it() -> None:
    [enterprise] = parse_processes(EXAMPLE)
    assert enterprise.stages[0].steps[0].type == "account" and enterprise.stages[0].steps[0].required
    library = ProcessLibrary((enterprise,))
    assert library.choose(lead_source="trade show", budget=Decimal("60000")) is enterprise
    assert library.choose(lead_source="Trade show", budget=Decimal("40000")) is DEFAULT_PROCESS
    assert library.choose(lead_source="Web", budget=Decimal("60000")) is DEFAULT_PROCESS
    assert library.choose() is DEFAULT_PROCESS
    assert library.get("enterprise DEAL") is enterprise and library.get("gone") is DEFAULT_PROCESS
    assert [x.name for x in library.all] == ["Lead to opportunity sales process", "Enterprise deal"]


def test_rules() -> None:
    rule = Rule(purchase_timeframe=("Immediate",), budget_max=Decimal(1000))
    assert rule.matches(purchase_timeframe="Immediate", budget=Decimal(900))
    assert not rule.matches(purchase_timeframe="Immediate", budget=None)
    assert not rule.matches(purchase_timeframe="This year", budget=Decimal(1))
    assert not Rule().matches(lead_source="Web")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[[process]]\nname = 'X'\n", "process[0].stage: define at least one"),
        ("[[process]]\nname = 'X'\n[[process.stage]]\nname = 'A'\ncompleted = 10\n", "process[0].stage[0].chance"),
        ("[[process]]\nname = 'X'\n[[process.stage]]\nname = 'A'\ncompleted = 10\nchance = 5\n"
         "steps = [{ name = 'S', type = 'colour' }]\n", "process[0].stage[0].steps[0].type: unknown step type"),
        ("[[process]]\nname = 'X'\n[[process.stage]]\nname = 'A'\ncompleted = 10\nchance = 5\n"
         "steps = [{ name = 'S', type = 'choice' }]\n", "process[0].stage[0].steps[0].options"),
        ("[[process]]\nname = 'X'\nprobability = 'max'\n", "process[0].probability: must be one of"),
        ("[[process]]\nname = 'X'\nwhen = { budget_min = 'lots' }\n[[process.stage]]\nname = 'A'\ncompleted = 1\n"
         "chance = 1\n", "process[0].when.budget_min"),
        ("[[process]]\nname = 'X'\ncolour = 1\n", "process[0].colour: unknown key"),
        ("[[process]]\nname = 'X'\n[[process.stage]]\nname = 'A'\ncompleted = 1\nchance = 1\n"
         "[[process.stage]]\nname = 'a'\ncompleted = 1\nchance = 1\n", "process[0].stage[1].name: duplicate"),
        ("title = 'x'\n", "title: unknown key"),
        ("[[process]\nname = 'X'\n", "TOML syntax error: Expected ']]' at the end of an array declaration (at line 1"),
    ],
)  # fmt: skip
def test_errors_name_the_file_and_key_path(text: str, where: str) -> None:
    with pytest.raises(ProcessFileError) as caught:
        parse_processes(text, source="/etc/salesbot/processes.toml")
    assert str(caught.value).startswith("/etc/salesbot/processes.toml: ")
    assert where in str(caught.value)


def test_load_process_file_reads_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(EXAMPLE.replace("Enterprise deal", "Négoce"), encoding="utf-8")
    assert p.library_from_file(path).custom[0].name == "Négoce"
    assert p.library_from_file(None).custom == ()
