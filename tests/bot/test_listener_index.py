"""The indexed dispatch (bot.listener_index) offers a request only listeners it can match, in Bolt's order:
whatever the body, every listener it skips is one Bolt's own matchers refuse, so the listener Bolt's full
scan picks is the one picked. Checked against every listener salesbot registers and against junk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt import Ack, BoltResponse
from slack_bolt.listener import Listener

from bot.app import SalesApp, create_app
from bot.deps import build_deps
from bot.fast_ack import FastAck
from bot.listener_index import IndexedListeners, request_key
from bot.server import GatedRequest
from tests.conftest import RunningBot, make_settings
from tests.slack.fake_slack import FakeSlack

KINDS = ("command", "action", "view", "event", "shortcut", "options")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SalesApp]:
    fake = FakeSlack().start()
    database = tmp_path_factory.mktemp("index") / "app.db"
    deps = build_deps(make_settings(f"sqlite:///{database}", fake))
    yield create_app(deps)[0]
    deps.background.shutdown()
    deps.engine.dispose()
    fake.stop()


def body_for(kind: str, name: Any) -> dict[str, Any]:
    """A request body of `kind` carrying `name` where Bolt's matchers read it."""
    bodies: dict[str, dict[str, Any]] = {
        "command": {"command": name, "text": "list", "team_id": "T1", "user_id": "U1"},
        "action": {"type": "block_actions", "actions": [{"action_id": name, "block_id": "b", "value": "1"}]},
        "view": {"type": "view_submission", "view": {"type": "modal", "callback_id": name, "state": {"values": {}}}},
        "event": {"type": "event_callback", "event": {"type": name, "user": "U1"}, "event_id": "Ev1"},
        "shortcut": {"type": "shortcut", "callback_id": name, "trigger_id": "1.1"},
        "options": {"type": "block_suggestion", "action_id": name, "value": "ab"},
    }
    return {"team_id": "T1", "user": {"id": "U1"}, **bodies[kind]}


def outcome(listener: Listener, body: dict[str, Any]) -> bool | str:
    """What Bolt's matchers of `listener` say to `body`: True, False, or the exception they raise."""
    request = GatedRequest("", body, "", {})
    try:
        return listener.matches(req=request, resp=BoltResponse(status=200))
    except Exception as error:  # noqa: BLE001 (Bolt would answer 500: the same for both scans)
        return type(error).__name__


def assert_same_pick(listeners: IndexedListeners, body: dict[str, Any]) -> None:
    """No listener skipped would have matched, and the first listener to match or fail (Bolt answers a
    matcher's exception with a 500) is the same for both scans (or fails the same way)."""
    everyone = list(list.__iter__(listeners))
    with listeners.offering(body):
        offered = list(listeners)
    positions = [everyone.index(listener) for listener in offered]
    assert positions == sorted(positions)  # registration order kept
    outcomes = {listener: outcome(listener, body) for listener in everyone}
    assert not [listener for listener in everyone if listener not in offered and outcomes[listener] is True]
    bolts = next((each for each in everyone if outcomes[each] is not False), None)
    ours = next((each for each in offered if outcomes[each] is not False), None)
    if bolts is None or outcomes[bolts] is True:
        assert ours is bolts
    else:  # a request every listener's matchers fail on (Bolt builds their arguments from the whole body)
        assert ours is not None and outcomes[ours] == outcomes[bolts]


def test_every_registered_listener_is_the_one_picked_for_a_request_with_its_name(app: SalesApp) -> None:
    listeners = app.indexed
    keys = {listeners.key_of(listener) for listener in list.__iter__(listeners)}
    assert len(listeners) > 100  # salesbot's whole surface
    named = sorted(key for key in keys if key is not None and key[1] is not None)
    assert {kind for kind, _ in named} == set(KINDS)
    for kind, name in named:
        body = body_for(kind, name)
        assert request_key(body) == (kind, name)
        assert_same_pick(listeners, body)
        with listeners.offering(body):
            picked = next(each for each in listeners if outcome(each, body) is True)
        assert listeners.key_of(picked) in ((kind, name), (kind, None))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"type": "block_actions", "actions": []},
        {"type": "block_actions", "actions": [{}]},
        {"type": "block_actions", "actions": [{"action_id": None}]},
        {"type": "block_actions", "actions": "lead_edit"},
        {"type": "block_actions", "actions": [{"action_id": "opp_tick_12"}]},
        {"type": "block_actions", "actions": [{"action_id": "record_nothing_like_it"}]},
        {"type": "interactive_message", "callback_id": "lead_edit", "actions": [{"name": "x"}]},
        {"type": "dialog_submission", "callback_id": "lead_edit"},
        {"type": "view_closed", "view": {"callback_id": "lead_edit_modal"}},
        {"type": "view_submission", "view": {}},
        {"type": "view_submission", "view": "lead_edit_modal"},
        {"type": "event_callback", "event": {"type": "message", "subtype": "message_changed"}},
        {"type": "event_callback", "event": {}},
        {"type": "event_callback"},
        {"type": "message_action", "callback_id": "log_message_to", "message": {"ts": "1.0"}},
        {"type": "dialog_suggestion", "callback_id": "opp_product_search"},
        {"command": "/opp", "type": "block_actions", "actions": [{"action_id": "lead_edit"}]},
        {"command": ["/opp"]},
        {"type": "url_verification", "challenge": "x"},
    ],
)
def test_junk_and_other_kinds_get_bolts_pick(app: SalesApp, body: dict[str, Any]) -> None:
    assert_same_pick(app.indexed, body)


