"""A Slack workspace in memory, as people in a browser see it: channels, DMs with the app, threads,
ephemeral messages, modal stacks and App Home tabs.

It watches the Web API stand-in (every call the app makes lands here) and plays the people: what they
type or click becomes the signed request Slack would send the app (slash command form, interaction
payload, Events API envelope), and the app's answer (ack body, response_url, `response_action`) is
applied as Slack applies it."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from slackstandin import payloads
from slackstandin.requests import Answer, SignedSender
from slackstandin.state import action, find_element, view_state
from slackstandin.web_api import BOT_USER_ID, FakeSlack, UserProfile

_block_ids = itertools.count(1)


@dataclass
class Person:
    id: str
    name: str
    role: str  # rep | colleague | manager | admin
    tz: str
    is_admin: bool = False


@dataclass
class Channel:
    id: str
    name: str
    kind: str = "channel"  # channel | im


@dataclass
class Post:
    ts: str
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    edited: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "ts": self.ts,
            "channel": self.channel,
            "user": self.user,
            "text": self.text,
            "blocks": self.blocks,
            "thread_ts": self.thread_ts,
            "ephemeral": bool(self.ephemeral_to),
            "files": self.files,
            "edited": self.edited,
        }


@dataclass
class Target:
    """Where a response_url's answer goes: the person, the channel, and the message it came from."""

    user: str
    channel: str
    ts: str | None = None


@dataclass
class Command:
    name: str
    description: str = ""
    usage: str = ""


