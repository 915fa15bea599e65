"""App Home: the user's desk, assembled from the sections feature modules provide."""

from __future__ import annotations

from typing import Any

from bot.ids import ACTION_NEW_LEAD, BLOCK_HOME_ACTIONS
from bot.messages import NO_LEADS
from bot.views.blocks import Block, actions, button, context, divider, header, section

VIEW_BLOCKS_MAX = 100


def home_view(sections: list[list[Block]]) -> dict[str, Any]:
    """Header, then each non-empty section separated by dividers, within Slack's 100-block limit."""
    blocks: list[Block] = [
        header("Your sales desk"),
        *actions([button("New lead", ACTION_NEW_LEAD, style="primary")], block_id=BLOCK_HOME_ACTIONS),
    ]
    for part in sections or [[section(NO_LEADS)]]:
        if len(blocks) + len(part) + 2 > VIEW_BLOCKS_MAX:
            blocks.append(context("More is available with `/lead list` and `/opp`."))
            break
        blocks += [divider(), *part]
    blocks.append(context("Type `/salesbot help` for everything salesbot can do."))
    return {"type": "home", "blocks": blocks}
