"""User-facing copy."""

COMING_SOON = ":construction: *{label}* is coming soon to salesbot. Nothing was changed."
NOT_ALLOWED = "Only the owner, their manager or an admin can {action}."
RECORD_NOT_FOUND = "That record no longer exists or you cannot see it."
COMMAND_COMING_SOON = ":construction: `{command}` is coming soon. Try `/lead` or `/salesbot help` meanwhile."
NO_LEADS = "You have no open leads. Type `/lead` to create one."
NO_MATCH = "No lead matches “{query}”. Type `/lead` to create one."
LEAD_NOT_FOUND = "That lead no longer exists or you cannot see it."
LEAD_CREATED = ":white_check_mark: Lead *{topic}* created."
GENERIC_ERROR = ":warning: Something went wrong on our side; nothing was changed. Please try again."

HELP = """*salesbot* — your sales desk in Slack
• `/lead` — create a lead (opens the *New lead* form)
• `/lead list` — your open leads
• `/lead TEXT` — find a lead by name, company or email
• `/lead import` — import leads from a CSV file
• `/opp` — your open opportunities by stage · `/opp new` · `/opp TEXT`
• `/pipeline [mine|team|all] [this-quarter|next-quarter|this-year]` — funnel, forecast and chart
• `/sequence` — sales sequences · `/sequence new`
• `/task` — add a task (for you or a colleague) · `/task list` — your open tasks
• `/salesbot help` — this help · `/salesbot settings` — your reminder preferences
• `/salesbot admin` — roles, teams, processes and price lists (admins)
Shortcuts: *New lead* (global), *Create lead from message* and *Log message to…* (on any message)."""

# Assistant: reminders, sequences, work queue, settings
SEQUENCES_NONE = "No sequences yet. A manager can create one with `/sequence new`."
SEQUENCE_MANAGERS_ONLY = "Only managers and admins can define sequences."
SEQUENCE_NAME_TAKEN = "A sequence with this name already exists."
SEQUENCE_SAVED = ":white_check_mark: Sequence *{name}* saved ({steps} steps). Edits apply to new enrollments only."
SEQUENCE_ALREADY = (
    "This record already follows the sequence *{name}*; it ends when the record is qualified, disqualified or closed."
)
SEQUENCE_STARTED = ":arrow_forward: *{record}* now follows *{sequence}*. First step: {step}, due {due}."
SEQUENCE_CLOSED_RECORD = "Sequences run on open leads and opportunities only."
TASK_GONE = "That task is already done or no longer exists."
APPOINTMENT_GONE = "That appointment was cancelled or no longer exists."
REMINDER_SNOOZED = ":zzz: I'll remind you again at {time}."
OUTCOME_SAVED = ":white_check_mark: Outcome saved on *{subject}*."
SETTINGS_SAVED = ":white_check_mark: Your settings are saved."
FORM_EXPIRED = "The form could not open in time — please try again."
CARD_NOT_POSTED = "*{title}* is saved, but its card could not be posted here. Find it with `{command}`."
