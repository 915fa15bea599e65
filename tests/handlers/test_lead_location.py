"""Leads' Country (an ISO code or a name, stored as the alpha-2 code) and City: modal, card, CSV."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.domain.countries import parse_country
from bot.domain.parsing import ParseError
from bot.imports.leads import import_leads
from store.db import make_engine, transaction
from store.models import Lead
from tests.conftest import RunningBot
from tests.slack.driver import blocks_text


def test_countries_are_normalised_to_iso_codes() -> None:
    assert [parse_country(t) for t in ("IT", "it", "ITA", "Italy", " united  kingdom ", "UK", "Spain")] == [
        "IT", "IT", "IT", "IT", "GB", "GB", "ES",
    ]  # fmt: skip
    with pytest.raises(ParseError, match="not a country"):
        parse_country("Atlantis")


def test_country_and_city_from_the_modal_to_the_card(bot: RunningBot) -> None:
    rep = bot.user("U1")
    rep.command("/lead")
    modal = bot.slack.last_view("views.open")
    bad = rep.submit(modal, {"Topic": "Bar fit-out", "Company": "Caffè", "Country": "Atlantis"})
    assert "not a country" in bad.json["errors"]["country"]
    rep.submit(modal, {"Topic": "Bar fit-out", "Company": "Caffè", "Country": "italy", "City": "Milano <centro>"})
    with transaction(bot.deps.new_session) as session:
        lead = session.exec(select(Lead)).one()
    assert (lead.country, lead.city) == ("IT", "Milano <centro>")
    card = blocks_text(bot.slack.last_message().blocks)
    assert "*Country*\nItaly" in card and "*City*\nMilano &lt;centro&gt;" in card


def test_country_and_city_from_a_csv(database_url: str) -> None:
    source = io.BytesIO(b"Topic,Company,Country,City\nBeans,Roastery,ESP,Sevilla\nCups,Cafe,Narnia,X\n")
    engine = make_engine(database_url)
    report = import_leads(source, engine=engine, team_id="T1", owner_id="U1", now=datetime(2026, 3, 1, tzinfo=UTC))
    assert report.created == 1 and [r.row for r in report.rejections] == [3]
    assert "not a country" in report.rejections[0].reason
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT country, city FROM lead")).all() == [("ES", "Sevilla")]
    engine.dispose()
