"""Web lead API figures: 1,000 leads posted to POST /api/leads by 20 concurrent clients (keep-alive
connections), against a bare endpoint in the same run doing the same insert.

    python bench/web_leads.py
    python bench/web_leads.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test

The API case is the real one: the bot's HTTP server (waitress, 8 threads), token check, per-token rate
counter, duplicate check, routing (round robin over a team of three, the turn claimed in the database)
and the owner's DM queued in the outbox. The reference is a WSGI app on the same server settings that
parses the JSON, validates the lead and creates it with the same service call (`create_lead`, the
"Lead created" timeline entry and the score) — no token, rate limit, duplicate check or routing.
`--rounds` interleaved rounds (>= 3), reference then API in each; per case min/median/max of the p99
latency and of leads/s, and the ratio of the medians. Results: docs/performance.md, "Web lead API".
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from waitress.server import create_server  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from bot.app import create_app  # noqa: E402
from bot.deps import Deps, build_deps  # noqa: E402
from bot.domain.leads import validate_lead  # noqa: E402
from bot.server import make_http_server, run_until  # noqa: E402
from bot.services.api_tokens import create_token  # noqa: E402
from bot.services.leads import create_lead  # noqa: E402
from store.db import transaction  # noqa: E402
from store.models import SalesTeam, SalesTeamMember  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.slack.fake_slack import FakeSlack  # noqa: E402

RULES = '[[routing]]\nwhen = { lead_source = "Web" }\nassign = { team = "Inbound", method = "round_robin" }\n'
THREADS = 8


def database(kind: str, postgres_url: str) -> AbstractContextManager[str]:
    return scratch_database(kind, postgres_url, "web")


def bare_endpoint(deps: Deps) -> Callable[[dict[str, Any], Any], list[bytes]]:
    """The reference: parse, validate, the same create_lead call, 201."""

    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        fields = json.loads(environ["wsgi.input"].read(length))
        draft, errors = validate_lead(fields, require_name=False)
        if draft is None:
            start_response("422 Unprocessable Entity", [("Content-Type", "application/json")])
            return [json.dumps({"ok": False, "errors": errors}).encode()]
        with transaction(deps.new_session) as session:
            lead = create_lead(session, team_id="T1", owner_id="U1", draft=draft, now=deps.clock())
            body = json.dumps({"ok": True, "lead": {"number": lead.id, "owner": lead.owner_id}}).encode()
        start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return application


@contextmanager
def serving(application: Any) -> Iterator[int]:
    server = create_server(application, host="127.0.0.1", port=0, threads=THREADS, ident="bench")
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        stop.set()
        thread.join(timeout=10)


def load(port: int, path: str, headers: dict[str, str], prefix: str, leads: int, clients: int) -> dict[str, float]:
    """`leads` posts by `clients` threads, each on one keep-alive connection; p99 (ms) and leads/s."""
    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for n in range(index, leads, clients):
            lead = {"topic": f"Espresso bar {n}", "company": f"{prefix} Bar {n}", "lead_source": "Web"}
            body = json.dumps({**lead, "email": f"{prefix}-{n}@example.com", "country": "IT"})
            began = time.perf_counter()
            connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
            answer = connection.getresponse()
            answer.read()
            mine.append(time.perf_counter() - began)
            if answer.status != 201:
                failures.append(str(answer.status))
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"{len(failures)} posts failed, e.g. HTTP {failures[0]}")
    latencies.sort()
    return {"p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "leads_per_s": leads / elapsed}


def run(kind: str, postgres_url: str, rounds: int, leads: int, clients: int) -> dict[str, list[dict[str, float]]]:
    figures: dict[str, list[dict[str, float]]] = {"reference": [], "api": []}
    fake = FakeSlack().start()
    with database(kind, postgres_url) as url:
        deps = build_deps(make_settings(url, fake, api_rate_per_minute=1_000_000))
        with transaction(deps.new_session) as session:
            team = SalesTeam(team_id="T1", name="Inbound", name_key="inbound")
            session.add(team)
            session.flush()
            session.add_all(
                [SalesTeamMember(team_id="T1", sales_team_id=team.id or 0, user_id=u) for u in ("UA", "UB", "UC")]
            )
            deps.processes.upload(session, "T1", RULES, now=datetime.now(UTC))
            secret = create_token(session, team_id="T1", name="Bench", by="U1", now=datetime.now(UTC))[1]
        app, _ = create_app(deps)
        api = make_http_server(app, "127.0.0.1", 0, threads=THREADS)
        api_stop = threading.Event()
        threading.Thread(target=run_until, args=(api, api_stop), daemon=True).start()
        with serving(bare_endpoint(deps)) as bare_port:
            for round_number in range(rounds):
                figures["reference"].append(load(bare_port, "/", {}, f"r{round_number}", leads, clients))
                auth = {"Authorization": f"Bearer {secret}"}
                figures["api"].append(load(api.effective_port, "/api/leads", auth, f"a{round_number}", leads, clients))
                print(f"  {kind} round {round_number + 1}: reference {figures['reference'][-1]}, "
                      f"api {figures['api'][-1]}", file=sys.stderr)  # fmt: skip
        api_stop.set()
        deps.background.shutdown()
        deps.engine.dispose()
    fake.stop()
    return figures


def report(kind: str, figures: dict[str, list[dict[str, float]]]) -> None:
    print(f"\n{kind}: {len(figures['api'])} rounds; min / median / max")
    medians: dict[str, dict[str, float]] = {}
    for case in ("reference", "api"):
        medians[case] = {}
        for metric in ("p99_ms", "leads_per_s"):
            values = sorted(f[metric] for f in figures[case])
            medians[case][metric] = statistics.median(values)
            print(f"  {case:9} {metric:11} {values[0]:8.1f} / {statistics.median(values):8.1f} / {values[-1]:8.1f}")
    p99 = medians["api"]["p99_ms"] / medians["reference"]["p99_ms"]
    rate = medians["api"]["leads_per_s"] / medians["reference"]["leads_per_s"]
    print(f"  api / reference (medians): p99 x{p99:.2f}, leads/s x{rate:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--postgres-url", default="")
    args = parser.parse_args()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" is the point of a load test
    if args.rounds < 3:
        parser.error("--rounds must be at least 3")
    kinds = ["sqlite"] + (["postgresql"] if args.postgres_url else [])
    for kind in kinds:
        report(kind, run(kind, args.postgres_url, args.rounds, args.leads, args.clients))


if __name__ == "__main__":
    main()
