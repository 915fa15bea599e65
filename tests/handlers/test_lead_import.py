"""Lead import through Slack: the /lead import modal, a CSV sent in DM, a 10,000-row file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlmodel import func, select

from bench.lead_csv import generate
from handlers import imports
from store.db import transaction
from store.models import Activity, Lead
from tests.conftest import RunningBot
from tests.slack.driver import blocks_text


def _count(bot: RunningBot) -> int:
    with transaction(bot.deps.new_session) as session:
        return int(session.exec(select(func.count()).select_from(Lead)).one())


def _import_via_modal(bot: RunningBot, content: bytes, file_id: str = "F100", name: str = "leads.csv") -> str:
    bot.slack.files[file_id] = content
    user = bot.user("U1")
    user.command("/lead", "import")
    modal = bot.slack.last_view("views.open")
    assert modal["title"]["text"] == "Import leads"
    response = user.submit(modal, {"CSV file": [bot.slack.file_object(file_id, name)]})
    assert response.status == 200 and not response.body
    final = bot.slack.calls_to("chat.update")[-1]
    assert final.args["channel"] == "DU1"
    return blocks_text(final.args["blocks"])


def test_import_modal_reports_created_duplicates_and_rejected_rows(bot: RunningBot) -> None:
    content = (
        "\ufeffTopic;Company;Email;Budget amount;Description\r\n"
        'Espresso bar;Caffè Uno;uno@example.com;"1,299.00";"Line one\nline two; with ""quotes"""\r\n'
        "\r\n"
        "Grinders;Caffè Due;due@example.com;abc;\r\n"
        "Roasts;Caffè Tre;UNO@example.com;500;\r\n"
        "Too;many;columns;here;x;y\r\n"
        "Cups;Caffè Quattro;quattro@example.com;;\r\n"
    ).encode()
    report = _import_via_modal(bot, content)
    assert "*2* leads created · *1* duplicates skipped · *2* rows rejected (of 5)" in report
    assert "row 5: Budget amount" in report and "row 7: expected 5 columns, found 6" in report
    with transaction(bot.deps.new_session) as session:
        first = session.exec(select(Lead).where(Lead.company == "Caffè Uno")).one()
    assert str(first.budget_amount) == "1299.00" and first.description == 'Line one\nline two; with "quotes"'
    assert bot.slack.calls_to("file.download")[-1].args["authorized"] is True


def test_rejected_rows_come_back_as_a_csv_to_fix_and_send_again(bot: RunningBot) -> None:
    content = "Topic;Company;Budget amount\nBeans;Roastery;abc\nCups;Caffè Tre;100\nMugs;;\n"
    report = _import_via_modal(bot, content.encode(), name="fair.csv")
    assert "*1* leads created" in report and "*2* rows rejected" in report and "follow as a CSV" in report
    (complete,) = bot.slack.calls_to("files.completeUploadExternal")
    assert complete.args["channel_id"] == "DU1"
    assert complete.args["files"][0]["title"] == "Rows of fair.csv not imported"
    (uploaded,) = bot.slack.uploads.values()
    rows = list(csv.reader(io.StringIO(uploaded.decode())))
    assert rows[0] == ["Row", "Reason", "Topic", "Company", "Budget amount"]
    assert [row[0] for row in rows[1:]] == ["2", "4"] and rows[1][2:] == ["Beans", "Roastery", "abc"]
    assert rows[1][1].startswith("Budget amount: Enter an amount") and rows[2][1].startswith("Last name:")

    fixed = io.StringIO()  # the user fixes the budget in a spreadsheet, drops the other row, sends it back
    csv.writer(fixed).writerows([rows[0], [*rows[1][:2], "Beans", "Roastery", "1500"]])
    again = _import_via_modal(bot, fixed.getvalue().encode(), file_id="FFIX", name="fair-rejected.csv")
    assert "*1* leads created" in again and "Ignored columns: Row, Reason" in again
    assert _count(bot) == 2 and len(bot.slack.calls_to("files.completeUploadExternal")) == 1


