"""Two dispatcher processes on one PostgreSQL database never send the same row twice."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from store.db import make_engine, session_factory, transaction
from store.models import Outbox
from tests.slack.fake_slack import FakeSlack

ROWS = 2000
WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bot.config import load_settings
    from bot.deps import build_deps
    from bot.slack_client import make_client
    from scheduler.dispatcher import Dispatcher

    url, api, name, barrier = sys.argv[1:5]
    deps = build_deps(load_settings(_env_file=None, database_url=url, slack_api_url=api,
                                    slack_bot_token="xoxb-test-token"))
    client = make_client("xoxb-test-token", api, inline_retries=False)
    dispatcher = Dispatcher(deps, client, worker=name, batch=25, threads=4, plan=False)
    Path(barrier, name).touch()  # ready; start together, so both really compete for the rows
    while not Path(barrier, "go").exists():
        time.sleep(0.01)
    idle = 0
    while idle < 3:
        idle = idle + 1 if dispatcher.tick() == 0 else 0
        time.sleep(0.05)
    dispatcher.close()
    deps.engine.dispose()
    """
)


def test_two_processes_send_each_of_2000_rows_exactly_once(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("FOR UPDATE SKIP LOCKED across processes is the PostgreSQL deployment")
    engine = make_engine(database_url)
    due = datetime.now(UTC) - timedelta(minutes=1)
    rows = [
        {
            "team_id": "T1",
            "kind": "dm",
            "recipient": f"C{index:05d}",
            "due_at": due,
            "status": "pending",
            "attempts": 0,
            "last_error": "",
            "dedupe_key": f"r{index}",
            "payload": {"text": f"row {index}"},
            "created_at": due,
        }
        for index in range(ROWS)
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(Outbox.__table__), rows)  # type: ignore[attr-defined]
    names = ["proc-1", "proc-2"]
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, database_url, fake_slack.api_url, name, str(tmp_path)])
        for name in names
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / name).exists() for name in names):
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), "a worker did not start"
        time.sleep(0.01)
    (tmp_path / "go").touch()
    for worker in workers:
        assert worker.wait(timeout=240) == 0
    texts = Counter(c.args["text"] for c in fake_slack.calls_to("chat.postMessage"))
    assert len(texts) == ROWS and set(texts.values()) == {1}
    with transaction(session_factory(engine)) as session:
        sent = list(session.exec(select(Outbox.status, Outbox.claimed_by)))
    assert Counter(status for status, _ in sent) == {"sent": ROWS}
    by_worker = Counter(worker for _, worker in sent)
    assert set(by_worker) == {"proc-1", "proc-2"} and min(by_worker.values()) > ROWS // 10, by_worker
    engine.dispose()
