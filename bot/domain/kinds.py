"""The names the data uses for kinds of record and their statuses (defined in store/kinds.py, the
lowest floor, so queries name them too), and the rules read from them."""

from __future__ import annotations

from store.kinds import AppointmentStatus, LeadStatus, OpportunityStatus, RecordType, TaskStatus

__all__ = ["AppointmentStatus", "LeadStatus", "OpportunityStatus", "RecordType", "TaskStatus", "is_open"]


def is_open(status: str) -> bool:
    """Whether a lead or an opportunity (either: both call it "open") is still being worked."""
    return status in (LeadStatus.OPEN, OpportunityStatus.OPEN)
