"""What salesbot registers with Slack, recorded as it is registered so the manifest can be generated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App

EVENT_SCOPES = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "file_shared": "files:read",
}


@dataclass(frozen=True)
class SlashCommand:
    name: str
    description: str
    usage_hint: str = ""


@dataclass(frozen=True)
class Shortcut:
    callback_id: str
    name: str
    type: str  # global | message
    description: str


@dataclass
class Surface:
    app: App
    commands: list[SlashCommand] = field(default_factory=list)
    shortcuts: list[Shortcut] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    scopes: set[str] = field(default_factory=set)
    # `/salesbot WORD` handlers, keyed by WORD: fn(ack, body, client) -> None
    salesbot_subcommands: dict[str, Callable[..., None]] = field(default_factory=dict)
    # `/lead WORD` handlers beyond list/help/search (e.g. import): fn(ack, body, client) -> None
    lead_subcommands: dict[str, Callable[..., None]] = field(default_factory=dict)
    # App Home sections, drawn in `order`: fn(handlers.home.HomeRequest) -> list of blocks (one transaction)
    home_sections: list[tuple[int, Callable[..., list[dict[str, Any]]]]] = field(default_factory=list)
    oauth: bool = False  # OAuth mode: installed per workspace (uninstall events, install pages)

    def home_section(self, order: int) -> Callable[..., Any]:
        """Register an App Home section; lower `order` is drawn higher."""

        def add(fn: Callable[..., list[dict[str, Any]]]) -> Callable[..., list[dict[str, Any]]]:
            self.home_sections.append((order, fn))
            self.home_sections.sort(key=lambda item: item[0])
            return fn

        return add

    def command(self, name: str, description: str, usage_hint: str = "") -> Callable[..., Any]:
        self.commands.append(SlashCommand(name, description, usage_hint))
        self.scopes.add("commands")
        return self.app.command(name)

    def shortcut(self, callback_id: str, name: str, kind: str, description: str) -> Callable[..., Any]:
        self.shortcuts.append(Shortcut(callback_id, name, kind, description))
        self.scopes.add("commands")
        return self.app.shortcut(callback_id)

    def event(self, event_type: str, manifest_name: str | None = None, **kwargs: Any) -> Callable[..., Any]:
        """Subscribe to an event; `manifest_name` is the subscription (e.g. `message.channels`)."""
        name = manifest_name or event_type
        if name not in self.events:
            self.events.append(name)
        if name in EVENT_SCOPES:
            self.scopes.add(EVENT_SCOPES[name])
        return self.app.event(event_type, **kwargs)

    def subscribe(self, *manifest_names: str) -> None:
        """Add event subscriptions served by a listener registered elsewhere (e.g. message.im)."""
        for name in manifest_names:
            if name not in self.events:
                self.events.append(name)
            if name in EVENT_SCOPES:
                self.scopes.add(EVENT_SCOPES[name])

    def uses(self, *scopes: str) -> None:
        """Declare the bot scopes a Web API method we call needs (chat:write, users:read…)."""
        self.scopes.update(scopes)