def test_imported_leads_say_so_on_their_timeline(bot: RunningBot) -> None:
    _import_via_modal(bot, b"Topic,Company\nBeans,Roastery\n", name="fair-contacts.csv")
    card = bot.user("U1").command("/lead", "roastery").message
    bot.user("U1").click("Timeline", card)
    timeline = blocks_text(bot.slack.last_message().blocks)
    assert "Lead imported" in timeline and "from fair-contacts.csv" in timeline


def test_a_long_import_updates_its_message_with_progress(
    bot: RunningBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "PROGRESS_EVERY_SECONDS", 0.0)  # every commit (10,000 rows) shows
    # 25,000 rows, text index included, can outlast the default 10 s settle on a busy 2-core machine.
    monkeypatch.setattr(bot.driver, "settle", lambda: bot.deps.background.wait_idle(120))
    path = tmp_path / "long.csv"
    expected = generate(path, 25_000, seed=5)
    _import_via_modal(bot, path.read_bytes(), file_id="FLONG", name="long.csv")
    updates = [blocks_text(c.args["blocks"]) for c in bot.slack.calls_to("chat.update") if c.args["channel"] == "DU1"]
    progress = [text for text in updates if "Importing *long.csv*" in text]
    assert len(progress) >= 2 and "rows read" in progress[0]
    read = [int(text.split("… ")[1].split(" rows")[0].replace(",", "")) for text in progress]
    assert read == sorted(read) and 0 < read[0] < 25_000
    assert f"*{expected['unique']:,}* leads created" in updates[-1]


def test_import_requires_a_csv_file(bot: RunningBot) -> None:
    user = bot.user("U1")
    user.command("/lead", "import")
    modal = bot.slack.last_view("views.open")
    bot.slack.files["F9"] = b"x"
    response = user.submit(modal, {"CSV file": [{**bot.slack.file_object("F9", "photo.png"), "filetype": "png"}]})
    assert "CSV" in response.json["errors"]["file"]
    assert _count(bot) == 0


def test_file_without_topic_column_is_refused_whole(bot: RunningBot) -> None:
    report = _import_via_modal(bot, b"Name,Company\nAda,Contoso\n")
    assert "no Topic column" in report and _count(bot) == 0


def test_csv_sent_in_dm_is_imported(bot: RunningBot) -> None:
    bot.slack.files["F200"] = b"topic,company,email\nBeans,Roastery,beans@example.com\n"
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": "DU1",
        "channel_type": "im",
        "user": "U1",
        "text": "",
        "ts": "1800000000.000100",
        "files": [bot.slack.file_object("F200", "beans.csv")],
    }
    assert bot.user("U1").event(event).status == 200
    assert "*1* leads created" in blocks_text(bot.slack.calls_to("chat.update")[-1].args["blocks"])
    assert _count(bot) == 1


def test_ten_thousand_rows_with_duplicates_and_bad_rows(bot: RunningBot, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    expected = generate(path, 10_000, seed=11)
    report = _import_via_modal(bot, path.read_bytes(), file_id="FBIG")
    assert f"*{expected['unique']:,}* leads created" in report
    assert f"*{expected['duplicates']:,}* duplicates skipped" in report
    assert f"*{expected['bad']:,}* rows rejected (of 10,000)" in report
    assert _count(bot) == expected["unique"]
    # importing the same file again creates nothing new
    report = _import_via_modal(bot, path.read_bytes(), file_id="FBIG")
    assert "*0* leads created" in report and _count(bot) == expected["unique"]
    with transaction(bot.deps.new_session) as session:  # one "Lead imported" entry per lead, none twice
        entries = session.exec(select(Activity.record_id).where(Activity.subject == "Lead imported")).all()
    assert len(entries) == len(set(entries)) == expected["unique"]
