"""Every callback_id / action_id / block_id in one place, and the encoding of record references."""

from __future__ import annotations

from dataclasses import dataclass

# Contract ids (PRODUCT.md section 8)
SHORTCUT_NEW_LEAD = "new_lead"
SHORTCUT_LEAD_FROM_MESSAGE = "create_lead_from_message"
SHORTCUT_LOG_MESSAGE = "log_message_to"

# Internal ids
VIEW_NEW_LEAD = "lead_new"
ACTION_OPEN_RECORD = "record_open"
ACTION_NEW_LEAD = "lead_new_button"
INPUT_ACTION = "value"  # the action_id of the single element inside each input block

LEAD_BUTTONS: tuple[tuple[str, str], ...] = (
    ("Log call", "lead_log_call"),
    ("Add note", "lead_add_note"),
    ("Schedule appointment", "lead_schedule_appointment"),
    ("Ask colleagues", "lead_ask_colleagues"),
    ("Add stakeholder", "lead_add_stakeholder"),
    ("Add competitor", "lead_add_competitor"),
    ("Start sequence", "lead_start_sequence"),
    ("Share", "lead_share"),
    ("Qualify", "lead_qualify"),
    ("Disqualify", "lead_disqualify"),
    ("Timeline", "lead_timeline"),
    ("Edit", "lead_edit"),
    ("Reactivate", "lead_reactivate"),
)
LEAD_ACTION_IDS = dict(LEAD_BUTTONS)


@dataclass(frozen=True)
class RecordRef:
    record_type: str  # lead | opportunity
    record_id: int

    def encode(self) -> str:
        return f"{self.record_type}:{self.record_id}"


def decode_ref(value: str | None) -> RecordRef:
    """`lead:12` -> RecordRef("lead", 12); anything else raises ValueError."""
    record_type, _, raw_id = (value or "").partition(":")
    if record_type not in ("lead", "opportunity") or not raw_id.isdigit():
        raise ValueError(f"not a record reference: {value!r}")
    return RecordRef(record_type, int(raw_id))
