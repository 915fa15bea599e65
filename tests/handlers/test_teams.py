"""Teams through Slack: named in `/salesbot admin`, `Share` with `Teams` giving every member access
while they are in the team, and `Remove` (admins only)."""

from __future__ import annotations

from sqlmodel import select

from store.db import transaction
from store.models import Activity, SalesTeam, SalesTeamMember, TeamShare
from store.users import get_user
from tests.conftest import RunningBot
from tests.slack.driver import Actor, blocks_text, button_labels
from tests.slack.fake_slack import Message


def _admin(bot: RunningBot) -> Actor:
    bot.deps.admin_ids = frozenset({"UADMIN"})
    return bot.user("UADMIN")


def _save_team(bot: RunningBot, admin: Actor, values: dict) -> dict:  # type: ignore[type-arg]
    admin.command("/salesbot", "admin")
    return admin.submit(bot.slack.last_view("views.open"), values).json or {}


def _lead_card(bot: RunningBot, owner: Actor) -> Message:
    owner.command("/lead")
    owner.submit(bot.slack.last_view("views.open"), {"Topic": "Espresso bar fit-out", "Company": "Bar Centrale"})
    return bot.slack.last_message()


def _may_add_note(bot: RunningBot, user: Actor, card: Message) -> bool:
    before = len(bot.slack.calls_to("views.open"))
    user.click("Add note", card)
    return len(bot.slack.calls_to("views.open")) > before


def test_sharing_with_a_team_gives_its_members_access_while_they_are_in_it(bot: RunningBot) -> None:
    admin = _admin(bot)
    assert _save_team(bot, admin, {"Team": "Support", "Manager": "UBOSS", "Members": ["U3", "U4"]}) == {}
    assert _save_team(bot, admin, {"Team": "EMEA", "Members": ["U5"]}) == {}
    with transaction(bot.deps.new_session) as session:
        assert [t.name for t in session.exec(select(SalesTeam).order_by(SalesTeam.name))] == ["EMEA", "Support"]
        assert get_user(session, team_id="T1", user_id="U3").manager_id == "UBOSS"  # type: ignore[union-attr]

    owner, member = bot.user("U1"), bot.user("U3")
    card = _lead_card(bot, owner)
    assert not _may_add_note(bot, member, card)
    assert "Only the owner" in bot.slack.last_message().text
    assert "No lead matches" in member.command("/lead", "centrale").text

    owner.click("Share", card)
    share = bot.slack.last_view("views.open")
    assert [b["label"]["text"] for b in share["blocks"] if b["type"] == "input"] == ["Users", "Teams"]
    assert owner.submit(share, {}).json["response_action"] == "errors"  # neither users nor teams: nothing shared
    assert owner.submit(share, {"Teams": ["Support"]}).body == ""
    with transaction(bot.deps.new_session) as session:
        assert len(session.exec(select(TeamShare)).all()) == 1
        entry = session.exec(select(Activity).where(Activity.kind == "share")).one()
        assert entry.body == "team Support"
    assert _may_add_note(bot, member, card)
    assert "Espresso bar fit-out" in member.command("/lead", "centrale").text

    # out of the team, out of the record
    assert _save_team(bot, admin, {"Team": "support", "Manager": "UBOSS", "Members": ["U4"]}) == {}
    assert not _may_add_note(bot, member, card)
    assert "No lead matches" in member.command("/lead", "centrale").text
    assert _may_add_note(bot, bot.user("U4"), card)


def test_only_admins_remove_a_team(bot: RunningBot) -> None:
    admin = _admin(bot)
    _save_team(bot, admin, {"Team": "Support <night>", "Members": ["U3"]})
    admin.command("/salesbot", "admin")
    modal = {**bot.slack.last_view("views.open"), "id": "VADMIN"}
    assert "Support &lt;night&gt;" in blocks_text(modal["blocks"])
    assert {"Audit log", "Export data", "Remove"} <= set(button_labels(modal["blocks"]))
    bot.user("U3").click("Remove", modal)  # a replayed click from a non-admin
    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(SalesTeam)).first() is not None
    admin.click("Remove", modal)
    with transaction(bot.deps.new_session) as session:
        assert session.exec(select(SalesTeam)).first() is None
        assert session.exec(select(SalesTeamMember)).first() is None
    redrawn = bot.slack.last_view("views.update")
    assert "No teams yet" in blocks_text(redrawn["blocks"])


def test_the_audit_log_lists_each_admin_change(bot: RunningBot) -> None:
    admin = _admin(bot)
    _save_team(bot, admin, {"Users": ["UBOSS"], "Role": "Manager", "Team": "EMEA", "Manager": "UBOSS",
                            "Members": ["U1"]})  # fmt: skip
    admin.command("/salesbot", "admin")
    modal = {**bot.slack.last_view("views.open"), "id": "VADMIN"}
    admin.click("Remove", modal)
    bot.user("U1").click("Audit log", modal)
    assert bot.slack.last_view()["title"]["text"] != "Audit log"  # refused: a notice, not the log
    admin.click("Audit log", modal)
    log = blocks_text(bot.slack.last_view("views.push")["blocks"])
    assert log.index("*Team removed*: EMEA") < log.index("*Team saved*: EMEA (manager, then members) · <@UBOSS>, <@U1>")
    assert "*Role changed*: now manager · <@UBOSS>" in log and log.count("<@UADMIN>") == 3
