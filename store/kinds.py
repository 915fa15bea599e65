"""The names the data uses for kinds of record and their statuses. StrEnums: they compare equal to
the strings stored in the database and carried in Slack values, so old rows and ids keep working.
They live in store/ (the lowest floor) so queries use them too; bot.domain.kinds re-exports them."""

from __future__ import annotations

from enum import StrEnum


class RecordType(StrEnum):
    LEAD = "lead"
    OPPORTUNITY = "opportunity"


class LeadStatus(StrEnum):
    DRAFT = "draft"  # a possible duplicate, waiting for "Create anyway"
    OPEN = "open"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"


class OpportunityStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    DONE = "done"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
