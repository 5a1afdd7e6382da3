"""Delivers scheduled sends: claim a due row atomically, render it, send it, record it.

Semantics, chosen so a reminder is never sent twice:
- A row is claimed (pending → sending) in one short transaction; only the claimer sends it.
- Rendering happens from the data as it is at that moment (a moved meeting shows its new time),
  and outside any transaction while the platform is called.
- A temporary failure puts the row back to pending with a back-off; a permanent refusal (the
  bot was removed, a member blocks direct messages) marks it failed, once, without retries.
- Missed during downtime: still sent, marked late, while it is useful (before `stale_at`,
  the meeting's start); otherwise skipped.
- A process that stopped between claim and send leaves the row in `sending`. After the lease
  it is marked failed, not resent: the platform may already have it, and at most once is the
  promise (documented in the README).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import log_context
from bot.core.button_codec import ButtonStore
from bot.core.clock import Clock
from bot.core.i18n import Catalogs
from bot.core.outbox import SendContext, target_of
from bot.core.router import Router
from bot.model.messages import Reply
from bot.model.messenger import DeliveryRefused, Messenger
from storage.db import Database
from storage.models import ScheduledSend, SendState
from storage.repositories import Repositories

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=2)
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1))


@dataclass(frozen=True)
class Outcome:
    state: SendState
    error: str | None = None


class Dispatcher:
    def __init__(
        self,
        *,
        database: Database,
        router: Router,
        catalogs: Catalogs,
        clock: Clock,
        messenger: Messenger,
        worker: str,
        buttons: ButtonStore | None = None,
        batch: int = 200,
        concurrency: int = 100,
        lease: timedelta = timedelta(minutes=10),
        max_attempts: int = len(BACKOFF) + 1,
    ) -> None:
        self._database = database
        self._router = router
        self._buttons = buttons or ButtonStore()
        self._catalogs = catalogs
        self._clock = clock
        self._messenger = messenger
        self.worker = worker
        self._batch = batch
        self._concurrency = concurrency
        self._lease = lease
        self._max_attempts = max_attempts
        self._running = asyncio.Lock()

    async def run_due(self) -> int:
        """Deliver everything due now; returns how many rows this worker handled.

        A pipeline: while earlier sends wait for the platform's rate limits, the next due rows
        are claimed and rendered, at most `concurrency` in flight (so a stop mid-burst leaves
        few rows interrupted).
        """
        handled = 0
        in_flight: set[asyncio.Task[None]] = set()
        async with self._running:
            while True:
                room = self._concurrency - len(in_flight)
                claimed = await self._claim(min(room, self._batch)) if room > 0 else []
                for row in claimed:
                    in_flight.add(asyncio.create_task(self._deliver(row.id)))
                handled += len(claimed)
                if not in_flight:
                    return handled
                if room <= 0 or not claimed:
                    _done, in_flight = await asyncio.wait(
                        in_flight, return_when=asyncio.FIRST_COMPLETED
                    )

    async def _claim(self, limit: int) -> list[ScheduledSend]:
        async with self._database.session() as session:
            return await Repositories.bind(session).schedule.claim_due(
                self._clock.now(), self.worker, limit
            )

    async def next_due(self) -> datetime | None:
        async with self._database.session() as session:
            return await Repositories.bind(session).schedule.next_due()

    async def give_up_interrupted(self) -> int:
        """Rows left in `sending` by a process that stopped mid-send: failed, never resent."""
        async with self._database.session() as session:
            stuck = await Repositories.bind(session).schedule.interrupted(
                self._clock.now() - self._lease
            )
            for row in stuck:
                row.state = SendState.FAILED
                row.last_error = "interrupted between claim and send; not resent (at most once)"
                log.warning("scheduled send %s was interrupted mid-send; marked failed", row.id)
            return len(stuck)

    async def _deliver(self, send_id: int) -> None:
        try:
            prepared = await self._render(send_id)
            if isinstance(prepared, Outcome):
                outcome = prepared
            else:
                outcome = await self._send(*prepared)
        except Exception as error:
            log.exception("scheduled send %s could not be delivered", send_id)
            outcome = Outcome(SendState.PENDING, f"{type(error).__name__}: {error}")
        await self._record(send_id, outcome)

    async def _render(self, send_id: int) -> Outcome | tuple[ScheduledSend, list[Reply], bool]:
        now = self._clock.now()
        async with self._database.session() as session:
            repos = Repositories.bind(session)
            send = await repos.schedule.get(send_id)
            assert send is not None
            log_context.bind(platform=send.platform, community_id=send.community_id)
            if send.stale_at is not None and now >= send.stale_at:
                return Outcome(SendState.SKIPPED, "no longer useful")
            community = await repos.communities.get(send.community_id)
            render = self._router.find_renderer(send.kind)
            if community is None or render is None:
                return Outcome(SendState.FAILED, f"nothing renders {send.kind!r}")
            late = now - send.due_at > LATE_AFTER
            ctx = SendContext(
                send=send,
                community=community,
                repos=repos,
                t=self._catalogs.translator(await self._language(repos, send, community.language)),
                catalogs=self._catalogs,
                clock=self._clock,
                late=late,
            )
            replies = await self._buttons.seal(repos, send.platform, await render(ctx) or [], now)
        if not replies:
            return Outcome(SendState.SKIPPED, "no longer relevant")
        return send, replies, late

    async def _language(self, repos: Repositories, send: ScheduledSend, fallback: str) -> str:
        if send.member_id is None:
            return fallback
        member = await repos.members.get(send.member_id)
        return member.language if member is not None and member.language else fallback

    async def _send(self, send: ScheduledSend, replies: list[Reply], late: bool) -> Outcome:
        try:
            await self._messenger.send(target_of(send), replies)
        except DeliveryRefused as refusal:
            log.warning("scheduled send %s refused by %s: %s", send.id, send.platform, refusal)
            return Outcome(SendState.FAILED, f"refused: {refusal}")
        except Exception as error:
            return Outcome(SendState.PENDING, f"{type(error).__name__}: {error}")
        return Outcome(SendState.SENT)

    async def _record(self, send_id: int, outcome: Outcome) -> None:
        now = self._clock.now()
        async with self._database.session() as session:
            send = await Repositories.bind(session).schedule.get(send_id)
            assert send is not None
            send.last_error = (outcome.error or None) and outcome.error[:500]
            if outcome.state is SendState.SENT:
                send.state = SendState.SENT
                send.sent_at = now
                send.late = now - send.due_at > LATE_AFTER
            elif outcome.state is SendState.PENDING and send.attempts < self._max_attempts:
                send.state = SendState.PENDING
                send.due_at = now + BACKOFF[min(send.attempts, len(BACKOFF)) - 1]
            elif outcome.state is SendState.PENDING:
                send.state = SendState.FAILED
                log.error("scheduled send %s failed %d times; giving up", send.id, send.attempts)
            else:
                send.state = outcome.state
