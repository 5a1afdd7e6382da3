"""Rate limits for the login and search endpoints: a sliding window per client address.

Kept in memory on purpose: the limits protect this one process against guessing and
scraping; several processes each keep their own window, which only makes the sum looser.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Window:
    limit: int
    seconds: float
    _hits: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, key: str, now: float) -> bool:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        if len(self._hits) > 10_000:
            self._forget_idle(now)
        return True

    def _forget_idle(self, now: float) -> None:
        self._hits = {
            key: hits for key, hits in self._hits.items() if hits and hits[-1] > now - self.seconds
        }


@dataclass
class RateLimits:
    login: Window = field(default_factory=lambda: Window(limit=10, seconds=60))
    search: Window = field(default_factory=lambda: Window(limit=120, seconds=60))
    monotonic: Callable[[], float] = time.monotonic
