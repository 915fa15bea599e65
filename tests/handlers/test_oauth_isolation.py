"""The workspace isolation tests of single-token mode, run again in OAuth mode: T1 and T2 installed
through /slack/install, every request authorized with its own workspace's token."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import RunningBot
from tests.handlers.test_lead_flow import test_a_lead_in_one_workspace_is_invisible_to_another as leads_apart
from tests.handlers.test_opportunities import test_opp_lists_my_open_opportunities_by_stage_and_searches as opps
from tests.handlers.test_pipeline import test_other_workspaces_never_show as pipelines_apart
from tests.handlers.test_quote_drafts import test_numbers_are_per_workspace as quote_numbers_apart
from tests.scheduler.test_dispatcher import (
    test_a_batch_renders_from_one_read_per_table_and_keeps_workspaces_apart as deliveries_apart,
)

ISOLATION_TESTS = [leads_apart, opps, pipelines_apart, quote_numbers_apart, deliveries_apart]


@pytest.mark.parametrize("check", ISOLATION_TESTS, ids=lambda check: check.__name__)
def test_isolation_holds_in_oauth_mode(oauth_bot: RunningBot, check: Callable[[RunningBot], None]) -> None:
    check(oauth_bot)
    tokens = {call.token for call in oauth_bot.slack.calls if call.token and call.method != "auth.test"}
    assert "xoxb-test-token" not in tokens  # nothing went out with a single-token mode token
