"""The one way a use case says no: no permission, the record is gone, the state moved on.

Services and handlers raise `Refused(message)`; the after-ack machinery (handlers/listeners.py)
turns it into an ephemeral answer (a DM when there is no channel), and a modal submission turns
it into a field error. Nothing was changed when it is raised: raise it before writing.
"""

from __future__ import annotations


class Refused(Exception):
    """A failure the person caused, with the sentence that tells them what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FieldRefused(Refused):
    """A refusal about one field of a modal (`field` is the input's block_id)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
