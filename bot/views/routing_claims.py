"""What routing posts: a lead waiting in the leads channel (with `Claim`), the same post once someone
claimed it, and the line above a routed lead's card in its new owner's DM."""

from __future__ import annotations

from datetime import datetime

from bot.ids import LEAD_CLAIM, RecordRef
from bot.views.blocks import Block, actions, button, context, section
from bot.views.leads import lead_card, lead_card_text
from bot.views.markup import date, escape, mention
from store.models import Lead

CLAIM = "Claim"


def _card_without_buttons(lead: Lead) -> list[Block]:
    return [block for block in lead_card(lead) if block.get("type") != "actions"]


def claim_post(lead: Lead) -> tuple[str, list[Block]]:
    """The leads channel's post: the lead and `Claim` (the first click wins)."""
    intro = section(":inbox_tray: *A new lead is waiting for an owner.* The first to press *Claim* gets it.")
    ref = RecordRef("lead", lead.id or 0).encode()
    claim = actions([button(CLAIM, LEAD_CLAIM, ref, style="primary")], block_id=f"claim_{lead.id}")
    return f"New lead waiting: {lead_card_text(lead)}", [intro, *_card_without_buttons(lead), *claim][:50]


def claimed_post(lead: Lead, claimed_by: str, at: datetime) -> tuple[str, list[Block]]:
    """The same post once claimed: who took it and when, no button."""
    intro = section(f":white_check_mark: Claimed by {mention(claimed_by)} {date(at)}.")
    return f"Claimed by {mention(claimed_by)}: {lead_card_text(lead)}", [intro, *_card_without_buttons(lead)][:49]


def taken_notice(owner: str, topic: str) -> str:
    if not owner:
        return f"*{escape(topic)}* is no longer waiting for an owner."
    return f"{mention(owner)} already took *{escape(topic)}*."


def routed_intro(lead: Lead, why: str) -> Block:
    """Above the card in the new owner's DM."""
    via = f" via {escape(lead.origin)}" if lead.origin else ""
    rule = f", routed to you by {escape(why)}" if why else ""
    return context(f":incoming_envelope: New lead{via}{rule}.")


def claimed_dm(lead: Lead) -> tuple[str, Block]:
    return f"You claimed {lead_card_text(lead)}", context(":raised_hand: You claimed this lead from the leads channel.")
