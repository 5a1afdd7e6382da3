"""Delivers scheduled sends and parked replies: each row is claimed only in its chat's turn,
when the platform's pacer is ready for it, then rendered, sent and recorded.

Semantics (README, "Delivery"):
- Due rows stay `pending` while they wait; the messenger runs one row per chat at a time and
  hands it the turn only when the platform's limits let it go now. Only then is the row
  claimed (pending → sending, atomically), so a kill can interrupt at most the one send in
  flight per chat.
- Rendering happens from the data as it is at that moment (a moved meeting shows its new time).
- refused: failed, once, never retried. not sent: back to pending with a back-off.
  unknown (written, no answer): resent with the same key where the platform deduplicates
  (Discord's nonce), otherwise marked `unknown` and never resent (Telegram: at most once).
- A row found `sending` at start belongs to a process that stopped mid-send: resent where the
  platform deduplicates and its nonce is still remembered, otherwise marked `unknown`.
- Missed during downtime: still sent, marked late, while it is useful (before `stale_at`,
  the meeting's start); otherwise skipped.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import OperationalError

from bot.core import log_context
from bot.core.button_codec import ButtonStore
from bot.core.clock import Clock
from bot.core.i18n import Catalogs
from bot.core.outbox import SendContext
from bot.core.router import Router
from bot.model.messages import ChatTarget, MemberTarget, Reply, Target
from bot.model.messenger import (
    DeliveryFailed,
    DeliveryRefused,
    DeliveryStopped,
    DeliveryUnknown,
    Messenger,
    Sender,
)
from bot.model.reply_codec import reply_from_json
from storage.db import Database
from storage.models import ScheduledSend, SendState
from storage.repositories import Repositories
from storage.repositories.schedule import PARKED_KIND, DueSend

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=2)
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1))
RESEND_UNKNOWN_AFTER = timedelta(seconds=5)
"""An unknown send on a deduplicating platform is tried again soon, well inside its nonce's
memory."""
RECORD_TRIES = 5
RESCAN_SECONDS = 0.25
"""The longest a run waits before it looks for rows that fell due since (one short read)."""
RESCAN_FLOOR_SECONDS = 0.01
"""The shortest: a row falling due in the middle of a run is handed on when it falls due,
not at the next fixed rescan (a run that waited 0.25 s let the pacer idle while rows fell
due), yet rows due every few milliseconds do not make a read each."""


@dataclass(frozen=True)
class Outcome:
    state: SendState
    error: str | None = None
    refusal: DeliveryRefused | None = None
    """The platform refused a direct message: raised again once recorded, so the delivery
    policy tells the core (the member is marked unreachable; a group conversation hears it)."""


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
        batch: int = 500,
        concurrency: int = 8,
        lease: timedelta = timedelta(seconds=20),
        nonce_window: timedelta = timedelta(minutes=2),
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
        self._lease = lease
        """A row `sending` for longer than this, claimed by another worker, was interrupted."""
        self._nonce_window = nonce_window
        """How long after its claim a deduplicating platform still recognises a resend."""
        self._max_attempts = max_attempts
        self._running = asyncio.Lock()
        self._working = asyncio.Semaphore(concurrency)
        """Database work (claim and render, record) for this many rows at once."""
        self._queued: set[int] = set()
        self.queued = asyncio.Event()
        """Set once a run has handed every row due at its start to the messenger's queues."""

    async def run_due(self) -> int:
        """Deliver everything due now; returns how many rows this run handled.

        Every due row is handed to the messenger at once, in due order (parked replies are
        due from the moment they were parked, so they come before newer work); each waits in
        its chat's queue, still pending, until its turn.
        """
        handled = 0
        in_flight: set[asyncio.Task[bool]] = set()
        cursor: tuple[datetime, int] | None = None
        async with self._running:
            while True:
                rows = await self._due(cursor)
                for row in rows:
                    cursor = (row.due_at, row.id)
                    if row.id not in self._queued:
                        self._queued.add(row.id)
                        in_flight.add(asyncio.create_task(self._in_turn(row)))
                if len(rows) == self._batch:
                    continue
                self.queued.set()
                if not in_flight:
                    return handled
                done, in_flight = await asyncio.wait(in_flight, timeout=await self._rescan_in())
                handled += sum(1 for task in done if task.result())

    async def _due(self, cursor: tuple[datetime, int] | None) -> list[DueSend]:
        async with self._database.session() as session:
            return await Repositories.bind(session).schedule.due(
                self._clock.now(), cursor, self._batch
            )

    async def next_due(self) -> datetime | None:
        async with self._database.session() as session:
            return await Repositories.bind(session).schedule.next_due()

    async def _rescan_in(self) -> float:
        """Seconds until the next pending row not yet due falls due, within the rescan bounds."""
        now = self._clock.now()
        async with self._database.reading() as session:
            upcoming = await Repositories.bind(session).schedule.next_due(after=now)
        if upcoming is None:
            return RESCAN_SECONDS
        wait = (upcoming - now).total_seconds()
        return min(RESCAN_SECONDS, max(RESCAN_FLOOR_SECONDS, wait))

    async def recover_interrupted(self) -> int:
        """Rows left in `sending` by a process that stopped mid-send: resent where the
        platform deduplicates and still remembers the nonce; otherwise `unknown`."""
        now = self._clock.now()
        async with self._database.session() as session:
            stuck = await Repositories.bind(session).schedule.interrupted(
                now - self._lease, self.worker
            )
            for row in stuck:
                claimed = row.claimed_at or now
                if self._messenger.deduplicates(row.platform) and (
                    claimed >= now - self._nonce_window
                ):
                    row.state = SendState.PENDING
                    row.last_error = "interrupted mid-send; resent with the same nonce"
                    log.info("scheduled send %s was interrupted mid-send; resending", row.id)
                else:
                    row.state = SendState.UNKNOWN
                    row.last_error = "interrupted mid-send; delivery unknown, not resent"
                    log.warning(
                        "scheduled send %s to %s: delivery unknown (interrupted mid-send); "
                        "not resent",
                        row.id,
                        row.platform,
                    )
            return len(stuck)

    give_up_interrupted = recover_interrupted

    async def _in_turn(self, row: DueSend) -> bool:
        """Hand the row to its chat's queue; True when it was claimed and dealt with."""
        handled = False

        async def job(sender: Sender) -> None:
            nonlocal handled
            async with self._working:
                prepared = await self._claim_and_render(row.id)
            if prepared is None:
                return
            handled = True
            try:
                outcome = await self._send(prepared, sender)
            except Exception as error:
                log.exception("scheduled send %s could not be delivered", row.id)
                outcome = Outcome(SendState.PENDING, f"{type(error).__name__}: {error}")
            async with self._working:
                await self._record_patiently(row.id, outcome)
            if outcome.refusal is not None:
                raise outcome.refusal

        try:
            await self._messenger.send_in_turn(_target(row), job, key=str(row.id))
        except DeliveryStopped:
            pass  # never claimed: still pending for the next start
        except DeliveryRefused:
            pass  # recorded as failed; the delivery policy reported it
        except Exception:
            log.exception("scheduled send %s could not be handed to its chat", row.id)
        finally:
            self._queued.discard(row.id)
        return handled

    async def _claim_and_render(
        self, send_id: int
    ) -> Outcome | tuple[ScheduledSend, list[Reply]] | None:
        """Claim the row and render it in one short transaction; None when it is no longer
        pending (cancelled meanwhile, or another worker has it)."""
        try:
            async with self._database.session() as session:
                repos = Repositories.bind(session)
                if not await repos.schedule.claim(send_id, self._clock.now(), self.worker):
                    return None
                try:
                    return await self._render(repos, send_id)
                except Exception as error:  # the claim stands; the row is retried later
                    log.exception("scheduled send %s could not be rendered", send_id)
                    return Outcome(SendState.PENDING, f"{type(error).__name__}: {error}")
        except Exception:
            log.exception("scheduled send %s could not be claimed or rendered; later", send_id)
            return None

    async def _send(
        self, prepared: Outcome | tuple[ScheduledSend, list[Reply]], sender: Sender
    ) -> Outcome:
        if isinstance(prepared, Outcome):
            return prepared
        send, replies = prepared
        try:
            await sender(replies)
        except DeliveryRefused as refusal:
            log.warning("scheduled send %s refused by %s: %s", send.id, send.platform, refusal)
            return Outcome(SendState.FAILED, f"refused: {refusal}", refusal)
        except DeliveryUnknown as unknown:
            if self._messenger.deduplicates(send.platform):
                return Outcome(SendState.PENDING, f"unknown, resent with its nonce: {unknown}")
            log.warning(
                "scheduled send %s to %s: delivery unknown, not resent: %s",
                send.id,
                send.platform,
                unknown,
            )
            return Outcome(SendState.UNKNOWN, f"delivery unknown: {unknown}")
        except DeliveryStopped as stopped:
            return Outcome(SendState.PENDING, f"stopped: {stopped}")
        except DeliveryFailed as failure:
            return Outcome(SendState.PENDING, f"not sent: {failure}")
        except Exception as error:
            log.warning("scheduled send %s: the messenger failed: %r", send.id, error)
            return Outcome(SendState.PENDING, f"{type(error).__name__}: {error}")
        return Outcome(SendState.SENT)

    async def _render(
        self, repos: Repositories, send_id: int
    ) -> Outcome | tuple[ScheduledSend, list[Reply]]:
        now = self._clock.now()
        send = await repos.schedule.get(send_id)
        if send is None:
            return Outcome(SendState.FAILED, "the row disappeared")
        log_context.bind(platform=send.platform, community_id=send.community_id)
        if send.kind == PARKED_KIND:
            return send, [reply_from_json(send.payload)]
        if send.stale_at is not None and now >= send.stale_at:
            return Outcome(SendState.SKIPPED, "no longer useful")
        community = (
            await repos.communities.get(send.community_id)
            if send.community_id is not None
            else None
        )
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
        return send, replies

    async def _language(self, repos: Repositories, send: ScheduledSend, fallback: str) -> str:
        if send.member_id is None:
            return fallback
        member = await repos.members.get(send.member_id)
        return member.language if member is not None and member.language else fallback

    async def _record_patiently(self, send_id: int, outcome: Outcome) -> None:
        """A busy database must not leave a sent row `sending` (it would count as unknown)."""
        for attempt in range(RECORD_TRIES):
            try:
                await self._record(send_id, outcome)
                return
            except OperationalError:
                if attempt == RECORD_TRIES - 1:
                    raise
                log.info("the database was busy recording send %s; trying again", send_id)
                await asyncio.sleep(0.2 * (attempt + 1))

    async def _record(self, send_id: int, outcome: Outcome) -> None:
        now = self._clock.now()
        async with self._database.session() as session:
            send = await Repositories.bind(session).schedule.get(send_id)
            if send is None:
                return
            send.last_error = (outcome.error or None) and outcome.error[:500]
            if outcome.state is SendState.SENT:
                send.state = SendState.SENT
                send.sent_at = now
                send.late = now - send.due_at > LATE_AFTER
            elif outcome.state is SendState.PENDING and (outcome.error or "").startswith("stopped"):
                send.state = SendState.PENDING
                send.attempts = max(0, send.attempts - 1)
            elif outcome.state is SendState.PENDING and send.attempts < self._max_attempts:
                send.state = SendState.PENDING
                unknown = (outcome.error or "").startswith("unknown")
                wait = (
                    RESEND_UNKNOWN_AFTER
                    if unknown
                    else BACKOFF[min(max(send.attempts, 1), len(BACKOFF)) - 1]
                )
                send.due_at = now + wait
            elif outcome.state is SendState.PENDING:
                send.state = SendState.FAILED
                log.error("scheduled send %s failed %d times; giving up", send.id, send.attempts)
            else:
                send.state = outcome.state


def _target(row: DueSend) -> Target:
    """A member's row is a direct message (its chat, if any, the group to say so in when the
    platform refuses it); otherwise the group chat."""
    if row.user_id is not None:
        return MemberTarget(row.platform, row.user_id, group=row.chat_id)
    if row.chat_id is None:
        raise ValueError(f"scheduled send {row.id} has neither a chat nor a member")
    return ChatTarget(row.platform, row.chat_id)
