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

# Buttons shared by lead and opportunity cards: the button value is the record reference
# (`lead:12` / `opportunity:5`), so one listener serves both kinds of record.
RECORD_LOG_CALL = "record_log_call"
RECORD_ADD_NOTE = "record_add_note"
RECORD_SCHEDULE_APPOINTMENT = "record_schedule_appointment"
RECORD_ASK_COLLEAGUES = "record_ask_colleagues"
RECORD_ADD_STAKEHOLDER = "record_add_stakeholder"
RECORD_ADD_COMPETITOR = "record_add_competitor"
RECORD_START_SEQUENCE = "record_start_sequence"
RECORD_SHARE = "record_share"
RECORD_TIMELINE = "record_timeline"

LEAD_QUALIFY = "lead_qualify"
LEAD_DISQUALIFY = "lead_disqualify"
LEAD_EDIT = "lead_edit"
LEAD_REACTIVATE = "lead_reactivate"

LEAD_BUTTONS: tuple[tuple[str, str], ...] = (
    ("Log call", RECORD_LOG_CALL),
    ("Add note", RECORD_ADD_NOTE),
    ("Schedule appointment", RECORD_SCHEDULE_APPOINTMENT),
    ("Ask colleagues", RECORD_ASK_COLLEAGUES),
    ("Add stakeholder", RECORD_ADD_STAKEHOLDER),
    ("Add competitor", RECORD_ADD_COMPETITOR),
    ("Start sequence", RECORD_START_SEQUENCE),
    ("Share", RECORD_SHARE),
    ("Qualify", LEAD_QUALIFY),
    ("Disqualify", LEAD_DISQUALIFY),
    ("Timeline", RECORD_TIMELINE),
    ("Edit", LEAD_EDIT),
    ("Reactivate", LEAD_REACTIVATE),
)
BUTTON_LABELS: dict[str, str] = {action_id: label for label, action_id in LEAD_BUTTONS}


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
