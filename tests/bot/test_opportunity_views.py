"""Opportunity card builders: long checklists split into several checkbox elements, all valid Block Kit."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.process import DEFAULT_PROCESS, Process, Stage, Step, StepState
from bot.views.opportunity import OpportunityData, edit_stage_modal, opportunity_card
from store.models import Opportunity
from tests.slack.validate import validate_message_blocks, validate_view

BIG = Process(
    name="Big", stages=(Stage("Only", 100, 50, tuple(Step(f"Step {n}", required=n == 11) for n in range(12))),)
)


def test_more_than_ten_checkbox_steps_use_several_elements() -> None:
    opp = Opportunity(
        id=7,
        team_id="T1",
        owner_id="U1",
        topic="Big deal",
        process_name="Big",
        stage="Only",
        estimated_revenue=Decimal("1000.00"),
    )
    data = OpportunityData(opp, BIG, states={("Only", "Step 3"): StepState(done=True)})
    blocks = opportunity_card(data)
    groups = [e for b in blocks for e in b.get("elements") or [] if e.get("type") == "checkboxes"]
    assert [len(g["options"]) for g in groups] == [10, 2]
    assert [o["text"]["text"] for o in groups[0]["initial_options"]] == ["Step 3"]
    assert validate_message_blocks(blocks) == []
    assert validate_view(edit_stage_modal(data)) == []
    assert "Finish" in [e["text"]["text"] for b in blocks for e in b.get("elements") or [] if e.get("type") == "button"]


def test_qualified_lead_card_renders_develop_with_the_qualify_stage_done() -> None:
    opp = Opportunity(
        id=3,
        team_id="T1",
        owner_id="U1",
        topic="Cafés",
        stage="Develop",
        lead_score=72,
        lead_grade="B",
        estimated_revenue=Decimal("60000.00"),
        budget_amount=Decimal("60000.00"),
    )
    data = OpportunityData(opp, DEFAULT_PROCESS, states={("Qualify", "Identify account"): StepState(True, "Aurora")})
    blocks = opportunity_card(data)
    text = str(blocks)
    assert "✓ Qualify › *▶ Develop* › Propose › Close" in text and "72 (B)" in text
    assert "12,000.00 EUR" in text  # 60,000 × 20 %
    assert validate_message_blocks(blocks) == []