def with_block_ids(blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Slack gives every block without a block_id one of its own."""
    return [b if b.get("block_id") else {**b, "block_id": f"s{next(_block_ids)}"} for b in blocks or []]


class Workspace:
    def __init__(
        self,
        api: FakeSlack,
        *,
        people: list[Person],
        channels: list[Channel],
        domain: str = "playground",
        commands: list[Command] | None = None,
        shortcuts: list[dict[str, str]] | None = None,
    ) -> None:
        self.api, self.team_id, self.domain = api, api.team_id, domain
        self.people = {p.id: p for p in people}
        self.channels = {c.id: c for c in channels}
        for person in people:
            self.channels[f"D{person.id}"] = Channel(f"D{person.id}", "salesbot", "im")
            api.users[person.id] = UserProfile(tz=person.tz, is_admin=person.is_admin, real_name=person.name)
        for channel in channels:
            api.channels.setdefault(channel.id, {"is_private": False, "is_member": False})
        self.commands = commands or []
        self.shortcuts = shortcuts or []
        self.sender: SignedSender | None = None
        self.posts: list[Post] = []
        self.views: dict[str, list[dict[str, Any]]] = {}
        self.homes: dict[str, dict[str, Any]] = {}
        self.alerts: list[dict[str, Any]] = []
        self._triggers: dict[str, str] = {}
        self._targets: dict[str, Target] = {}
        self._lock = threading.RLock()
        self._changed = threading.Condition()
        self.version = 0
        api.observers.append(self.observe)

    # change notification -------------------------------------------------------------------------
    def bump(self) -> None:
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def wait_change(self, seen: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen, timeout=timeout)
            return self.version

    def alert(self, text: str, user: str | None = None) -> None:
        with self._lock:
            self.alerts.append({"id": len(self.alerts) + 1, "user": user, "text": text, "at": time.time()})
        self.bump()

    # what the app does (Web API calls, response_url posts) -----------------------------------------
    def observe(self, method: str, args: dict[str, Any], answer: dict[str, Any]) -> None:
        handler = getattr(self, "_on_" + method.replace(".", "_"), None)
        if handler is None:
            return
        with self._lock:
            handler(args, answer)
        self.bump()

    def _on_error(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        problems = f"{args.get('error') or 'invalid_blocks'} — " + "; ".join(args.get("errors") or [])
        self.alerts.append(
            {
                "id": len(self.alerts) + 1,
                "user": None,
                "at": time.time(),
                "text": f"Slack rejected {args.get('method')}: {problems}",
            }
        )

    def _on_chat_postMessage(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        channel = str(answer.get("channel") or args.get("channel"))
        self.posts.append(
            Post(
                str(answer["ts"]),
                channel,
                BOT_USER_ID,
                str(args.get("text") or ""),
                with_block_ids(args.get("blocks")),
                thread_ts=args.get("thread_ts") or None,
            )
        )

    def _on_chat_postEphemeral(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        channel = str(args.get("channel") or "")
        channel = f"D{channel}" if channel[:1] in ("U", "W") else channel
        self.posts.append(
            Post(
                str(answer["message_ts"]),
                channel,
                BOT_USER_ID,
                str(args.get("text") or ""),
                with_block_ids(args.get("blocks")),
                thread_ts=args.get("thread_ts") or None,
                ephemeral_to=str(args.get("user")),
            )
        )

    def _on_chat_update(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        post = self.find_post(str(args.get("channel")), str(args.get("ts")))
        if post is not None:
            post.text = str(args.get("text") or post.text)
            if "blocks" in args:
                post.blocks = with_block_ids(args.get("blocks"))
            post.edited = True

    def _on_chat_delete(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        post = self.find_post(str(args.get("channel")), str(args.get("ts")))
        if post is not None:
            self.posts.remove(post)

    def _on_views_open(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        user = self._triggers.get(str(args.get("trigger_id")))
        if user:
            view = self._stamp(args["view"], root=None)
            self.views[user] = [view]

    def _on_views_push(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        user = self._triggers.get(str(args.get("trigger_id")))
        if user:
            stack = self.views.setdefault(user, [])
            stack.append(self._stamp(args["view"], root=stack[0] if stack else None))

    def _on_views_update(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        wanted = args.get("view_id") or args.get("external_id")
        for stack in self.views.values():
            for index, view in enumerate(stack):
                if wanted in (view.get("id"), view.get("external_id")):
                    stack[index] = self._stamp({**args["view"], "id": view["id"]}, root=stack[0])

    def _on_views_publish(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        self.homes[str(args.get("user_id"))] = self._stamp(args["view"], root=None)

    def _on_files_completeUploadExternal(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        files = [
            {
                "id": f.get("id"),
                "title": f.get("title") or "",
                "name": self.api.file_names.get(str(f.get("id")), str(f.get("id"))),
            }
            for f in args.get("files") or []
        ]
        channel = str(args.get("channel_id") or args.get("channels") or "")
        if channel:
            self.posts.append(
                Post(
                    self.api.new_ts(),
                    channel,
                    BOT_USER_ID,
                    str(args.get("initial_comment") or ""),
                    [],
                    thread_ts=args.get("thread_ts") or None,
                    files=files,
                )
            )

    def _on_response_url(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        target = self._targets.get(str(args.get("_url")))
        if target is None:
            return
        original = self.find_post(target.channel, target.ts) if target.ts else None
        if _truthy(args.get("delete_original")):
            if original is not None:
                self.posts.remove(original)
            return
        blocks, text = with_block_ids(args.get("blocks")), str(args.get("text") or "")
        replace = _truthy(args.get("replace_original"))
        if replace and original is not None:
            original.blocks, original.text, original.edited = blocks, text, True
            return
        in_channel = args.get("response_type") == "in_channel"
        post = Post(
            self.api.new_ts(),
            target.channel,
            BOT_USER_ID,
            text,
            blocks,
            ephemeral_to=None if in_channel else target.user,
        )
        self.posts.append(post)
        if replace and target.ts is None:
            target.ts = post.ts  # it answered before its ack arrived: the ack is superseded

    def _stamp(self, view: dict[str, Any], *, root: dict[str, Any] | None) -> dict[str, Any]:
        view = {**view, "blocks": with_block_ids(view.get("blocks")), "hash": f"{time.time():.6f}.h"}
        view.setdefault("id", f"V{next(_block_ids)}")
        view["root_view_id"] = root["id"] if root else view["id"]
        return view

    # reading -------------------------------------------------------------------------------------
    def find_post(self, channel: str, ts: str | None) -> Post | None:
        return next((p for p in self.posts if p.channel == channel and p.ts == ts), None)

    def snapshot(self, user: str) -> dict[str, Any]:
        """Everything `user` can see, for the page."""
        with self._lock:
            posts = [p.as_json() for p in self.posts if p.ephemeral_to in (None, user)]
            return {
                "version": self.version,
                "team": self.team_id,
                "me": user,
                "people": [vars(p) for p in self.people.values()],
                "channels": [vars(c) for c in self.channels.values() if c.kind == "channel" or c.id == f"D{user}"],
                "commands": [vars(c) for c in self.commands],
                "shortcuts": self.shortcuts,
                "posts": posts,
                "views": self.views.get(user, []),
                "home": self.homes.get(user),
                "alerts": [a for a in self.alerts if a["user"] in (None, user)][-5:],
            }

    # what people do ------------------------------------------------------------------------------
    def _person(self, user: str) -> Person:
        return self.people[user]

    def _user_ref(self, user: str) -> dict[str, Any]:
        return payloads.user_ref(self.team_id, user, self._person(user).name.split()[0].lower())

    def _trigger(self, user: str) -> str:
        trigger = payloads.trigger_id()
        self._triggers[trigger] = user
        self.api.triggers[trigger] = time.monotonic()
        return trigger

    def _response_url(self, target: Target) -> str:
        url = self.api.response_url()
        self._targets[url] = target
        return url

    def _send(self) -> SignedSender:
        if self.sender is None:
            raise RuntimeError("no app to send to: set workspace.sender")
        return self.sender

    def command(self, user: str, channel: str, line: str) -> None:
        name, _, text = line.strip().partition(" ")
        if name not in {c.name for c in self.commands}:
            self.alert(f"{name} is not a valid command. In Slack, messages that start with “/” are commands.", user)
            return
        target = Target(user, channel)
        fields = payloads.slash_command(
            team_id=self.team_id,
            domain=self.domain,
            user_id=user,
            user_name=self._user_ref(user)["name"],
            channel_id=channel,
            channel_name=self.channels[channel].name if channel in self.channels else channel,
            command=name,
            text=text.strip(),
            response_url=self._response_url(target),
            trigger=self._trigger(user),
        )
        answer = self._send().post_form(fields)
        if not self._failed(answer, name, user):
            self._ack_message(answer, target)

    def _failed(self, answer: Answer, what: str, user: str) -> bool:
        if answer.status == 200:
            return False
        reason = "operation_timeout" if answer.status == 0 else "dispatch_failed"
        self.alert(f"{what} failed with the error “{reason}” (HTTP {answer.status or 'no answer in 3 s'})", user)
        return True

    def _ack_message(self, answer: Answer, target: Target) -> None:
        data: dict[str, Any] | None = (
            answer.json if isinstance(answer.json, dict) else ({"text": answer.body} if answer.body else None)
        )
        if not data or not (data.get("text") or data.get("blocks")):
            return
        in_channel = data.get("response_type") == "in_channel"
        with self._lock:
            if target.ts is not None:  # the app already replaced its ack through the response_url
                return
            post = Post(
                self.api.new_ts(),
                target.channel,
                BOT_USER_ID,
                str(data.get("text") or ""),
                with_block_ids(data.get("blocks") if isinstance(data.get("blocks"), list) else None),
                ephemeral_to=None if in_channel else target.user,
            )
            self.posts.append(post)
            target.ts = post.ts
        self.bump()

    def say(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> None:
        """A person posts a message (in a thread when `thread_ts`): it shows, and the app gets the event.
        As Slack does, the text arrives with `&`, `<` and `>` escaped (what a person types is never markup)."""
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        with self._lock:
            ts = self.api.new_ts() if self.api.realistic_ts else f"{time.time():.6f}"
            self.posts.append(Post(ts, channel, user, text, [], thread_ts=thread_ts))
            parent = self.find_post(channel, thread_ts) if thread_ts else None
        self.bump()
        kind = "im" if channel.startswith("D") else "channel"
        event = payloads.message_event(
            team_id=self.team_id,
            user_id=user,
            channel_id=channel,
            text=text,
            ts=ts,
            thread_ts=thread_ts,
            parent_user_id=parent.user if parent else None,
            channel_type=kind,
            real_name=self._person(user).name,
        )
        self._send().post_event_in_background(self._envelope(event))

    def _envelope(self, event: dict[str, Any]) -> dict[str, Any]:
        return payloads.event_callback(event, team_id=self.team_id, bot_user_id=BOT_USER_ID)

    def open_home(self, user: str) -> None:
        event = payloads.app_home_opened(user_id=user, channel_id=f"D{user}", view=self.homes.get(user))
        self._send().post_event(self._envelope(event))

    def act_on_message(self, user: str, channel: str, ts: str, block_id: str, action_id: str, raw: dict) -> None:
        post = self.find_post(channel, ts)
        if post is None:
            return
        element = find_element(post.blocks, block_id, action_id)
        block = next((b for b in post.blocks if b.get("block_id") == block_id), {})
        if element is None:
            return
        target = Target(user, channel, ts)
        fields: dict[str, Any] = {
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": bool(post.ephemeral_to),
            },
            "channel": {"id": channel, "name": self.channels[channel].name if channel in self.channels else channel},
            "response_url": self._response_url(target),
            "actions": [action(block, element, raw, self._person(user).tz, f"{time.time():.6f}")],
            "state": {"values": {}},
        }
        if not post.ephemeral_to:
            fields["message"] = {
                "type": "message",
                "user": post.user,
                "ts": ts,
                "text": post.text,
                "blocks": post.blocks,
                "team": self.team_id,
                **({"thread_ts": post.thread_ts} if post.thread_ts else {}),
            }
        self._interact("block_actions", user, fields, what="That button")

    def act_on_view(
        self, user: str, view_id: str, block_id: str, action_id: str, raw: dict, values: dict[str, Any] | None = None
    ) -> None:
        view = self._view(user, view_id)
        if view is None:
            return
        element = find_element(view.get("blocks", []), block_id, action_id)
        block: dict[str, Any] = next((b for b in view.get("blocks", []) if b.get("block_id") == block_id), {})
        if element is None:
            return
        tz = self._person(user).tz
        fields = {
            "container": {"type": "view", "view_id": view["id"]},
            "view": payloads.view_payload(
                view, team_id=self.team_id, state=view_state(view["blocks"], values or {}, tz)
            ),
            "actions": [action(block, element, raw, tz, f"{time.time():.6f}")],
        }
        self._interact("block_actions", user, fields, what="That button")

    def _view(self, user: str, view_id: str) -> dict[str, Any] | None:
        home = self.homes.get(user)
        if home and home.get("id") == view_id:
            return home
        return next((v for v in self.views.get(user, []) if v.get("id") == view_id), None)

    def _interact(self, kind: str, user: str, fields: dict[str, Any], *, what: str) -> Answer:
        payload = payloads.interaction(
            kind,
            team=payloads.team_ref(self.team_id, self.domain),
            user=self._user_ref(user),
            trigger=self._trigger(user),
            **fields,
        )
        answer = self._send().post_payload(payload)
        self._failed(answer, what, user)
        return answer

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> None:
        view = self._view(user, view_id)
        if view is None:
            return
        state = view_state(view.get("blocks", []), values, self._person(user).tz)
        fields = {"view": payloads.view_payload(view, team_id=self.team_id, state=state), "response_urls": []}
        answer = self._interact("view_submission", user, fields, what="Submitting the form")
        if answer.status != 200:
            return
        self._apply_response_action(user, view_id, answer.json if isinstance(answer.json, dict) else {})

    def _apply_response_action(self, user: str, view_id: str, data: dict[str, Any]) -> None:
        with self._lock:
            stack = self.views.get(user, [])
            index = next((i for i, v in enumerate(stack) if v.get("id") == view_id), None)
            if index is None:
                return
            kind = data.get("response_action")
            if kind == "errors":
                stack[index] = {**stack[index], "errors": data.get("errors") or {}}
            elif kind == "update":
                stack[index] = self._stamp({**data["view"], "id": view_id}, root=stack[0])
            elif kind == "push":
                stack.append(self._stamp(data["view"], root=stack[0]))
            elif kind == "clear":
                stack.clear()
            else:
                del stack[index:]
        self.bump()

    def close(self, user: str, view_id: str) -> None:
        with self._lock:
            stack = self.views.get(user, [])
            view = next((v for v in stack if v.get("id") == view_id), None)
            if view is None:
                return
            del stack[stack.index(view) :]
        self.bump()
        if view.get("notify_on_close"):
            fields = {
                "view": payloads.view_payload(view, team_id=self.team_id, state={}),
                "is_cleared": False,
            }
            self._interact("view_closed", user, fields, what="Closing the form")

    def shortcut(self, user: str, callback_id: str, channel: str | None = None, ts: str | None = None) -> None:
        if channel and ts:
            post = self.find_post(channel, ts)
            if post is None:
                return
            fields = {
                "callback_id": callback_id,
                "action_ts": f"{time.time():.6f}",
                "message_ts": ts,
                "channel": {
                    "id": channel,
                    "name": self.channels[channel].name if channel in self.channels else channel,
                },
                "message": {
                    "type": "message",
                    "user": post.user,
                    "ts": ts,
                    "text": post.text,
                    "team": self.team_id,
                    "blocks": post.blocks,
                },
                "response_url": self._response_url(Target(user, channel, None)),
            }
            self._interact("message_action", user, fields, what="That shortcut")
            return
        self._interact(
            "shortcut", user, {"callback_id": callback_id, "action_ts": f"{time.time():.6f}"}, what="That shortcut"
        )

    def suggest(self, user: str, view_id: str, block_id: str, action_id: str, value: str) -> list[dict[str, Any]]:
        """An external select's options: a `block_suggestion` to the app (its options listener answers)."""
        view = self._view(user, view_id)
        if view is None:
            return []
        fields = {
            "block_id": block_id,
            "action_id": action_id,
            "value": value,
            "container": {"type": "view", "view_id": view_id},
            "view": payloads.view_payload(view, team_id=self.team_id, state={}),
        }
        answer = self._interact("block_suggestion", user, fields, what="Loading options")
        data = answer.json if isinstance(answer.json, dict) else {}
        groups = data.get("option_groups") or []
        return list(data.get("options") or []) + [o for g in groups for o in g.get("options", [])]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
