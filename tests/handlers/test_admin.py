"""`/salesbot admin`: roles and teams, admins only; the team drives the manager's permissions."""

from __future__ import annotations

from store.db import transaction
from store.users import get_user
from tests.conftest import RunningBot
from tests.slack.fake_slack import UserProfile


def test_non_admins_are_refused(bot: RunningBot) -> None:
    response = bot.user("U1").command("/salesbot", "admin")
    assert "Only salesbot admins" in response.text
    assert not bot.slack.calls_to("views.open")


def test_admin_sets_roles_and_teams(bot: RunningBot) -> None:
    bot.deps.admin_ids = frozenset({"UADMIN"})
    admin = bot.user("UADMIN")
    admin.command("/salesbot", "admin")
    modal = bot.slack.last_view("views.open")
    assert modal["title"]["text"] == "salesbot admin"
    response = admin.submit(modal, {"Users": ["UMGR"]})
    assert "role" in response.json["errors"]
    response = admin.submit(modal, {"Team": "Milan", "Manager": "UMGR", "Members": ["UMGR", "U1"]})
    assert "members" in response.json["errors"]
    response = admin.submit(modal, {"Manager": "UMGR", "Members": ["U1"]})
    assert "team" in response.json["errors"]
    response = admin.submit(modal, {"Team": "Milan", "Manager": "UMGR"})
    assert "at least one member" in response.json["errors"]["members"]
    changes = {"Users": ["UBOSS"], "Role": "Admin", "Team": "Milan", "Manager": "UMGR", "Members": ["U1", "U2"]}
    assert admin.submit(modal, changes).body == ""
    with transaction(bot.deps.new_session) as session:
        manager, rep, boss = (get_user(session, team_id="T1", user_id=u) for u in ("UMGR", "U1", "UBOSS"))
    assert manager.role == "manager" and rep.manager_id == "UMGR" and boss.role == "admin"

    # the manager may now work their rep's lead; a rep released from the team is no longer theirs
    rep_user = bot.user("U1")
    rep_user.command("/lead")
    rep_user.submit(bot.slack.last_view("views.open"), {"Topic": "Team deal", "Company": "Contoso"})
    card = bot.slack.last_message()
    bot.user("UMGR").click("Add note", card)
    assert bot.slack.last_view("views.open")["callback_id"] == "record_add_note_modal"
    admin.command("/salesbot", "admin")
    admin.submit(bot.slack.last_view("views.open"), {"Team": "milan", "Manager": "UMGR", "Members": ["U2"]})
    bot.user("UMGR").click("Add note", card)
    assert "Only the owner, their manager or an admin" in bot.slack.last_message().text


def test_workspace_admins_from_slack_are_salesbot_admins(bot: RunningBot) -> None:
    bot.slack.users["UOWNER"] = UserProfile(is_owner=True)
    bot.user("UOWNER").command("/salesbot", "admin")
    assert bot.slack.last_view("views.open")["callback_id"] == "admin_roles_modal"
