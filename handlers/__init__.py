"""Thin Slack listeners: ack, parse, call bot.*, render bot.views, respond."""

from __future__ import annotations

from bot.deps import Deps
from bot.surface import Surface
from handlers import (
    admin,
    admin_export,
    admin_manage,
    alerts,
    card_buttons,
    deal_rooms,
    errors,
    fallbacks,
    home,
    imports,
    leads,
    message_events,
    middleware,
    opportunities,
    pipeline,
    quote_listeners,
    salesbot_command,
    shortcuts,
)
from handlers import assignment as assignment_listeners
from handlers import contacts as contact_listeners
from handlers import erasure as erasure_listeners
from handlers import people as people_listeners
from handlers import routing as routing_listeners
from handlers import sequences as sequence_listeners
from handlers import tasks as task_listeners
from handlers import teams as team_listeners
from handlers import work_queue as work_queue_listeners
from handlers import workspaces as workspace_listeners


def register(surface: Surface, deps: Deps) -> None:
    middleware.register(surface, deps)
    errors.register(surface, deps)
    leads.register(surface, deps)
    card_buttons.register(surface, deps)
    message_events.register(surface, deps)
    imports.register(surface, deps)
    shortcuts.register(surface, deps)
    admin.register(surface, deps)
    admin_manage.register(surface, deps)
    admin_export.register(surface, deps)
    workspace_listeners.register(surface, deps)
    home.register(surface, deps)
    salesbot_command.register(surface, deps)
    opportunities.register(surface, deps)
    sequence_listeners.register(surface, deps)
    work_queue_listeners.register(surface, deps)
    task_listeners.register(surface, deps)
    team_listeners.register(surface, deps)
    assignment_listeners.register(surface, deps)
    people_listeners.register(surface, deps)
    erasure_listeners.register(surface, deps)
    contact_listeners.register(surface, deps)
    pipeline.register(surface, deps)
    alerts.register(surface, deps)
    deal_rooms.register(surface, deps)
    quote_listeners.register(surface, deps)
    routing_listeners.register(surface, deps)
    # keep last: it answers every card button no listener above has claimed
    fallbacks.register(surface, deps)
