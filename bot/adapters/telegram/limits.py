"""Outbound pacing for Telegram: about 30 messages/s overall, 1/s per private chat and
20/min per group, with a pause-and-retry on 429 (RetryAfter). Nothing is ever dropped.

PTB's own AIORateLimiter knows no per-private-chat limit and allows bursts at its edges.
Here the overall and private limits are even spacing (no bursts, so jitter on the way cannot
push a second over the limit at Telegram's end); groups get a sliding window, so a reply of a
few messages is not spread over minutes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.adapters.base import RateLimitStats

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
MARGIN = 1.03
"""Windows are a little longer than Telegram's, so clock jitter never makes a burst too big."""


class Pacer:
    """Even spacing: one request per `period / limit`. Unlike a sliding window it never
    releases a burst, so jitter on the way to the server cannot squeeze too many into a
    second there.

    Slots sit on a grid: a request that went out a few milliseconds late (the event loop's
    sleep overshoots) does not push every later slot back, which over a broadcast of hundreds
    of messages would add up to several percent. Only a request later than `TOLERANCE`
    restarts the grid from itself. Two requests are never closer than `interval - TOLERANCE`,
    so any window of `period` still holds at most `limit` requests: the margin covers it."""

    TOLERANCE = 0.005

    def __init__(self, limit: int, period: float) -> None:
        self.interval = period * MARGIN / limit
        self.lock = asyncio.Lock()
        self._next = -1e9

    def wait_time(self, now: float) -> float:
        return max(0.0, self._next - now)

    def record(self, now: float) -> None:
        self._next = max(self._next + self.interval, now + self.interval - self.TOLERANCE)

    def moved(self, reserved: float, now: float) -> None:
        """A reserved request went out later than reserved: count it when it went."""
        self._next = max(self._next, now + self.interval - self.TOLERANCE)

    @property
    def idle(self) -> bool:
        return self.wait_time(time.monotonic()) == 0.0 and not self.lock.locked()


class SlidingWindow:
    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period * MARGIN
        self.lock = asyncio.Lock()
        self._sent: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        while self._sent and self._sent[0] <= now - self.period:
            self._sent.popleft()
        if len(self._sent) < self.limit:
            return 0.0
        return self._sent[0] + self.period - now

    def record(self, now: float) -> None:
        self._sent.append(now)

    def moved(self, reserved: float, now: float) -> None:
        """A reserved request went out later than reserved: count it when it went."""
        if reserved in self._sent:
            self._sent.remove(reserved)
        self._sent.append(now)

    @property
    def idle(self) -> bool:
        return self.wait_time(time.monotonic()) == 0.0 and not self.lock.locked()


def is_message(endpoint: str) -> bool:
    """Requests Telegram counts against its message limits."""
    return endpoint.startswith(("send", "edit", "copy", "forward"))


class TelegramRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        *,
        overall_per_second: int = 30,
        private_per_second: int = 1,
        group_per_minute: int = 20,
        max_retries: int = 20,
    ) -> None:
        self._overall = Pacer(overall_per_second, 1.0)
        self._private_per_second = private_per_second
        self._group_per_minute = group_per_minute
        self._chats: dict[str, Pacer | SlidingWindow] = {}
        self._max_retries = max_retries
        self._resume_at = 0.0
        self._reserved: dict[str, deque[float]] = {}
        self.retries_after_429 = 0
        self.stats = RateLimitStats()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        chat_id = data.get("chat_id")
        counted = is_message(endpoint) and chat_id is not None
        retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        for attempt in range(retries + 1):
            await self._wait_out_pause()
            if counted:
                reserved = self._use_reservation(str(chat_id)) if attempt == 0 else None
                if reserved is None:
                    await self._take_slot(str(chat_id))
                else:
                    await self._send_reserved(str(chat_id), reserved)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == retries:
                    raise
                self.retries_after_429 += 1
                # As PTB's own limiter does: the public attribute warns about its future type.
                seconds = error._retry_after.total_seconds()
                log.info("Telegram asked to slow down; pausing %.1f s", seconds)
                self.stats.record(seconds)
                self._resume_at = max(self._resume_at, time.monotonic() + seconds + 0.1)
        raise AssertionError("unreachable")

    async def reserve(self, chat_id: str) -> None:
        """Wait until the chat's limit lets a message to `chat_id` go now and keep that slot
        for it: the next counted request to the chat uses it instead of waiting for the chat
        again (it still takes its turn in the overall pace, a few milliseconds). The delivery
        policy reserves before the scheduler claims a row, so a row waits for its chat while
        still pending."""
        await self._wait_out_pause()
        chat = self._chat_window(chat_id)
        async with chat.lock:
            await wait_for_slot(chat)
            reserved = time.monotonic()
            chat.record(reserved)
        self._reserved.setdefault(chat_id, deque()).append(reserved)

    def release(self, chat_id: str) -> None:
        """A reserved slot no message will use."""
        self._use_reservation(chat_id)

    def _use_reservation(self, chat_id: str) -> float | None:
        held = self._reserved.get(chat_id)
        if not held:
            return None
        reserved = held.popleft()
        if not held:
            del self._reserved[chat_id]
        return reserved

    async def _send_reserved(self, chat_id: str, reserved: float) -> None:
        """Use a reservation of the chat's slot: the overall pace is taken now, and the
        chat's window counts the request when it really goes (later is always safe)."""
        async with self._overall.lock:
            await wait_for_slot(self._overall)
            now = time.monotonic()
            self._overall.record(now)
        self._chat_window(chat_id).moved(reserved, now)

    async def _wait_out_pause(self) -> None:
        while (delay := self._resume_at - time.monotonic()) > 0:  # noqa: ASYNC110 - waits for time
            await asyncio.sleep(delay)

    async def _take_slot(self, chat_id: str) -> float:
        chat = self._chat_window(chat_id)
        async with chat.lock:
            await wait_for_slot(chat)
            async with self._overall.lock:
                await wait_for_slot(self._overall)
                now = time.monotonic()
                chat.record(now)
                self._overall.record(now)
                return now

    def _chat_window(self, chat_id: str) -> Pacer | SlidingWindow:
        known = self._chats.get(chat_id)
        if known is not None:
            return known
        if len(self._chats) > 4096:
            self._chats = {k: w for k, w in self._chats.items() if not w.idle}
        window: Pacer | SlidingWindow = (
            SlidingWindow(self._group_per_minute, 60.0)
            if chat_id.startswith("-")
            else Pacer(self._private_per_second, 1.0)
        )
        self._chats[chat_id] = window
        return window


async def wait_for_slot(window: Pacer | SlidingWindow) -> None:
    """Sleep until `window` has room for one more request."""
    while (delay := window.wait_time(time.monotonic())) > 0:  # noqa: ASYNC110 - waits for time
        await asyncio.sleep(delay)