NAMES = st.one_of(
    st.sampled_from(["/opp", "/lead", "lead_edit", "opp_tick_3", "person_row_1", "app_home_opened", "message"]),
    st.text(max_size=12),
    st.none(),
    st.integers(),
)


@given(kind=st.sampled_from(KINDS), name=NAMES)
def test_any_name_of_any_kind_gets_bolts_pick(app: SalesApp, kind: str, name: Any) -> None:
    assert_same_pick(app.indexed, body_for(kind, name))


def test_outside_a_dispatch_the_list_is_bolts_whole_list(app: SalesApp) -> None:
    assert list(app.indexed) == list(list.__iter__(app.indexed))
    with app.indexed.offering(body_for("command", "/opp")):
        assert len(list(app.indexed)) < 10
    assert len(list(app.indexed)) == len(app.indexed)


def test_a_command_runs_the_matchers_of_its_own_listener_only(bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt alone ran the matchers of every listener registered before `/opp`'s (~60) for each `/opp`."""
    tried: list[str] = []
    original = Listener.matches

    def spying(self: Listener, **kwargs: Any) -> bool:
        tried.append(getattr(self.ack_function, "__name__", "?"))
        return original(self, **kwargs)

    monkeypatch.setattr(Listener, "matches", spying)
    response = bot.user().command("/opp", "list")
    assert response.status == 200 and response.text
    assert tried == ["opp_command"]


def test_listeners_web_api_calls_reuse_connections(bot: RunningBot) -> None:
    """Bolt's client per request opened a connection per Web API call (urllib)."""
    user = bot.user()
    user.open_home()
    opened = bot.slack.connections
    for _ in range(4):
        user.open_home()
    assert len(bot.slack.calls_to("views.publish")) == 5
    assert bot.slack.connections - opened <= 1


def test_a_listeners_context_has_what_bolts_own_has(app: SalesApp) -> None:
    ours, bolts = (
        GatedRequest("", body_for("command", "/opp"), "", {}),
        GatedRequest("", body_for("command", "/opp"), "", {}),
    )
    app._init_context(ours)
    super(SalesApp, app)._init_context(bolts)
    assert set(ours.context) == set(bolts.context) | {"ack"}  # Bolt makes its Ack on first use
    assert isinstance(ours.context.ack, FastAck) and type(bolts.context.ack) is Ack
    mine, theirs = ours.context.client, bolts.context.client
    for field in ("token", "base_url", "timeout", "ssl", "proxy", "headers", "default_params", "retry_handlers"):
        assert getattr(mine, field) == getattr(theirs, field), field
    assert mine is not app.listener_client and mine.default_params is not app.listener_client.default_params


def test_indexed_listeners_keep_registration_order_for_appends_after_a_request() -> None:
    listeners = IndexedListeners([])
    first, second, third = (object() for _ in range(3))
    listeners.append(first)  # type: ignore[arg-type]
    listeners.key_from(0, ("command", "/a"))
    listeners.append(second)  # type: ignore[arg-type]  # unkeyed
    with listeners.offering(body_for("command", "/a")):
        assert list(listeners) == [first, second]
    listeners.append(third)  # type: ignore[arg-type]
    listeners.key_from(2, ("command", "/a"))
    with listeners.offering(body_for("command", "/a")):
        assert list(listeners) == [first, second, third]
    with listeners.offering(body_for("command", "/b")):
        assert list(listeners) == [second]
