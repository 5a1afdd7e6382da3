"""The one delivery policy every platform adapter composes: per-chat order, pacing hand-off,
the refused-DM fallback, the classification of every send failure, and parking what is
still queued when the bot stops.

An adapter hands the policy a `Channel` (how to pace and how to put one reply on its
platform). Every message the channel creates goes through `Ticket.call`, so the rules below
hold the same on Telegram and Discord:

- refused (the platform said no for good): never retried, raised as DeliveryRefused;
- not sent (connection refused before the request was written, 429, a 5xx the platform
  documents as not applied): retried here a few times with backoff, then DeliveryFailed;
- unknown (a timeout or a dropped connection after the request was written): retried with
  the same nonce where the platform deduplicates (Discord), otherwise never (Telegram), then
  DeliveryUnknown.

Each chat has one FIFO queue served by one worker, so at most one send per chat is in
flight; a job waits for its turn and for the pacer before it does anything (the scheduler
claims its row only then).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, TypeVar

from bot.adapters.base import Host, Parked
from bot.model.messages import (
    ChatRef,
    ChatTarget,
    Incoming,
    MemberTarget,
    Reply,
    Target,
    UserRef,
)
from bot.model.messenger import (
    DeliveryError,
    DeliveryFailed,
    DeliveryRefused,
    DeliveryStopped,
    DeliveryUnknown,
    SendJob,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRIES = 3
BACKOFF_SECONDS = (0.5, 1.5, 4.0)
NONCE_LIMIT = 25
"""Discord accepts nonces of at most 25 characters."""


class Failure(StrEnum):
    REFUSED = "refused"
    NOT_SENT = "not sent"
    UNKNOWN = "unknown"


def classify(error: BaseException) -> Failure | None:
    """What a failed platform call means for its message; None for anything that is not a
    send failure (a bug, which should surface as one)."""
    root = type(error).__module__.split(".")[0]
    if root == "telegram":
        return _telegram_failure(error)
    if root == "discord":
        return _discord_failure(error)
    return _transport_failure(error)


def _telegram_failure(error: BaseException) -> Failure | None:
    from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

    if isinstance(error, Forbidden | BadRequest):
        return Failure.REFUSED  # blocked, removed, chat not found, or a request it rejects
    if isinstance(error, RetryAfter):
        return Failure.NOT_SENT
    if isinstance(error, TimedOut | NetworkError):
        cause = error.__cause__
        if cause is not None and _never_written(cause):
            return Failure.NOT_SENT
        return Failure.UNKNOWN  # read timeout, dropped connection, a 5xx: maybe applied
    return None


def _discord_failure(error: BaseException) -> Failure | None:
    import discord

    if isinstance(error, discord.HTTPException):
        if error.status == 429 or error.status == 502:
            return Failure.NOT_SENT  # Discord: 502 "no gateway available to process it"
        if error.status >= 500:
            return Failure.UNKNOWN
        return Failure.REFUSED
    return None


def _transport_failure(error: BaseException) -> Failure | None:
    if _never_written(error):
        return Failure.NOT_SENT
    if isinstance(error, TimeoutError | ConnectionError | OSError):
        return Failure.UNKNOWN
    name = type(error).__module__.split(".")[0]
    if name in {"aiohttp", "httpx", "httpcore"}:
        return Failure.UNKNOWN
    return None


def _never_written(error: BaseException) -> bool:
    """Errors raised before the request left this process: a refused or failed connect."""
    kind = type(error)
    names = {klass.__name__ for klass in kind.__mro__}
    if names & {"ConnectError", "ConnectTimeout", "PoolTimeout", "ClientConnectorError"}:
        return True
    return isinstance(error, ConnectionRefusedError)


def as_delivery_error(error: Exception) -> DeliveryError | None:
    """A platform call's failure as the Messenger port's error; None if it is not one."""
    failure = classify(error)
    if failure is None:
        return None
    return port_error(failure, f"{type(error).__name__}: {error}")


def port_error(failure: Failure, message: str) -> DeliveryError:
    if failure is Failure.REFUSED:
        return DeliveryRefused(message)
    if failure is Failure.NOT_SENT:
        return DeliveryFailed(message)
    return DeliveryUnknown(message)


class Channel(Protocol):
    """What an adapter gives the policy: its platform's pacing and one reply's delivery."""

    platform: str
    deduplicates: bool
    """Message creation carries a nonce the platform deduplicates (Discord)."""

    def key(self, target: Target) -> str:
        """The chat a target's messages go to: one queue, one message in flight."""
        ...

    async def pace(self, key: str) -> None:
        """Return when the platform's limits let the next message to this chat go now (and
        keep that slot for it)."""
        ...

    def unpace(self, key: str) -> None:
        """Give up a slot `pace` kept that no message used (the job sent nothing)."""
        ...

    async def deliver(
        self, target: Target, reply: Reply, ticket: Ticket, *, reply_to: int | None = None
    ) -> None:
        """Put one reply on the platform, every message through `ticket.call`."""
        ...


