"""App Home: the user's desk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.ids import ACTION_NEW_LEAD
from bot.messages import NO_LEADS
from bot.views.blocks import Block, actions, button, context, divider, header, section
from bot.views.leads import lead_list
from store.models import Lead


def home_view(leads: Sequence[Lead], total_open: int) -> dict[str, Any]:
    blocks: list[Block] = [
        header("Your sales desk"),
        *actions([button("New lead", ACTION_NEW_LEAD, style="primary")], block_id="home_actions"),
        divider(),
    ]
    if leads:
        blocks.extend(lead_list(leads, title=f"My open leads ({total_open})", total=total_open)[:90])
    else:
        blocks.append(section(NO_LEADS))
    blocks.append(context("Type `/salesbot help` for everything salesbot can do."))
    return {"type": "home", "blocks": blocks[:100]}
