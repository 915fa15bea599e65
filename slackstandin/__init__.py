"""A Slack stand-in: the Web API, Block Kit validation and signed requests, as Slack does them.

Used by the test suite (tests/slack/) and by `salesbot playground` (the page in the browser), so
what the tests prove is what the playground shows. It imports nothing of salesbot: it is Slack.
"""
