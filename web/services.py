"""What the web needs from the rest of the product, handed over by the hub: no chat adapter,
only the core's services and storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.clock import Clock
from bot.core.i18n import Catalogs
from bot.core.web_links import WebLinks
from bot.model.messenger import Messenger
from search.tool_catalogue import ToolCatalogue
from storage.db import Database
from storage.retention import RetentionPolicy
from web.limits import RateLimits


@dataclass
class WebServices:
    database: Database
    catalogs: Catalogs
    clock: Clock
    messenger: Messenger
    """Tells authors about replies, proposers about decisions: the hub's one Messenger port."""
    tools: ToolCatalogue
    links: WebLinks
    coordinators: frozenset[str] = frozenset()
    """Bootstrap coordinators (`platform:user_id`), as in the chat."""
    limits: RateLimits = field(default_factory=RateLimits)
    retention: RetentionPolicy | None = None
    """For the privacy text on the about page."""
    on_planned: Callable[[datetime], None] | None = None
    """Told the earliest due time of sends a page planned, once they are committed (the
    hub's delivery loop, as for the core)."""
