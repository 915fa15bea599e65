"""Use cases: what a click or a command does, in one transaction, with no Slack and no Block Kit."""