class Stopping(Exception):
    """Raised at a message's turn when the policy stops before it was sent."""


@dataclass
class Ticket:
    """One send's passage: pacing before each message, the nonce, the failure rules."""

    policy: DeliveryPolicy
    key: str
    nonce_base: str
    paced: bool = False
    """The turn already holds the pacer's slot for the first message."""
    parkable: bool = False
    """What is not sent yet can wait in the outbox: a stop may interrupt it between messages.
    Otherwise, once a message went out, the rest of the send follows it."""
    sent: int = 0

    async def call(self, create: Callable[[str], Awaitable[T]]) -> T:
        """Create one message; `create` gets the nonce (the same on every retry)."""
        nonce = f"{self.nonce_base}.{self.sent}"[:NONCE_LIMIT]
        for attempt in range(RETRIES + 1):
            if not self.paced:
                await self.policy.wait_for_slot(
                    self.key, interruptible=self.parkable or self.sent == 0
                )
            self.paced = False
            try:
                result = await create(nonce)
            except Exception as error:
                failure = classify(error)
                if failure is None:
                    raise
                retry = failure is Failure.NOT_SENT or (
                    failure is Failure.UNKNOWN and self.policy.channel.deduplicates
                )
                if not retry or attempt == RETRIES or self.policy.stopping:
                    raise port_error(failure, f"{type(error).__name__}: {error}") from error
                log.info("%s send %s (%s); trying again", self.policy.platform, failure, error)
                await asyncio.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
                continue
            self.sent += 1
            return result
        raise RuntimeError("unreachable")


@dataclass
class _Job:
    target: Target
    run: Callable[[Ticket], Awaitable[None]]
    done: asyncio.Future[None]
    nonce_base: str
    parkable: list[tuple[Target, Reply]] | None = None
    """An answer's replies not yet sent: written to the outbox if the bot stops first."""
    paced: bool = False


