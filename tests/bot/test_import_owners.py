"""Lead import with an `Owner` column (email or Slack user id; an unknown owner rejects the row) and,
from the shell, `--route` (rows without an Owner follow the routing rules)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from store.db import make_engine, upgrade
from store.models import Activity, Lead, LeadClaim, Outbox, SalesTeam, SalesTeamMember, SlackUser
from tests.bot.test_cli import salesbot
from tests.conftest import RunningBot
from tests.handlers.test_lead_import import _import_via_modal
from tests.slack.fake_slack import UserProfile


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_owner_column_names_each_rows_owner_and_unknown_owners_are_rejected(bot: RunningBot) -> None:
    bot.slack.users["UANN"] = UserProfile(email="ann@example.com")
    content = (
        b"Topic,Company,Owner\n"
        b"Grinders,Acme,U2\n"
        b"Cups,Beta,Ann@Example.com\n"
        b"Beans,Gamma,nobody@example.com\n"
        b"Kettles,Delta,\n"
        b"Filters,Epsilon,Bob\n"
    )
    report = _import_via_modal(bot, content)
    assert "*3* leads created" in report and "*2* rows rejected (of 5)" in report
    assert "row 4: Owner: no Slack user with the email nobody@example.com" in report
    assert "row 6: Owner: 'Bob' is neither an email nor a Slack user id" in report
    with Session(bot.deps.engine) as session:
        owners = {lead.topic: lead.owner_id for lead in session.exec(select(Lead))}
    assert owners == {"Grinders": "U2", "Cups": "UANN", "Kettles": "U1"}  # no Owner: the sender's
    rejected = bot.slack.uploads
    assert any(b"nobody@example.com" in content for content in rejected.values())


ROUTING = """
[[routing]]
when = { lead_source = "Web" }
assign = { team = "EMEA" }

[routing_fallback]
channel = "C0LEADS"
"""


def test_import_from_the_shell_with_route_follows_the_rules(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        session.add(SlackUser(team_id="T1", user_id="UA"))
        team = SalesTeam(team_id="T1", name="EMEA", name_key="emea")
        session.add(team)
        session.flush()
        session.add_all([SalesTeamMember(team_id="T1", sales_team_id=team.id or 0, user_id=u) for u in ("UA", "UB")])
        session.commit()
    (tmp_path / "processes.toml").write_text(ROUTING, encoding="utf-8")
    (tmp_path / "leads.csv").write_text(
        "Topic,Company,Lead source,Owner\n"
        "One,A,Web,\nTwo,B,Web,\nThree,C,Web,\nShow,D,Trade show,\nMine,E,Web,UA\nGhost,F,Web,U9\n",
        encoding="utf-8",
    )
    env = {"DATABASE_URL": url, "PROCESS_FILE": str(tmp_path / "processes.toml")}
    args = ("import", "leads", str(tmp_path / "leads.csv"), "--team", "T1", "--owner", "U1")
    result = salesbot(*args, "--route", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "5 created · 0 duplicates skipped · 1 rejected (of 6 rows)" in result.stdout
    assert "row 7: Owner: no Slack user U9 in this workspace" in result.stdout
    with Session(engine) as session:
        owners = {lead.topic: lead.owner_id for lead in session.exec(select(Lead))}
        claims = list(session.exec(select(LeadClaim)))
        posts = list(session.exec(select(Outbox).where(Outbox.kind == "lead_claim")))
        imported = {a.record_id: a.author_id for a in session.exec(select(Activity)) if a.subject == "Lead imported"}
    assert owners == {"One": "UA", "Two": "UB", "Three": "UA", "Show": "", "Mine": "UA"}
    show = next(lead_id for lead_id, topic in topics_by_id(engine).items() if topic == "Show")
    assert [c.lead_id for c in claims] == [show] and [(p.recipient, p.record_id) for p in posts] == [("C0LEADS", show)]
    assert len(imported) == 5 and set(imported.values()) == {"U1"}  # the importer is the author


def topics_by_id(engine: object) -> dict[int, str]:
    with Session(engine) as session:  # type: ignore[arg-type]
        return {lead.id or 0: lead.topic for lead in session.exec(select(Lead))}
