"""Block Kit builders stay inside Slack's limits even with extreme data."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.views.home import home_view
from bot.views.leads import lead_card, lead_list, new_lead_modal
from store.models import Lead
from tests.slack.validate import validate_message_blocks, validate_view


def _lead(index: int = 1, **overrides: object) -> Lead:
    values: dict[str, object] = dict(
        id=index, team_id="T1", owner_id="U1", topic="T" * 300, first_name="F" * 100, last_name="L" * 100,
        company="C" * 200, job_title="J" * 200, email="e" * 240 + "@x.it", description="<&>" * 1000,
        budget_amount=Decimal("99999999999999.99"), created_at=datetime(2026, 1, 1, tzinfo=UTC),
        employees=10_000_000, annual_revenue=Decimal("1.00"), industry="Retail",
    )  # fmt: skip
    values.update(overrides)
    return Lead(**values)  # type: ignore[arg-type]


def test_lead_card_with_maximal_fields_is_valid() -> None:
    assert validate_message_blocks(lead_card(_lead())) == []


def test_disqualified_card_offers_reactivate() -> None:
    labels = [e["text"]["text"] for b in lead_card(_lead(status="disqualified")) for e in b.get("elements", [])
              if e.get("type") == "button"]  # fmt: skip
    assert "Reactivate" in labels and "Qualify" not in labels


def test_long_lists_stay_under_fifty_blocks() -> None:
    blocks = lead_list([_lead(i) for i in range(200)], title="x" * 5000, total=200)
    assert validate_message_blocks(blocks) == [] and len(blocks) <= 50


def test_new_lead_modal_and_home_are_valid() -> None:
    assert validate_view(new_lead_modal({"topic": "x" * 1000, "industry": "Retail"})) == []
    many = lead_list([_lead(i) for i in range(40)], title="My open leads", total=10_000)
    assert validate_view(home_view([many, many, many])) == []
    assert validate_view(home_view([])) == []
