"""Who owns an imported row: its `Owner` column (an email or a Slack user id, resolved once per value),
or with `--route` the workspace's routing rules for rows without one (bot/services/routing.py)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.domain.routing import LeadFacts
from bot.imports.lead_rows import VARIABLE_COLUMNS, Row
from bot.services.processes import SESSION_KEY, ProcessProvider
from bot.services.routing import Routed, decide, place
from store.models import Lead, SlackUser

USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
EmailLookup = Callable[[str], "str | None"]  # email -> Slack user id (users.lookupByEmail), None if unknown
UserCheck = Callable[[str], bool]  # does Slack know this user id (users.info)?
FACT_COLUMNS = [VARIABLE_COLUMNS.index(key) for key in
                ("lead_source", "industry", "country", "city", "employees", "budget_amount")]  # fmt: skip


class OwnerResolver:
    """`Owner` texts to user ids: a user id salesbot knows (or Slack does), or an email Slack knows."""

    def __init__(
        self, engine: Engine, team_id: str, *, by_email: EmailLookup | None = None, user_known: UserCheck | None = None
    ) -> None:
        self.by_email, self.user_known = by_email, user_known
        table = SlackUser.__table__  # type: ignore[attr-defined]
        with engine.connect() as connection:
            query = sa.select(table.c.user_id).where(table.c.team_id == team_id)
            self.known = set(connection.execute(query).scalars())
        self._cache: dict[str, tuple[str, str]] = {}

    def resolve(self, text: str) -> tuple[str, str]:
        """(user id, "") or ("", the reason the row is rejected)."""
        if text not in self._cache:
            self._cache[text] = self._resolve(text)
        return self._cache[text]

    def _resolve(self, text: str) -> tuple[str, str]:
        if USER_ID.fullmatch(text):
            if text in self.known or (self.user_known is not None and self.user_known(text)):
                return text, ""
            return "", f"Owner: no Slack user {text} in this workspace"
        if EMAIL.fullmatch(text):
            found = self.by_email(text.lower()) if self.by_email is not None else None
            return (found, "") if found else ("", f"Owner: no Slack user with the email {text}")
        return "", f"Owner: {text[:60]!r} is neither an email nor a Slack user id"


class ImportRouter:
    """`--route`: rows without an Owner go where the routing rules say, in the import's transaction
    (the round-robin turns are claimed there too). Caps count this import's earlier rows as well."""

    def __init__(self, processes: ProcessProvider, team_id: str, default_owner: str) -> None:
        self.processes, self.team_id, self.default_owner = processes, team_id, default_owner
        self.pending: Counter[str] = Counter()  # leads routed in the batch not yet inserted
        self.channel = ""  # where unassigned rows wait (posted with Claim once the import is done)

    def owners(self, connection: sa.Connection, rows: list[Row]) -> list[str]:
        chosen: list[str] = []
        if not connection.in_transaction():
            connection.begin()  # the session joins the import's transaction instead of owning one
        with Session(bind=connection) as session:
            session.info[SESSION_KEY] = self.processes
            for row in rows:
                routed = decide(session, self.team_id, facts_of_row(row), default_owner=self.default_owner,
                                pending=self.pending)  # fmt: skip
                self.channel = self.channel or routed.channel
                self.pending[routed.owner] += 1
                chosen.append(routed.owner)
            session.flush()
        self.pending.clear()
        return chosen

    def post_unassigned(self, session: Session, leads: list[Lead], by: str) -> None:
        """Each imported lead left without an owner is posted in the leads channel with Claim."""
        for lead in leads:
            place(session, lead, Routed(channel=self.channel, why="the leads channel"), by=by, now=lead.created_at)


def facts_of_row(row: Row) -> LeadFacts:
    source, industry, country, city, employees, budget = (row[index] for index in FACT_COLUMNS)
    return LeadFacts(str(source or ""), str(industry or ""), str(country or ""), str(city or ""),
                     employees if isinstance(employees, int) else None, _decimal(budget))  # fmt: skip


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def slack_lookups(client: WebClient) -> tuple[EmailLookup, UserCheck]:
    """Owner lookups through Slack: users.lookupByEmail (scope users:read.email) and users.info."""

    def by_email(email: str) -> str | None:
        try:
            return str(client.users_lookupByEmail(email=email)["user"]["id"])
        except (SlackApiError, KeyError, TypeError):
            return None

    def user_known(user_id: str) -> bool:
        try:
            user = client.users_info(user=user_id)["user"]
        except (SlackApiError, KeyError, TypeError):
            return False
        return not (user.get("deleted") or user.get("is_bot"))

    return by_email, user_known
