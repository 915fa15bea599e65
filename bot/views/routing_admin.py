"""`/salesbot admin` → `API tokens`: the workspace's live tokens with `Revoke`, `Create token` (field
`Name`), and the new token, shown once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.views.blocks import Block, button, context, divider, escape, header, modal, section
from bot.views.inputs import labelled, text_input
from bot.views.markup import date, mention
from store.models import ApiToken

ADMIN_API_TOKENS = "admin_api_tokens"
API_TOKEN_REVOKE = "admin_api_token_revoke"
VIEW_API_TOKENS = "admin_api_tokens_view"
NAME_MAX = 80
REVOKE_CONFIRM = {
    "title": {"type": "plain_text", "text": "Revoke this token?"},
    "text": {"type": "plain_text", "text": "Forms and tools using it get 401 from now on."},
    "confirm": {"type": "plain_text", "text": "Revoke"},
    "deny": {"type": "plain_text", "text": "Keep"},
    "style": "danger",
}


def tokens_modal(tokens: Sequence[ApiToken], *, created: str = "", created_name: str = "") -> dict[str, Any]:
    blocks: list[Block] = []
    if created:
        blocks += [
            section(f":key: *{escape(created_name)}*: copy the token now, it is not shown again.\n```{created}```"),
            divider(),
        ]
    blocks += [header("API tokens"), context("For `POST /api/leads` (web forms, marketing tools); see the README.")]
    if not tokens:
        blocks.append(section("No tokens yet."))
    for token in tokens[:40]:
        revoke = button("Revoke", API_TOKEN_REVOKE, str(token.id))
        revoke["confirm"] = REVOKE_CONFIRM
        line = f"*{escape(token.name)}* · created by {mention(token.created_by)} {date(token.created_at)}"
        blocks.append(section(line, accessory=revoke))
    blocks += [
        divider(),
        labelled("name", "Name", text_input(max_length=NAME_MAX, placeholder="e.g. Website form"), optional=True),
    ]
    return modal("API tokens", blocks[:100], callback_id=VIEW_API_TOKENS, submit="Create token")
