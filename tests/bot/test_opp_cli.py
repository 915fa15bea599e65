"""`salesbot demo`, `salesbot import products` and PROCESS_FILE validation, run as a user runs them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from store.db import make_engine
from store.models import Lead, Opportunity, PriceList, PriceListItem, Product
from tests.bot.test_cli import salesbot

BAD_FILES = [
    ("[[process]]\nname = 'Enterprise deal'\n[[process.stage]]\nname = 'Qualify'\ncompleted = 25\nchance = 120\n",
     "process[0].stage[0].chance"),
    ("[[process]]\nname = 'X'\n[[process.stage]]\nname = 'A'\ncompleted = 1\nchance = 1\n"
     "steps = [{ name = 'S', type = 'colour' }]\n", "process[0].stage[0].steps[0].type"),
    ("[[process]\nname = 'X'\n", "line 1"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "where"), BAD_FILES)
def test_a_malformed_process_file_stops_startup_with_one_line(content: str, where: str, tmp_path: Path) -> None:
    path = tmp_path / "processes.toml"
    path.write_text(content, encoding="utf-8")
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PROCESS_FILE": str(path)}
    result = salesbot("run", "--port", "0", env=env, cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "PROCESS_FILE" in lines[0] and str(path) in lines[0] and where in lines[0]


def test_demo_loads_contoso_coffee_without_a_slack_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = salesbot("demo", "--team", "T1", "--owner", "U1", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Contoso Coffee" in result.stdout
    again = salesbot("demo", "--team", "T1", "--owner", "U1", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert again.returncode == 0 and "already" in again.stdout
    engine = make_engine(url)
    with Session(engine) as session:
        [price_list] = session.exec(select(PriceList).where(PriceList.team_id == "T1")).all()
        cafe = session.exec(select(Product).where(Product.name == "Café S-100")).one()
        item = session.exec(select(PriceListItem).where(PriceListItem.product_id == cafe.id)).one()
        opportunities = session.exec(select(Opportunity).where(Opportunity.team_id == "T1")).all()
        leads = session.exec(select(Lead).where(Lead.team_id == "T1")).all()
    engine.dispose()
    assert (price_list.currency, item.price, cafe.unit) == ("EUR", Decimal("1299.00"), "unit")
    assert {o.stage for o in opportunities if o.status == "open"} == {"Qualify", "Develop", "Propose", "Close"}
    assert {o.status for o in opportunities} == {"open", "won", "lost"}
    assert all(o.owner_id == "U1" for o in opportunities) and len(leads) >= 3
    assert all(o.revenue_mode == "system" and o.estimated_revenue for o in opportunities)


def test_demo_without_team_or_token_says_what_is_missing(tmp_path: Path) -> None:
    result = salesbot("demo", "--owner", "U1", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}, cwd=tmp_path)
    assert result.returncode == 2 and "--team" in result.stderr and "Traceback" not in result.stderr


def test_import_products_reports_created_updated_and_rejected_rows(tmp_path: Path) -> None:
    csv_file = tmp_path / "products.csv"
    csv_file.write_text("name,unit,description,price,currency\nCafé S-100,unit,Espresso,\"1,299.00\",EUR\n"
                        "Grinder G-20,unit,,349.5,EUR\nBroken,unit,,lots,EUR\n,unit,,1,EUR\n"
                        "café s-100,unit,,1299,EUR\n", encoding="utf-8")  # fmt: skip
    url = f"sqlite:///{tmp_path / 'p.db'}"
    result = salesbot("import", "products", str(csv_file), "--team", "T1", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 products created, 1 updated, 2 rows rejected" in result.stdout
    assert "row 4: price" in result.stdout and "row 5: name is empty" in result.stdout
    engine = make_engine(url)
    with Session(engine) as session:
        names = sorted(p.name for p in session.exec(select(Product)).all())
    engine.dispose()
    assert names == ["Café S-100", "Grinder G-20"]
