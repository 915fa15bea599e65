"""Helpers for driving `/salesbot admin` and its parts, and a second worker serving the same database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlmodel import select

from bot.app import create_app
from bot.deps import build_deps
from bot.server import EVENTS_PATH, make_http_server, run_until
from store.db import transaction
from store.models import AdminAudit
from tests.conftest import SIGNING_SECRET, RunningBot, make_settings
from tests.slack.driver import Actor, SlackDriver, blocks_text

ADMIN = "UADMIN"


def as_admin(bot: RunningBot) -> Actor:
    bot.deps.admin_ids = frozenset({ADMIN})
    return bot.user(ADMIN)


def open_part(bot: RunningBot, user: Actor, label: str) -> dict[str, Any]:
    """`/salesbot admin`, then the button `label` in it: the modal it pushed."""
    user.command("/salesbot", "admin")
    home = bot.slack.last_view("views.open")
    assert home["title"]["text"] == "salesbot admin"
    pushes = len(bot.slack.calls_to("views.push"))
    user.click(label, home)
    return bot.slack.wait_for("views.push", pushes + 1)[-1].args["view"]


def click_in_view(bot: RunningBot, user: Actor, label: str, view: dict[str, Any], value: str | None = None) -> Any:
    """Click a button in a modal; the view it pushed (or None when it pushed nothing)."""
    pushes = len(bot.slack.calls_to("views.push"))
    user.click(label, view, value=value)
    bot.driver.settle()
    after = bot.slack.calls_to("views.push")
    return after[-1].args["view"] if len(after) > pushes else None


def view_text(view: dict[str, Any]) -> str:
    return blocks_text(view.get("blocks", []))


def audit_actions(bot: RunningBot, team: str = "T1") -> list[tuple[str, str, str]]:
    with transaction(bot.deps.new_session) as session:
        rows = session.exec(select(AdminAudit).where(AdminAudit.team_id == team).order_by(AdminAudit.id)).all()  # type: ignore[arg-type]
        return [(row.actor_id, row.action, row.detail) for row in rows]


@contextmanager
def second_worker(bot: RunningBot, database_url: str) -> Iterator[RunningBot]:
    """Another web worker (its own Deps, caches and HTTP server) on the same database and fake Slack."""
    deps = build_deps(make_settings(database_url, bot.slack))
    deps.admin_ids = bot.deps.admin_ids
    app, _ = create_app(deps)
    server = make_http_server(app, "127.0.0.1", 0, threads=4)
    stop = threading.Event()
    thread = threading.Thread(target=run_until, args=(server, stop), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}{EVENTS_PATH}"
    try:
        yield RunningBot(
            deps, url, bot.slack, SlackDriver(url, SIGNING_SECRET, bot.slack, settle=deps.background.wait_idle)
        )
    finally:
        deps.background.wait_idle()
        stop.set()
        thread.join(timeout=5)
        deps.background.shutdown()
        deps.engine.dispose()


def choose_in_view(bot: RunningBot, user: Actor, option_text: str, view: dict[str, Any], *, row: str) -> None:
    """Choose `option_text` in the overflow menu of the modal's row whose text contains `row`."""
    for block in view.get("blocks", []):
        menu = block.get("accessory") or {}
        if menu.get("type") == "overflow" and row in block.get("text", {}).get("text", ""):
            chosen = next(o for o in menu["options"] if o["text"]["text"] == option_text)
            break
    else:
        raise AssertionError(f"no row {row!r} with an overflow in the view")
    payload = {
        "type": "block_actions",
        "user": user._user(),
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "7.1.trigger",
        "team": user._team(),
        "container": {"type": "view", "view_id": view.get("id", "V1")},
        "view": {**view, "state": {"values": {}}, "team_id": user.team_id},
        "actions": [{"type": "overflow", "action_id": menu["action_id"], "block_id": block.get("block_id", "b1"),
                     "selected_option": chosen, "action_ts": "1.1"}],
    }  # fmt: skip
    bot.driver.post_payload(payload)
