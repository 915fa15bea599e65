"""`/salesbot admin` → `Processes`: view each, `Upload process file` (a TOML sent as a Slack file,
validated like PROCESS_FILE at start-up) seen by the other worker on its next request; existing
opportunities keep their process and step values; non-admins change nothing."""

from __future__ import annotations

from sqlmodel import select

from bot.domain.process import DEFAULT_PROCESS
from store.db import transaction
from store.models import Opportunity, ProcessLibraryVersion, StepValue
from tests.conftest import RunningBot
from tests.handlers.admin_helpers import as_admin, audit_actions, click_in_view, open_part, second_worker, view_text
from tests.handlers.opp_helpers import new_opportunity
from tests.slack.driver import blocks_text

ENTERPRISE = """
[[process]]
name = "Enterprise deal"
default = true
[[process.stage]]
name = "Discovery"
completed = 30
chance = 25
steps = [{ name = "Pain confirmed", required = true }, { name = "Budget owner", type = "text" }]
[[process.stage]]
name = "Close"
completed = 100
chance = 90
"""
WITHOUT_DISCOVERY = """
[[process]]
name = "Enterprise deal"
[[process.stage]]
name = "Close"
completed = 100
chance = 90
"""


def _upload(bot: RunningBot, user, modal, content: str, file_id: str, name: str = "enterprise.toml"):  # type: ignore[no-untyped-def]
    bot.slack.files[file_id] = content.encode()
    return user.submit(modal, {"Process file": [bot.slack.file_object(file_id, name)]})


def _versions(bot: RunningBot) -> list[int]:
    with transaction(bot.deps.new_session) as session:
        return [row.version for row in session.exec(select(ProcessLibraryVersion)).all()]


def test_an_uploaded_process_file_is_used_by_the_other_worker(bot: RunningBot, database_url: str) -> None:
    admin, rep = as_admin(bot), bot.user("U1")
    new_opportunity(bot, rep, Topic="Old deal")
    with transaction(bot.deps.new_session) as session:
        old = session.exec(select(Opportunity)).one()
        session.add(StepValue(team_id="T1", opportunity_id=old.id or 0, stage="Qualify", step="Purchase timeframe",
                              value="This quarter", done=True))  # fmt: skip
    with second_worker(bot, database_url) as other:
        new_opportunity(other, other.user("U1"), Topic="Before the upload")  # the other worker caches its processes
        processes = open_part(bot, admin, "Processes")
        assert DEFAULT_PROCESS.name in view_text(processes) and "Qualify 25/20" in view_text(processes)
        detail = click_in_view(bot, admin, "View", processes, value=DEFAULT_PROCESS.name)
        assert "Identify decision maker" in view_text(detail) and "completed 25 %" in view_text(detail)

        upload = click_in_view(bot, admin, "Upload process file", processes)
        assert upload["title"]["text"] == "Upload process file"
        broken = _upload(bot, admin, upload, '[[process]]\nname = "Broken"\n', "F1", "broken.toml")
        assert (
            broken.json["errors"]["file"]
            == "broken.toml: process[0].stage: define at least one [[process.stage]] table"
        )
        syntax = _upload(bot, admin, upload, "[[process]\nname =", "F2", "syntax.toml")
        assert (
            syntax.json["errors"]["file"].startswith("syntax.toml: TOML syntax error:")
            and "line 1" in syntax.json["errors"]["file"]
        )
        approval = _upload(bot, admin, upload, ENTERPRISE + '[[approval]]\napprover = "admin"\n', "F5", "rules.toml")
        assert approval.json["errors"]["file"] == "rules.toml: approval[0]: set max_discount_percent or min_total"
        assert _versions(bot) == []

        assert _upload(bot, admin, upload, ENTERPRISE, "F3").body == ""
        redrawn = bot.slack.last_view("views.update")
        assert redrawn["id"] == processes["id"] and "Enterprise deal" in view_text(redrawn)

        card = new_opportunity(other, other.user("U1"), Topic="After the upload")
        assert "Enterprise deal" in blocks_text(card.blocks) and "Discovery" in blocks_text(card.blocks)
        refused = _upload(bot, admin, upload, WITHOUT_DISCOVERY, "F4", "smaller.toml")
        assert (
            "The stage “Discovery” of “Enterprise deal” is missing, and 1 opportunity" in refused.json["errors"]["file"]
        )
        assert _versions(bot) == [1]

    with transaction(bot.deps.new_session) as session:
        kept = session.get(Opportunity, old.id)
        value = session.exec(
            select(StepValue).where(StepValue.opportunity_id == old.id, StepValue.step == "Purchase timeframe")
        ).one()
    assert kept is not None and (kept.process_name, kept.stage) == (DEFAULT_PROCESS.name, "Qualify")
    assert value.value == "This quarter"
    assert ("UADMIN", "Process file uploaded", "enterprise.toml: Enterprise deal") in audit_actions(bot)


def test_a_non_admin_replaying_process_buttons_changes_nothing(bot: RunningBot) -> None:
    admin = as_admin(bot)
    processes = open_part(bot, admin, "Processes")
    upload = click_in_view(bot, admin, "Upload process file", processes)
    rep = bot.user("U2")
    assert click_in_view(bot, rep, "Upload process file", processes)["title"]["text"] == "salesbot"
    assert "Only salesbot admins" in view_text(bot.slack.last_view("views.push"))
    bot.slack.files["F9"] = ENTERPRISE.encode()
    response = rep.submit(upload, {"Process file": [bot.slack.file_object("F9", "enterprise.toml")]})
    assert "Only salesbot admins" in response.json["errors"]["file"]
    assert _versions(bot) == [] and audit_actions(bot) == []
    assert not [c for c in bot.slack.calls_to("file.download")]
