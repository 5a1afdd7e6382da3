"""Capabilities, one module or package each, registered explicitly on one router."""

from __future__ import annotations

from bot.core.router import Router
from bot.core.web_links import WebLinks
from bot.dialogs import engine as dialogs
from bot.dialogs.engine import DialogEngine
from bot.handlers import (
    community_settings,
    digest,
    experiments,
    help,
    privacy,
    reflections,
    replies,
    tools,
    web_login,
)
from bot.handlers.export import commands as export
from bot.handlers.meetings import commands as meetings
from bot.handlers.participation import commands as participation
from bot.handlers.participation import pledges, stats
from storage.retention import RetentionPolicy


def build_router(
    retention: RetentionPolicy | None = None,
    web: WebLinks | None = None,
) -> tuple[Router, DialogEngine]:
    """Every command, button action and form of the bot, and the engine that runs the forms.
    `web` is where the online platform lives, when it runs."""
    router = Router()
    help.register(router)
    tools.register(router)
    experiments.register(router)
    reflections.register(router)
    meetings.register(router)
    participation.register(router)
    pledges.register(router)
    digest.register(router)
    stats.register(router)
    community_settings.register(router)
    privacy.register(router, retention or RetentionPolicy())
    export.register(router)
    replies.register(router)
    web_login.register(router, web)
    engine = dialogs.attach(router)
    return router, engine
