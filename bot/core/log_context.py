"""What the log lines of the running task are about: platform, community and update id."""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class LogContext:
    platform: str | None = None
    community_id: int | None = None
    update_id: str | None = None


NOTHING_YET = LogContext()
_current: ContextVar[LogContext] = ContextVar("leeratelier_log_context", default=NOTHING_YET)


def current() -> LogContext:
    return _current.get()


def begin_update(platform: str) -> str:
    """A fresh context for one incoming update (each asyncio task has its own copy)."""
    update_id = secrets.token_hex(6)
    _current.set(LogContext(platform=platform, update_id=update_id))
    return update_id


def bind(*, platform: str | None = None, community_id: int | None = None) -> None:
    """Add what became known while handling (the community, once resolved)."""
    context = _current.get()
    _current.set(
        replace(
            context,
            platform=platform or context.platform,
            community_id=community_id if community_id is not None else context.community_id,
        )
    )
