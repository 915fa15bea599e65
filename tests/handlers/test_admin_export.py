"""`/salesbot admin` → `Export data`: the workspace's data, a zip of CSVs, in the admin's DM (files_upload_v2)."""

from __future__ import annotations

import csv
import io
import zipfile

from tests.conftest import RunningBot
from tests.handlers.test_lead_flow import create_lead
from tests.slack.driver import blocks_text


def _admin_modal(bot: RunningBot, user: str, team: str) -> dict:
    bot.user(user, team).command("/salesbot", "admin")
    return {**bot.slack.last_view("views.open"), "id": "VADMIN"}


def test_an_admin_exports_the_workspaces_data_to_their_dm(oauth_bot: RunningBot) -> None:
    bot = oauth_bot
    create_lead(bot, "U1", "T1", Company="Caffè <Aurora>", Email="=cmd@evil.example")
    create_lead(bot, "U9", "T2", Company="Other Beans")
    modal = _admin_modal(bot, "UINSTALLER", "T1")  # the installer is the workspace's first admin
    bot.user("UINSTALLER", "T1").click("Export data", modal)
    upload = bot.slack.wait_for("files.completeUploadExternal")[-1]
    assert upload.args["channel_id"] == "DUINSTALLER" and upload.token in bot.slack.bot_tokens("T1")
    assert "a CSV per table" in upload.args["initial_comment"]
    file_id = bot.slack.wait_for("file.upload")[-1].args["file_id"]
    assert bot.slack.file_names[file_id].startswith("salesbot-T1-") and bot.slack.file_names[file_id].endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(bot.slack.uploads[file_id])) as archive:
        leads = list(csv.DictReader(io.StringIO(archive.read("leads.csv").decode())))
        users = list(csv.DictReader(io.StringIO(archive.read("users_and_roles.csv").decode())))
        names = set(archive.namelist())
    assert {"leads.csv", "opportunities.csv", "activities.csv", "tasks.csv", "appointments.csv"} <= names
    assert [(lead["team_id"], lead["company"]) for lead in leads] == [("T1", "Caffè <Aurora>")]  # only T1's
    assert leads[0]["email"] == "'=cmd@evil.example"  # a spreadsheet shows it, never runs it
    assert {(u["user_id"], u["role"]) for u in users} >= {("UINSTALLER", "admin")}


def test_only_admins_export(oauth_bot: RunningBot) -> None:
    modal = _admin_modal(oauth_bot, "UINSTALLER", "T1")
    oauth_bot.user("U1", "T1").click("Export data", modal)  # a replayed click from a rep
    assert not oauth_bot.slack.calls_to("files.getUploadURLExternal")
    refusal = oauth_bot.slack.last_view("views.push")  # clicked in a modal: the answer is a modal on top
    assert "Only salesbot admins can export" in blocks_text(refusal["blocks"])
