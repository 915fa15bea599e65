"""Block Kit validation lives in the product (slackstandin/validate.py); the tests and the playground share it."""

from slackstandin.validate import validate_message_blocks, validate_payload, validate_view

__all__ = ["validate_message_blocks", "validate_payload", "validate_view"]
