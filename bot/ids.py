"""Every callback_id / action_id / block_id in one place, and the encoding of record references."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.domain.kinds import RecordType

# Contract ids (PRODUCT.md section 8)
SHORTCUT_NEW_LEAD = "new_lead"
SHORTCUT_LEAD_FROM_MESSAGE = "create_lead_from_message"
SHORTCUT_LOG_MESSAGE = "log_message_to"

# Internal ids
VIEW_NEW_LEAD = "lead_new"
ACTION_OPEN_RECORD = "record_open"
ACTION_NEW_LEAD = "lead_new_button"
INPUT_ACTION = "value"
VIEW_EDIT_LEAD = "lead_edit_modal"
VIEW_LOG_MESSAGE = "log_message_modal"
ACTION_OPEN_EXISTING = "lead_open_existing"
ACTION_CREATE_ANYWAY = "lead_create_anyway"  # the action_id of the single element inside each input block

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

# Assistant: reminders, work queue, sequences, settings (values: record refs, task or appointment ids)
ASSISTANT_OPEN = "assistant_open"
REMINDER_SNOOZE = "reminder_snooze"
REMINDER_LOG_OUTCOME = "reminder_log_outcome"
TASK_DONE = "task_done"
TASK_SKIP = "task_skip"
TASK_SNOOZE = "task_snooze"
APPOINTMENT_DONE = "appointment_done"
APPOINTMENT_SKIP = "appointment_skip"
APPOINTMENT_SNOOZE = "appointment_snooze"
SEQUENCE_NEW = "sequence_new"
SEQUENCE_EDIT = "sequence_edit"
VIEW_SEQUENCE = "sequence_save"
VIEW_START_SEQUENCE = "sequence_start"
VIEW_SETTINGS = "salesbot_settings"
VIEW_LOG_OUTCOME = "appointment_outcome"

# Ad-hoc tasks and assignment (handlers/tasks.py, handlers/teams.py): TASK_ADD's value is a record
# reference, TASK_OPEN's a task id, LEAD_ASSIGN's a record reference.
TASK_ADD = "record_add_task"
TASK_OPEN = "task_open"
LEAD_ASSIGN = "lead_assign"
LEAD_DELETE = "lead_delete"
# Routing (handlers/routing.py): an admin's overflow on lead cards (`Reassign by rules`, value a record
# reference) and `Claim` on leads-channel posts (value a record reference).
LEAD_MORE = "lead_more"
LEAD_CLAIM = "lead_claim"
VIEW_TASK_ADD = "task_add_modal"
VIEW_TASK_EDIT = "task_edit_modal"
VIEW_ASSIGN = "lead_assign_modal"
# Stakeholder and competitor rows on cards: an overflow (`Edit` / `Remove`) per row, action_id
# PERSON_ROW + "_" + row number; option values `stakeholder:edit:12`, `competitor:remove:3`.
PERSON_ROW = "person_row"
VIEW_EDIT_STAKEHOLDER = "stakeholder_edit_modal"
VIEW_EDIT_COMPETITOR = "competitor_edit_modal"

LEAD_BUTTONS: tuple[tuple[str, str], ...] = (
    ("Log call", RECORD_LOG_CALL),
    ("Add note", RECORD_ADD_NOTE),
    ("Schedule appointment", RECORD_SCHEDULE_APPOINTMENT),
    ("Add task", TASK_ADD),
    ("Ask colleagues", RECORD_ASK_COLLEAGUES),
    ("Add stakeholder", RECORD_ADD_STAKEHOLDER),
    ("Add competitor", RECORD_ADD_COMPETITOR),
    ("Start sequence", RECORD_START_SEQUENCE),
    ("Share", RECORD_SHARE),
    ("Assign", LEAD_ASSIGN),
    ("Qualify", LEAD_QUALIFY),
    ("Disqualify", LEAD_DISQUALIFY),
    ("Timeline", RECORD_TIMELINE),
    ("Edit", LEAD_EDIT),
    ("Reactivate", LEAD_REACTIVATE),
    ("Delete", LEAD_DELETE),
)
BUTTON_LABELS: dict[str, str] = {action_id: label for label, action_id in LEAD_BUTTONS}
BUTTON_LABELS.update({ACTION_OPEN_EXISTING: "Open existing", ACTION_CREATE_ANYWAY: "Create anyway"})

# Opportunity cards (handlers/opportunities.py); shared record buttons use the RECORD_* ids above.
VIEW_NEW_OPP = "opp_new_view"
VIEW_OPP_EDIT_STAGE = "opp_edit_stage_view"
VIEW_OPP_ADD_PRODUCT = "opp_add_product_view"
VIEW_OPP_CLOSE_WON = "opp_close_won_view"
VIEW_OPP_CLOSE_LOST = "opp_close_lost_view"
VIEW_OPP_EDIT = "opp_edit_view"
VIEW_OPP_LITERATURE = "opp_literature_view"
VIEW_OPP_ATTACH = "opp_attach_view"
OPP_NEXT_STAGE = "opp_next_stage"
OPP_PREVIOUS_STAGE = "opp_previous_stage"
OPP_FINISH = "opp_finish"
OPP_EDIT_STAGE = "opp_edit_stage"
OPP_ADD_PRODUCT = "opp_add_product"
OPP_SEND_LITERATURE = "opp_send_literature"
OPP_ATTACH = "opp_attach_file"
OPP_CLOSE_WON = "opp_close_won"
OPP_CLOSE_LOST = "opp_close_lost"
OPP_REOPEN = "opp_reopen"
OPP_EDIT = "opp_edit"
OPP_OPEN = "opp_open"
OPP_NEW = "opp_new_button"
OPP_VIEW_STAGE = "opp_view_stage"
OPP_TICK_PREFIX = "opp_tick_"  # + element number: the card's checklist checkboxes
OPP_PRODUCT_SEARCH = "opp_product_search"  # external_select options listener (price lists > 100)

# /pipeline (handlers/pipeline.py): `List` a funnel stage and page through it; values: StageListRef
PIPELINE_STAGE = "pipeline_stage"
PIPELINE_PAGE = "pipeline_page"

# Channel alerts (handlers/alerts.py): `/salesbot alerts`; values: subscription ids
VIEW_ALERTS = "alerts_list"
VIEW_ADD_ALERT = "alerts_add"
ALERT_ADD = "alert_add"
ALERT_PAUSE = "alert_pause"
ALERT_RESUME = "alert_resume"
ALERT_REMOVE = "alert_remove"
OPP_DEAL_ROOM = "opp_deal_room"

# Quotes and orders (handlers/quotes.py, quote_actions.py, quote_flow.py): QUOTE_CREATE's value is the
# opportunity reference; the others carry a QuoteRef (`quote:12:3`) or an order reference (`order:4`).
QUOTE_CREATE = "quote_create"
QUOTE_ADD_PRODUCT = "quote_add_product"
QUOTE_EDIT_LINES = "quote_edit_lines"
QUOTE_EDIT = "quote_edit"
QUOTE_SUBMIT = "quote_submit"
QUOTE_ACTIVATE = "quote_activate"
QUOTE_MARK_SENT = "quote_mark_sent"
QUOTE_REVISE = "quote_revise"
QUOTE_ACCEPT = "quote_accept"
QUOTE_DECLINE = "quote_decline"
QUOTE_PDF = "quote_pdf"
QUOTE_APPROVE = "quote_approve"
QUOTE_REJECT = "quote_reject"
QUOTE_CLOSE_WON = "quote_close_won"
QUOTE_OPEN = "quote_open"
ORDER_OPEN = "order_open"
ORDER_FULFILLED = "order_fulfilled"
ORDER_CANCEL = "order_cancel"
VIEW_QUOTE_CREATE = "quote_create_view"
VIEW_QUOTE_EDIT = "quote_edit_view"
VIEW_QUOTE_ADD_PRODUCT = "quote_add_product_view"
VIEW_QUOTE_LINES = "quote_lines_view"
VIEW_QUOTE_DECLINE = "quote_decline_view"
VIEW_QUOTE_REJECT = "quote_reject_view"
QUOTE_BUTTONS: dict[str, str] = {
    "Add product": QUOTE_ADD_PRODUCT,
    "Edit lines": QUOTE_EDIT_LINES,
    "Edit quote": QUOTE_EDIT,
    "Submit for approval": QUOTE_SUBMIT,
    "Activate": QUOTE_ACTIVATE,
    "Mark as sent": QUOTE_MARK_SENT,
    "Revise": QUOTE_REVISE,
    "Customer accepted": QUOTE_ACCEPT,
    "Customer declined": QUOTE_DECLINE,
    "Download PDF": QUOTE_PDF,
}

OPP_BUTTONS: tuple[tuple[str, str], ...] = (
    ("Next stage", OPP_NEXT_STAGE),
    ("Finish", OPP_FINISH),
    ("Previous stage", OPP_PREVIOUS_STAGE),
    ("Edit stage", OPP_EDIT_STAGE),
    ("Add product", OPP_ADD_PRODUCT),
    ("Create quote", QUOTE_CREATE),
    ("Log call", RECORD_LOG_CALL),
    ("Add note", RECORD_ADD_NOTE),
    ("Schedule appointment", RECORD_SCHEDULE_APPOINTMENT),
    ("Add task", TASK_ADD),
    ("Ask colleagues", RECORD_ASK_COLLEAGUES),
    ("Add stakeholder", RECORD_ADD_STAKEHOLDER),
    ("Add competitor", RECORD_ADD_COMPETITOR),
    ("Start sequence", RECORD_START_SEQUENCE),
    ("Send literature", OPP_SEND_LITERATURE),
    ("Attach file", OPP_ATTACH),
    ("Share", RECORD_SHARE),
    ("Assign", LEAD_ASSIGN),
    ("Open deal room", OPP_DEAL_ROOM),
    ("Close as won", OPP_CLOSE_WON),
    ("Close as lost", OPP_CLOSE_LOST),
    ("Timeline", RECORD_TIMELINE),
    ("Edit", OPP_EDIT),
    ("Reopen", OPP_REOPEN),
)
BUTTON_LABELS.update({action_id: label for label, action_id in OPP_BUTTONS if action_id.startswith("opp_")})


@dataclass(frozen=True)
class RecordRef:
    record_type: str  # a RecordType
    record_id: int

    def encode(self) -> str:
        return ref_value(self.record_type, self.record_id)


def ref_value(record_type: str, record_id: int) -> str:
    """A RecordRef's encoding, without building one (lists encode 20 per answer)."""
    return f"{record_type}:{record_id}"