@dataclass
class DeliveryPolicy:
    """Per-chat queues for one adapter; see the module docstring."""

    channel: Channel
    host: Callable[[], Host | None]
    queues: dict[str, deque[_Job]] = field(default_factory=dict)
    workers: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    background: set[asyncio.Task[None]] = field(default_factory=set)
    stopping: bool = False
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _parked: list[Parked] = field(default_factory=list)
    edits: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    """The latest version of each message waiting to be edited, by chat and message."""

    @property
    def platform(self) -> str:
        return self.channel.platform

    # what adapters call -----------------------------------------------------------------

    def answer(
        self,
        msg: Incoming,
        replies: Sequence[Reply],
        *,
        reply_to: int | None = None,
        chat_id: str | None = None,
    ) -> None:
        """Answer in the chat the member wrote in (`chat_id`: a thread of it), in the
        background; private replies to a group message go by direct message, with the group
        fallback when that is refused."""
        group = None if msg.chat.is_private else msg.chat.chat_id
        direct = MemberTarget(msg.platform, msg.user.user_id, group=group)
        target: Target = (
            direct if msg.chat.is_private else ChatTarget(msg.platform, chat_id or msg.chat.chat_id)
        )
        pending = [
            (direct if reply.private and not msg.chat.is_private else target, reply)
            for reply in replies
        ]

        async def run(ticket: Ticket) -> None:
            while pending:
                to, reply = pending[0]
                try:
                    if to is direct and target is not direct:
                        await self._privately(msg, reply, ticket)
                    else:
                        answering = reply_to if reply.awaits_answer else None
                        await self.channel.deliver(target, reply, ticket, reply_to=answering)
                except DeliveryError as error:
                    _log_failure(self.platform, to, error)
                pending.pop(0)

        self._enqueue(target, run, parkable=pending, paced=False)

    def update(self, target: Target, message: str, edit: Callable[[], Awaitable[None]]) -> None:
        """Edit a message already sent (a reminder's RSVP counts), in the chat's turn and
        paced like a send. A burst of presses on one message edits it once, with the latest
        version; an edit the platform refuses (the message is gone, nothing changed) is let go,
        never sent as a new message."""
        key = f"{self.channel.key(target)}/{message}"
        waiting = key in self.edits
        self.edits[key] = edit
        if waiting:
            return

        async def run(_ticket: Ticket) -> None:
            latest = self.edits.pop(key, None)
            if latest is None:
                return
            try:
                await latest()
            except Exception as error:
                if classify(error) is None:
                    raise
                log.info("%s: a message could not be updated: %s", self.platform, error)

        self._enqueue(target, run, parkable=[], paced=True)

    async def send(
        self, target: Target, replies: Sequence[Reply], *, key: str | None = None
    ) -> None:
        """Deliver proactively, in the chat's turn; raises a DeliveryError."""

        async def run(ticket: Ticket) -> None:
            for reply in replies:
                await self.channel.deliver(target, reply, ticket)

        await self._proactive(target, run, key)

    async def send_in_turn(self, target: Target, job: SendJob, *, key: str) -> None:
        async def run(ticket: Ticket) -> None:
            async def sender(replies: Sequence[Reply]) -> None:
                for reply in replies:
                    await self.channel.deliver(target, reply, ticket)

            await job(sender)

        await self._proactive(target, run, key, paced=True)

    def in_background(self, work: Awaitable[None]) -> None:
        async def wrapped() -> None:
            await work

        task = asyncio.ensure_future(wrapped())
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def wait_for_slot(self, key: str, *, interruptible: bool = True) -> None:
        """The pacer's slot for the next message to `key`, unless the policy stops first."""
        if not interruptible:
            await self.channel.pace(key)
            return
        if self.stopping:
            raise Stopping
        pace = asyncio.ensure_future(self.channel.pace(key))
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({pace, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not pace.done():
            pace.cancel()
            raise Stopping
        pace.result()

    async def stop(self, timeout: float) -> list[Parked]:  # noqa: ASYNC109 - a deadline, not a timeout API
        """Take no new turns; let the calls in flight finish (within `timeout`); return every
        queued answer not sent, for the outbox."""
        self.stopping = True
        self._stop.set()
        pending = [*self.workers.values(), *self.background]
        if pending:
            _done, late = await asyncio.wait(pending, timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                log.warning("%s: %d sends still running at the deadline", self.platform, len(late))
        for key, queue in list(self.queues.items()):
            while queue:
                self._drop(queue.popleft())
            self.queues.pop(key, None)
        return self.take_parked()

    def take_parked(self) -> list[Parked]:
        """The answers parked so far, for the outbox; after `stop`, the answers to what was
        still handled while the adapter closed (Discord delivers events until its gateway
        is closed, and never again)."""
        parked, self._parked = self._parked, []
        return parked

    # inside ---------------------------------------------------------------------------------

    async def _proactive(
        self,
        target: Target,
        run: Callable[[Ticket], Awaitable[None]],
        key: str | None,
        *,
        paced: bool = False,
    ) -> None:
        try:
            await self._enqueue(target, run, key=key, paced=paced)
        except DeliveryRefused:
            if isinstance(target, MemberTarget):
                self.in_background(self._report_refused(target))
            raise

    def _enqueue(
        self,
        target: Target,
        run: Callable[[Ticket], Awaitable[None]],
        *,
        key: str | None = None,
        parkable: list[tuple[Target, Reply]] | None = None,
        paced: bool,
    ) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        nonce = f"l{key}" if key is not None else secrets.token_hex(8)
        job = _Job(target, run, done, nonce[:20], parkable, paced)
        if self.stopping:
            self._drop(job)
            return done
        chat = self.channel.key(target)
        queue = self.queues.setdefault(chat, deque())
        queue.append(job)
        if chat not in self.workers:
            self.workers[chat] = asyncio.create_task(self._work(chat), name=f"send-{chat}")
        return done

    async def _work(self, chat: str) -> None:
        queue = self.queues[chat]
        try:
            while queue and not self.stopping:
                job = queue.popleft()
                ticket = Ticket(self, chat, job.nonce_base, parkable=job.parkable is not None)
                try:
                    if job.paced:
                        await self.wait_for_slot(chat)
                        ticket.paced = True
                    try:
                        await job.run(ticket)
                    finally:
                        if ticket.paced:  # the job sent nothing: its slot is free again
                            self.channel.unpace(chat)
                except Stopping:
                    self._drop(job)
                    continue
                except BaseException as error:
                    if job.parkable is not None:
                        log.exception("%s: an answer failed", self.platform)
                        job.done.set_result(None)
                    elif not job.done.done():
                        job.done.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                if not job.done.done():
                    job.done.set_result(None)
        finally:
            if self.queues.get(chat) is queue and not queue:
                self.queues.pop(chat, None)
            self.workers.pop(chat, None)
            if queue and not self.stopping:  # a job came in as this worker ended
                self.workers[chat] = asyncio.create_task(self._work(chat), name=f"send-{chat}")

    def _drop(self, job: _Job) -> None:
        """A job that will not run here: an answer is parked, a proactive send is told."""
        if job.parkable:
            self._parked.extend(Parked(to, (reply,)) for to, reply in job.parkable)
        if not job.done.done():
            if job.parkable is not None:
                job.done.set_result(None)
            else:
                job.done.set_exception(DeliveryStopped("the bot stopped before its turn"))

    async def _privately(self, msg: Incoming, reply: Reply, ticket: Ticket) -> None:
        direct = MemberTarget(msg.platform, msg.user.user_id)
        private = Ticket(
            self, self.channel.key(direct), ticket.nonce_base + "p", parkable=ticket.parkable
        )
        try:
            await self.channel.deliver(direct, reply, private)
        except DeliveryRefused:
            host = self.host()
            if host is None:
                raise
            for instead in await host.direct_message_refused(msg.user, msg.chat):
                await self.channel.deliver(
                    ChatTarget(msg.platform, msg.chat.chat_id), instead, ticket
                )
        finally:
            ticket.sent += private.sent

    async def _report_refused(self, target: MemberTarget) -> None:
        """Tell the core after the caller is done: a handler may send from inside its own
        unit of work, which the core's note about the refusal must not wait for. A direct
        message that belonged to a group conversation (a reply parked at a stop) says so in
        that group, as a live answer would."""
        host = self.host()
        if host is None:
            return
        group = ChatRef(self.platform, target.group) if target.group is not None else None
        instead = await host.direct_message_refused(
            UserRef(self.platform, target.user_id, ""), group
        )
        if not instead or group is None:
            return
        in_group = ChatTarget(self.platform, group.chat_id)
        try:
            await self.send(in_group, instead)
        except DeliveryError as error:
            _log_failure(self.platform, in_group, error)


def _log_failure(platform: str, target: Target, error: DeliveryError) -> None:
    if isinstance(error, DeliveryUnknown):
        log.warning(
            "%s: delivery unknown for a reply to %s (not resent): %s", platform, target, error
        )
    else:
        log.warning("%s: could not answer in %s: %s", platform, target, error)
