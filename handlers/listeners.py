"""The one error path of every listener, and the shape most button listeners share.

Work after the ack runs through `answered`: a `Refused` reaches the user as an ephemeral answer
(a DM when there is no channel); anything unexpected is logged with its traceback and the
listener's name, and the user gets the generic "nothing was changed" message. A modal submission
runs through `refusals_as_field_errors`: a `Refused` raised before the ack becomes the error
under the modal's first input.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import fastjson
from bot.background import answering
from bot.deps import Deps
from bot.messages import GENERIC_ERROR
from bot.refusals import FieldRefused, Refused
from handlers.replies import reply_ephemeral

log = logging.getLogger("salesbot.listeners")

Work = Callable[[WebClient, dict[str, Any]], object]
Submission = Callable[[Ack, dict[str, Any], dict[str, Any], WebClient], None]


def ack_answer(ack: Ack, answer: dict[str, Any]) -> None:
    """Answer in the ack with `answer` (text, blocks, response_type), encoded here: Bolt sends a string
    that starts with "{" as it is, as application/json (HTTP; Socket Mode decodes it into the
    envelope). Bolt's own encoding (the standard library's, checking for circular references) was a
    tenth of a `/lead list` ack's CPU for its 20 lines; orjson takes a tenth of that (bot.fastjson)."""
    ack(fastjson.dumps(answer))


def after_ack(app: App, deps: Deps, action: Any, work: Work) -> None:
    """Listen to `action` (an action_id, pattern or constraints, as `app.action` takes): ack at once,
    then run `work(client, body)` in the after-ack pool. Slack wants the ack within 3 seconds; the
    work may call Slack and the database as long as it needs."""
    name = listener_name(work)

    def acknowledge_then_work(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.background.submit(answered, name, client, body, work, client, body)

    acknowledge_then_work.__name__ = f"ack_then_{name}"
    app.action(action)(acknowledge_then_work)


def later(
    deps: Deps, client: WebClient, body: dict[str, Any], fn: Callable[..., object], *args: Any, **kwargs: Any
) -> None:
    """Run `fn(*args, **kwargs)` after the ack; its refusal or failure is answered to the user of `body`."""
    deps.background.submit(answered, listener_name(fn), client, body, fn, *args, **kwargs)


def answered(
    name: str, client: WebClient, body: dict[str, Any], fn: Callable[..., object], *args: Any, **kwargs: Any
) -> None:
    """Run `fn`; a refusal is shown to the user, a failure logged (naming `name`) and answered generically.
    The Slack call that ends it (`send_last`, made on a sender thread) fails the same way."""
    try:
        with answering(functools.partial(answered, name, client, body)):
            fn(*args, **kwargs)
    except Refused as refused:
        reply_ephemeral(client, body, refused.message)
    except Exception:
        log.exception("listener %s failed", name)
        reply_ephemeral(client, body, GENERIC_ERROR)


def refusals_as_field_errors(submission: Submission) -> Submission:
    """Wrap a view_submission listener: a `Refused` raised before the ack becomes a field error, under
    its field for a `FieldRefused`, else under the first input; nothing was written when either is raised."""

    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        try:
            submission(ack, body, view, client)
        except Refused as refused:
            if ack.response is not None:
                raise
            block = refused.field if isinstance(refused, FieldRefused) else first_input(view)
            ack(response_action="errors", errors={block: refused.message[:2000]})

    # Bolt passes arguments by parameter name, so the wrapper keeps its own signature (no __wrapped__).
    submitted.__name__ = submitted.__qualname__ = listener_name(submission)
    return submitted


def first_input(view: dict[str, Any]) -> str:
    """The block_id of the modal's first input, where a refusal is shown."""
    return next(
        (b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input" and b.get("block_id")), "topic"
    )


def listener_name(fn: Callable[..., object]) -> str:
    """A readable name for logs: the function's, or the wrapped one's for a functools.partial."""
    target = fn.func if isinstance(fn, functools.partial) else fn
    return getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or repr(target)