MAX_ID = 2**63 - 1  # the largest id the databases store; Slack carries back whatever it was given


def parse_id(raw: str) -> int | None:
    """A database id from text Slack carried: ASCII digits within bounds, else None."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 20 and int(raw) <= MAX_ID else None


def decode_ref(value: str | None) -> RecordRef:
    """`lead:12` -> RecordRef("lead", 12); anything else raises ValueError."""
    record_type, _, raw_id = (value or "").partition(":")
    if record_type not in RecordType.__members__.values() or parse_id(raw_id) is None:
        raise ValueError(f"not a record reference: {value!r}")
    return RecordRef(record_type, int(raw_id))


@dataclass(frozen=True)
class QuoteRef:
    """A quote and the edit version the button was drawn for (`quote:12:3`)."""

    quote_id: int
    version: int = 0

    def encode(self) -> str:
        return f"quote:{self.quote_id}:{self.version}"


def decode_quote(value: str | None) -> QuoteRef:
    """`quote:12:3` -> QuoteRef(12, 3); anything else raises ValueError."""
    kind, _, rest = (value or "").partition(":")
    raw_id, _, raw_version = rest.partition(":")
    quote_id, version = parse_id(raw_id), parse_id(raw_version)
    if kind != "quote" or quote_id is None or version is None:
        raise ValueError(f"not a quote reference: {value!r}")
    return QuoteRef(quote_id, version)


def encode_order(order_id: int) -> str:
    return f"order:{order_id}"


def decode_order(value: str | None) -> int:
    """`order:4` -> 4; anything else raises ValueError."""
    kind, _, raw_id = (value or "").partition(":")
    order_id = parse_id(raw_id)
    if kind != "order" or order_id is None:
        raise ValueError(f"not an order reference: {value!r}")
    return order_id


# Modals of the shared card buttons (bot/views/activity_modals.py)
VIEW_LOG_CALL = "record_log_call_modal"
VIEW_ADD_NOTE = "record_add_note_modal"
VIEW_APPOINTMENT = "record_appointment_modal"
VIEW_ASK = "record_ask_modal"
VIEW_STAKEHOLDER = "record_stakeholder_modal"
VIEW_COMPETITOR = "record_competitor_modal"
VIEW_SHARE = "record_share_modal"
VIEW_DISQUALIFY = "lead_disqualify_modal"
ACTION_TIMELINE_PAGE = "timeline_page"  # value: `<record ref>|<page>`

# Admin, import and catalog
VIEW_ADMIN = "admin_roles_modal"
VIEW_IMPORT = "lead_import_modal"
CATALOG_ADD_LITERATURE = "catalog_add_literature"
VIEW_ADD_LITERATURE = "catalog_literature_view"

# Modals that only inform (no listener): Slack requires a callback_id, these name them
VIEW_NOTICE = "notice"
VIEW_LEAD_DUPLICATE = "lead_duplicate"
VIEW_RECORD_CARD = "record_card"
VIEW_LEAD_CARD = "lead_card"
VIEW_TIMELINE = "timeline"
VIEW_OUTCOME_SAVED = "outcome_saved"
VIEW_SETTINGS_SAVED = "settings_saved"
VIEW_SEQUENCE_SAVED = "sequence_saved"
VIEW_SEQUENCE_STARTED = "sequence_started"
# display-only modals (nothing to submit): named here so every callback id is in one place
VIEW_ADMIN_PROCESSES = "admin_processes_view"
VIEW_ADMIN_PROCESS = "admin_process_detail"
VIEW_ADMIN_AUDIT_LOG = "admin_audit_log_view"
VIEW_ADMIN_REASONS = "admin_reasons_view"
VIEW_ADMIN_PRICE_LISTS = "admin_price_lists_view"
VIEW_QUOTE_CARD = "quote_card"
VIEW_ORDER_CARD = "order_card"
VIEW_TASK_ADDED = "task_added"
VIEW_TASK_SAVED = "task_saved"

# Block ids that carry state: an opportunity card's checklist group `opp_steps:<opp>:<stage index>:<group>`
BLOCK_OPP_STEPS = "opp_steps"


def steps_block_id(opp_id: int, stage_index: int, number: int) -> str:
    return f"{BLOCK_OPP_STEPS}:{opp_id}:{stage_index}:{number}"


def parse_steps_block_id(block_id: str) -> tuple[int, int, int] | None:
    """(opportunity id, stage index, checkbox group) of a checklist block, or None for anything else."""
    parts = (block_id or "").split(":")
    numbers = [parse_id(p) for p in parts[1:]]
    if len(parts) != 4 or parts[0] != BLOCK_OPP_STEPS or any(n is None for n in numbers):
        return None
    return numbers[0] or 0, numbers[1] or 0, numbers[2] or 0


@dataclass(frozen=True)
class Metadata:
    """The one `private_metadata` shape: a JSON object whose keys are all optional.

    ref — the record the modal is about (RecordRef.encode()); channel, ts or response_url — the card
    the modal was opened from, refreshed after the submission; id — a sequence or appointment id;
    message — the Slack message a lead or timeline entry is made from; extra — a modal's own values
    (the stage it edits, the price list, the day it was opened).
    """

    ref: str = ""
    channel: str = ""
    ts: str = ""
    response_url: str = ""
    id: str = ""
    message: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    def encode(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v}, separators=(",", ":"))

    @staticmethod
    def decode(text: str | None) -> Metadata:
        """Whatever Slack carried back; anything that is not our shape reads as empty (untrusted input)."""
        try:
            data = json.loads(text or "{}")
        except ValueError:
            return Metadata()
        if not isinstance(data, dict):
            return Metadata()
        flat = {k: str(data[k]) for k in ("ref", "channel", "ts", "response_url", "id") if k in data}
        return Metadata(**flat, message=_strings(data.get("message")), extra=_strings(data.get("extra")))

    def card(self) -> dict[str, str]:
        """Where the card lives, as refresh_card takes it."""
        return {k: v for k, v in (("channel", self.channel), ("ts", self.ts), ("response_url", self.response_url)) if v}


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


# ids of actions blocks (Slack carries them back in block_actions; nothing reads them yet)
BLOCK_ADMIN_TOOLS = "admin_tools"
BLOCK_ADMIN_MANAGE = "admin_manage"
BLOCK_ADMIN_PRICE_TOOLS = "admin_price_tools"
BLOCK_ADMIN_PROCESS_TOOLS = "admin_process_tools"
BLOCK_ADMIN_REASON_TOOLS = "admin_reason_tools"
BLOCK_FAILED_NOTICE = "failed_notice"
BLOCK_SEQUENCE_ACTIONS = "sequence_actions"
BLOCK_CONTACT_BUTTONS = "contact_buttons"
BLOCK_HOME_ACTIONS = "home_actions"
BLOCK_DUPLICATE = "duplicate"
BLOCK_PIPELINE_PAGES = "pipeline_pages"
BLOCK_TASK_RECORD = "task_record"
BLOCK_TIMELINE_NAV = "timeline_nav"
