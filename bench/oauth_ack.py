"""Ack latency of a request from one of 1,000 installed workspaces (OAuth mode) against single-token
mode, in the same run: the installation lookup must not show.

Two bots are served in this process on loopback (waitress, 8 threads each, as the tests do), each on a
SQLite database of its own seeded with the same leads of the asking rep; the OAuth one also has
`--workspaces` installations (slack-sdk's store, `save()` as an install writes them) and their workspace
rows. Requests: a signed `/lead list` slash command from a workspace in the middle of the installed ones
(the answer is the ack body), sent by one keep-alive client, one at a time. A third bot serves the OAuth
database with the per-worker reuse of bot rows turned off (`oauth, no reuse`): every request reads its
installation, as the first request from a workspace in 10 s does. Each round measures the three,
`--requests` each, in an order that rotates by round; the table gives min / median / max over the rounds
of each round's median and p95, and each OAuth bot's ratio to single-token mode of each round's median.

    python bench/oauth_ack.py                 # --workspaces 1000 --rounds 5 --requests 300
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_sdk.oauth.installation_store import Installation  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.deps import Deps, build_deps  # noqa: E402
from bot.server import EVENTS_PATH, make_http_server, run_until  # noqa: E402
from store.db import make_engine, transaction, upgrade  # noqa: E402
from store.workspaces import record_install  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

SECRET = "bench-signing-secret-0123456789abcdef"
USER = "U1"


def settings(database: Path, fake: FakeSlack, *, oauth: bool):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {"_env_file": None, "slack_signing_secret": SECRET, "slack_api_url": fake.api_url,
                                 "database_url": f"sqlite:///{database}", "log_level": "WARNING"}  # fmt: skip
    if oauth:
        values.update(slack_client_id=fake.client_id, slack_client_secret=fake.client_secret,
                      slack_state_secret="bench-state")  # fmt: skip
    else:
        values["slack_bot_token"] = "xoxb-single"
    return load_settings(**values)


def team_id(index: int) -> str:
    return f"T{index:05d}"


def install_workspaces(deps: Deps, count: int) -> None:
    """What `count` installs write: slack-sdk's installation and bot rows, and salesbot's workspace row."""
    assert deps.installations is not None
    now = datetime.now(UTC)
    for index in range(count):
        team = team_id(index)
        deps.installations.store.save(Installation(
            app_id="A1", team_id=team, team_name=f"Workspace {team}", bot_token=f"xoxb-{team}-bench",
            bot_id=f"B{team}", bot_user_id="UBOT", bot_scopes="commands,chat:write", user_id="UINSTALLER",
        ))  # fmt: skip
        with transaction(deps.new_session) as session:
            record_install(session, team_id=team, enterprise_id=None, name=team, installer="UINSTALLER", now=now)


def seed_leads(deps: Deps, team: str, count: int) -> None:
    from store.models import Lead

    with transaction(deps.new_session) as session:
        session.add_all(
            Lead(team_id=team, owner_id=USER, topic=f"{i} espresso machines", company=f"Caffè {i}", last_name="Rossi")
            for i in range(count)
        )


@contextmanager
def serving(deps: Deps) -> Iterator[int]:
    app, _ = create_app(deps)
    server = make_http_server(app, "127.0.0.1", 0, threads=8)
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        stop.set()
        thread.join(timeout=5)
        deps.background.shutdown()
        deps.engine.dispose()


def command_body(team: str, fake: FakeSlack, n: int) -> str:
    return urlencode({"token": "legacy", "team_id": team, "team_domain": "bench", "channel_id": "C1",
                      "channel_name": "sales", "user_id": USER, "user_name": "u1", "command": "/lead",
                      "text": "list", "api_app_id": "A1", "is_enterprise_install": "false",
                      "response_url": fake.response_url(), "trigger_id": f"{n}.1.trigger"})  # fmt: skip


def measure(port: int, team: str, fake: FakeSlack, requests: int) -> list[float]:
    """Milliseconds per request, one keep-alive client, one request at a time."""
    verifier = SignatureVerifier(SECRET)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    for n in range(requests):
        body = command_body(team, fake, n)
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body)}  # fmt: skip
        began = time.perf_counter()
        connection.request("POST", EVENTS_PATH, body=body.encode(), headers=headers)
        response = connection.getresponse()
        answer = response.read()
        latencies.append((time.perf_counter() - began) * 1000)
        assert response.status == 200 and b"open leads" in answer, answer[:200]
    connection.close()
    return latencies


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def spread(values: list[float]) -> str:
    return f"{min(values):8.2f} {statistics.median(values):8.2f} {max(values):8.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspaces", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--leads", type=int, default=20)
    args = parser.parse_args()
    fake = FakeSlack().start()
    folder = Path(tempfile.mkdtemp(prefix="oauth-ack-"))
    single_db, oauth_db = folder / "single.db", folder / "oauth.db"
    for database in (single_db, oauth_db):
        engine = make_engine(f"sqlite:///{database}")
        upgrade(engine)
        engine.dispose()
    asking = team_id(args.workspaces // 2)
    single, oauth = build_deps(settings(single_db, fake, oauth=False)), build_deps(settings(oauth_db, fake, oauth=True))
    uncached = build_deps(settings(oauth_db, fake, oauth=True))
    assert uncached.installations is not None
    uncached.installations.tokens.cache_seconds = 0.0
    began = time.perf_counter()
    install_workspaces(oauth, args.workspaces)
    installed = time.perf_counter() - began
    seed_leads(single, asking, args.leads)
    seed_leads(oauth, asking, args.leads)
    modes = ("single-token", "oauth", "oauth, no reuse")
    medians: dict[str, list[float]] = {mode: [] for mode in modes}
    tails: dict[str, list[float]] = {mode: [] for mode in modes}
    with serving(single) as single_port, serving(oauth) as oauth_port, serving(uncached) as uncached_port:
        ports = dict(zip(modes, (single_port, oauth_port, uncached_port), strict=True))
        for port in ports.values():  # warm-up: first requests import, cache, open connections
            measure(port, asking, fake, 30)
        for round_ in range(args.rounds):
            order = modes[round_ % 3 :] + modes[: round_ % 3]
            for mode in order:
                latencies = measure(ports[mode], asking, fake, args.requests)
                medians[mode].append(statistics.median(latencies))
                tails[mode].append(p95(latencies))
    fake.stop()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {sys.version.split()[0]} · {args.workspaces} workspaces installed in {installed:.1f} s · "
          f"{args.rounds} rounds × {args.requests} `/lead list` per mode, interleaved · "
          f"load average {load:.1f}")  # fmt: skip
    print(f"{'mode':<16} {'median ms: min':>16} {'median':>8} {'max':>8}   "
          f"{'p95 ms: min':>12} {'median':>8} {'max':>8}")  # fmt: skip
    for mode in medians:
        print(f"{mode:<16} {spread(medians[mode]):>33}   {spread(tails[mode]):>30}")
    for mode in modes[1:]:
        ratios = [o / s for o, s in zip(medians[mode], medians["single-token"], strict=True)]
        print(f"ratio {mode} / single-token (each round's median): min {min(ratios):.2f} · "
              f"median {statistics.median(ratios):.2f} · max {max(ratios):.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
