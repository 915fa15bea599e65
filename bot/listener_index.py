"""Bolt's listeners indexed by the name they answer, so that a request meets only the listeners that can
match it instead of every listener registered before its own.

Bolt's `App.dispatch` tries its listeners in registration order, running each one's matchers (and the
argument injection they go through) until one matches: with ~60 listeners registered before `/opp`,
that scan was about a third of an `/opp list` ack's CPU (docs/performance.md, "Shared ack plumbing").

A listener registered through `app.command`, `app.action`, `app.view`, `app.event`, `app.shortcut` or
`app.options` can only match a request of that kind, and with a plain str for a name only a request that
carries that name in that place (slack_bolt.listener_matcher.builtins): its `Key` is (kind, name), or
(kind, None) for a pattern or a dict. A request's key is read from its body the way Bolt's matchers read
it; a request whose key cannot be read (another kind, an odd shape) is offered every listener. Otherwise
it is offered, in registration order, the listeners with its key, those of its kind with no name, and
those registered any other way: each still runs its own matchers and middleware, so the first of them
to match is the listener Bolt's full scan finds; the listeners skipped are ones whose primary matcher
would have said no.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.listener import Listener
from slack_bolt.request import BoltRequest

Key = tuple[str, str | None]  # (kind, name): ("command", "/opp"), ("action", "open_lead"), ("action", None)…


def request_key(body: Any) -> Key | None:
    """(kind, name) of this request, as Bolt's matchers read them; None: not one the index can narrow."""
    if not isinstance(body, dict):
        return None
    kind = body.get("type")
    if "command" in body:  # Bolt reads a slash command by its "command" field alone
        return _named("command", body["command"]) if kind is None else None
    if kind == "block_actions":  # Bolt matches the first action's action_id
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions else None
        return _named("action", first.get("action_id")) if isinstance(first, dict) else None
    if kind == "event_callback":
        event = body.get("event")
        return _named("event", event.get("type")) if isinstance(event, dict) else None
    if kind == "view_submission":
        view = body.get("view")
        return _named("view", view.get("callback_id")) if isinstance(view, dict) else None
    if kind in ("shortcut", "message_action"):
        return _named("shortcut", body.get("callback_id"))
    if kind == "block_suggestion":
        return _named("options", body.get("action_id"))
    return None


def _named(kind: str, name: Any) -> Key | None:
    return (kind, name) if isinstance(name, str) else None


class IndexedListeners(list[Listener]):
    """Bolt's ordered list of listeners (`App._listeners`): registration appends to it as to a list.
    While a thread dispatches a request (`offering`), iterating it in that thread yields only the
    listeners that request can match, in registration order; anywhere else, every listener."""

    def __init__(self, listeners: list[Listener]) -> None:
        super().__init__(listeners)
        self._keys: dict[int, Key] = {}  # id(listener) -> its key; the unkeyed are absent
        self._index: tuple[dict[Key, list[Listener]], list[Listener]] | None = None  # at the first request
        self._dispatching = threading.local()

    def append(self, listener: Listener) -> None:
        super().append(listener)
        self._index = None

    def key_from(self, start: int, key: Key) -> None:
        """Give `key` to the listeners registered from position `start` on (one registration's)."""
        for listener in self[start:]:  # a slice is a plain list
            self._keys[id(listener)] = key
        self._index = None

    def key_of(self, listener: Listener) -> Key | None:
        return self._keys.get(id(listener))

    def offering(self, body: Any) -> _Offering:
        return _Offering(self._dispatching, body)

    def __iter__(self) -> Iterator[Listener]:
        body = getattr(self._dispatching, "body", _NONE)
        if body is _NONE:
            return super().__iter__()
        key = request_key(body)  # read as the listeners are tried: after the global middleware
        if key is None:
            return super().__iter__()
        routes, unkeyed = self._index or self._build_index()
        offered = routes.get(key)
        if offered is None:  # no listener for this name: those of its kind with no name, and the unkeyed
            offered = routes.get((key[0], None), unkeyed)
        return iter(offered)

    def _build_index(self) -> tuple[dict[Key, list[Listener]], list[Listener]]:
        """Per key, and per (kind, None), the listeners a request with that key is offered, in
        registration order; and the unkeyed alone (for a kind nothing was registered for)."""
        everyone = list(super().__iter__())
        keys = [self._keys.get(id(listener)) for listener in everyone]
        routes: dict[Key, list[Listener]] = {}
        named = {key for key in keys if key is not None}
        for kind, name in named | {(kind, None) for kind, _ in named}:
            wanted = (None, (kind, None), (kind, name))
            routes[kind, name] = [listener for listener, key in zip(everyone, keys, strict=True) if key in wanted]
        unkeyed = [listener for listener, key in zip(everyone, keys, strict=True) if key is None]
        self._index = (routes, unkeyed)
        return routes, unkeyed


_NONE = object()


class _Offering:
    """`with listeners.offering(body):` the listeners this thread iterates are the ones `body` may match."""

    def __init__(self, local: threading.local, body: Any) -> None:
        self._local, self._body = local, body

    def __enter__(self) -> None:
        self._previous = getattr(self._local, "body", _NONE)
        self._local.body = self._body

    def __exit__(self, *exc: object) -> None:
        self._local.body = self._previous


def keyed(listeners: IndexedListeners, kind: str, name: Any, register: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap the registering function Bolt's `app.command(name)` (etc.) returns: the listeners it
    registers get the key (kind, name), or (kind, None) when `name` is a pattern or a dict."""

    def registering(*args: Any, **kwargs: Any) -> Any:
        start = len(listeners)
        registered = register(*args, **kwargs)
        listeners.key_from(start, (kind, name if isinstance(name, str) else None))
        return registered

    return registering


class IndexedApp(App):
    """Bolt's App with its listeners indexed (`IndexedListeners`): registering works as in Bolt, and
    `dispatch` offers each request only the listeners it can match."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indexed = IndexedListeners(self._listeners)
        self._listeners = self.indexed  # the list Bolt registers into and dispatch iterates

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with self.indexed.offering(req.body):
            return super().dispatch(req)

    def command(self, command: Any, *args: Any, **kwargs: Any) -> Any:
        return keyed(self.indexed, "command", command, super().command(command, *args, **kwargs))

    def action(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        return keyed(self.indexed, "action", constraints, super().action(constraints, *args, **kwargs))

    def view(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        return keyed(self.indexed, "view", constraints, super().view(constraints, *args, **kwargs))

    def event(self, event: Any, *args: Any, **kwargs: Any) -> Any:
        return keyed(self.indexed, "event", event, super().event(event, *args, **kwargs))

    def shortcut(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        return keyed(self.indexed, "shortcut", constraints, super().shortcut(constraints, *args, **kwargs))

    def options(self, constraints: Any, *args: Any, **kwargs: Any) -> Any:
        return keyed(self.indexed, "options", constraints, super().options(constraints, *args, **kwargs))
