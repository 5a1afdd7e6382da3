"""10,000 reminders due within one minute across 1,000 communities, through the real
dispatcher, database and shared delivery policy (each row claimed only in its chat's turn),
against a channel that keeps to Telegram's limits with the Telegram adapter's own limiter
(30 messages/s overall, 20/min per group) and checks them strictly.

    python bench/reminders.py [--reminders 10000] [--communities 1000] [--within-limits 1500]

Runs in real time (the limits allow 30 messages a second, so 10,000 take over five minutes),
then a second minute the limits allow in full. Prints p50/p99 lateness (sent − due), the same
for the reminders the limits allow on time (from an ideal schedule under the limits), the
total time against the theoretical minimum, and the number of limit violations. The on-time
subset is given twice: under a sliding window that allows bursts of 30, and under the even
spacing the adapter's limiter keeps on purpose (the first is out of its reach by design: with
166 reminders a second falling due, the 60th waits 60 spacings, about 2 s).
Targets: p99 lateness <= 1 s where the limits allow, total <= 1.1 x minimum, no violations.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.delivery import DeliveryPolicy, Ticket
from bot.adapters.telegram.limits import JSONResult, Pacer, TelegramRateLimiter
from bot.core.clock import SystemClock
from bot.core.i18n import Catalogs
from bot.handlers import build_router
from bot.model.messages import ChatTarget, Reply, Target
from bot.model.messenger import SendJob
from scheduler.dispatcher import Dispatcher
from storage import migrate
from storage.db import Database
from storage.models import Community, ScheduledSend

OVERALL, OVERALL_PERIOD = 30, 1.0
GROUP, GROUP_PERIOD = 20, 60.0


@dataclass
class LimitedChannel:
    """A Channel for the shared DeliveryPolicy that paces with the Telegram adapter's own
    limiter (reserving the slot before the row is claimed, as the adapter does) and counts
    any send that breaks the limits."""

    limiter: TelegramRateLimiter = field(default_factory=TelegramRateLimiter)
    sent: list[tuple[str, float]] = field(default_factory=list)
    violations: int = 0
    platform: str = "bench"
    deduplicates: bool = False
    _strict_all: deque[float] = field(default_factory=deque)
    _strict_groups: dict[str, deque[float]] = field(default_factory=dict)

    def key(self, target: Target) -> str:
        return target.chat_id if isinstance(target, ChatTarget) else target.user_id

    async def pace(self, key: str) -> None:
        await self.limiter.reserve(key)

    def unpace(self, key: str) -> None:
        self.limiter.release(key)

    async def deliver(
        self, target: Target, reply: Reply, ticket: Ticket, *, reply_to: int | None = None
    ) -> None:
        chat_id = self.key(target)

        async def create(_nonce: str) -> JSONResult:
            async def deliver() -> bool:
                self._check(chat_id, time.monotonic())
                self.sent.append((str(reply.text).split("\n\n")[0], time.time()))
                return True

            data = {"chat_id": chat_id}
            return await self.limiter.process_request(deliver, (), {}, "sendMessage", data, None)

        await ticket.call(create)

    def _check(self, chat_id: str, now: float) -> None:
        for sent, limit, period in (
            (self._strict_all, OVERALL, OVERALL_PERIOD),
            (self._strict_groups.setdefault(chat_id, deque()), GROUP, GROUP_PERIOD),
        ):
            while sent and sent[0] <= now - period:
                sent.popleft()
            if len(sent) >= limit:
                self.violations += 1
            sent.append(now)


@dataclass
class LimitedMessenger:
    """The Messenger port over the shared DeliveryPolicy and the limited channel."""

    channel: LimitedChannel = field(default_factory=LimitedChannel)
    policy: DeliveryPolicy = field(init=False)

    def __post_init__(self) -> None:
        self.policy = DeliveryPolicy(self.channel, lambda: None)

    @property
    def sent(self) -> list[tuple[str, float]]:
        return self.channel.sent

    @property
    def violations(self) -> int:
        return self.channel.violations

    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        await self.policy.send(target, replies)

    async def send_in_turn(self, target: Target, job: SendJob, *, key: str) -> None:
        await self.policy.send_in_turn(target, job, key=key)

    def deduplicates(self, platform: str) -> bool:
        return False


def ideal_schedule(due: list[tuple[float, str]], *, spacing: float = 0.0) -> list[float]:
    """The earliest send times the limits allow, in due order (FIFO is optimal here).

    Without `spacing` the overall limit is a sliding window (30 in any second, bursts
    allowed); with it, sends are at least `spacing` apart, as the adapter's limiter paces on
    purpose (bot/adapters/telegram/limits.py: no bursts that jitter could squeeze together).
    """
    overall: list[float] = []
    groups: dict[str, list[float]] = {}
    times = []
    for moment, chat in sorted(due):
        group = groups.setdefault(chat, [])
        at = max(moment, overall[-1] + spacing) if spacing and overall else moment
        while (
            later := max(
                _free_at(overall, OVERALL, OVERALL_PERIOD, at),
                _free_at(group, GROUP, GROUP_PERIOD, at),
            )
        ) > at:
            at = later
        overall.append(at)
        group.append(at)
        times.append(at)
    return times


def _free_at(sent: list[float], limit: int, period: float, at: float) -> float:
    """The first moment from `at` on when fewer than `limit` sends lie within `period`."""
    recent = [t for t in sent[-limit:] if t > at - period]
    return at if len(recent) < limit else recent[0] + period


async def run(reminders: int, communities: int, folder: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await migrate.upgrade(database)
    start = datetime.now(UTC) + timedelta(seconds=5)
    due: dict[str, tuple[float, str]] = {}
    async with database.session() as session:
        groups = []
        for number in range(communities):
            community = Community(
                platform="bench",
                chat_id=f"-100{number:06d}",
                title="",
                language="nl",
                timezone="Europe/Amsterdam",
                created_at=start,
            )
            session.add(community)
            groups.append(community)
        await session.flush()
        for number in range(reminders):
            community = groups[number % communities]
            moment = start + timedelta(seconds=60 * number / reminders)
            text = f"herinnering {number}"
            session.add(
                ScheduledSend(
                    community_id=community.id,
                    kind="reminder.free",
                    platform="bench",
                    chat_id=community.chat_id,
                    payload={"text": text},
                    due_at=moment,
                    created_at=start,
                )
            )
            due[f"🔔 {text}"] = (moment.timestamp(), community.chat_id)
    router, _ = build_router()
    messenger = LimitedMessenger()
    dispatcher = Dispatcher(
        database=database,
        router=router,
        catalogs=Catalogs(),
        clock=SystemClock(),
        messenger=messenger,
        worker="bench",
    )
    while len(messenger.sent) < reminders:
        await dispatcher.run_due()
        await asyncio.sleep(0.05)
    await database.dispose()

    ordered = sorted(due.values())
    ideal = dict(zip(ordered, ideal_schedule(ordered), strict=True))
    spacing = Pacer(OVERALL, OVERALL_PERIOD).interval
    paced = dict(zip(ordered, ideal_schedule(ordered, spacing=spacing), strict=True))
    lateness = sorted(sent_at - due[text][0] for text, sent_at in messenger.sent)

    def on_time_where(schedule: dict[tuple[float, str], float]) -> list[float]:
        return sorted(
            sent_at - due[text][0]
            for text, sent_at in messenger.sent
            if schedule[due[text]] - due[text][0] <= 1.0
        )

    allowed, allowed_paced = on_time_where(ideal), on_time_where(paced)
    first_due = min(m for m, _ in due.values())
    span = max(t for _, t in messenger.sent) - first_due
    minimum = max(ideal.values()) - first_due
    print(f"{reminders} reminders in {communities} communities, due within 60 s:")
    print(f"  lateness (sent - due): p50 {_p(lateness, 50):.2f} s, p99 {_p(lateness, 99):.2f} s")
    print(
        f"  where the limits allow on time ({len(allowed)} reminders): "
        f"p50 {_p(allowed, 50):.2f} s, p99 {_p(allowed, 99):.2f} s (target p99 <= 1 s)"
    )
    print(
        f"  where the limiter's even spacing ({spacing * 1000:.1f} ms apart, no bursts) allows on "
        f"time ({len(allowed_paced)} reminders): p50 {_p(allowed_paced, 50):.2f} s, "
        f"p99 {_p(allowed_paced, 99):.2f} s (target p99 <= 1 s)"
    )
    print(
        f"  total {span:.1f} s from the first due time; theoretical minimum {minimum:.1f} s; "
        f"ratio {span / minimum:.3f} (target <= 1.10)"
    )
    print(f"  limit violations: {messenger.violations} (target 0)")


def _p(values: list[float], percentile: int) -> float:
    return statistics.quantiles(values, n=100)[percentile - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--communities", type=int, default=1_000)
    parser.add_argument(
        "--within-limits",
        type=int,
        default=1_500,
        help="also a minute the limits allow in full (25/s); 0 to skip",
    )
    args = parser.parse_args()
    for reminders in (args.reminders, args.within_limits):
        if reminders:
            with tempfile.TemporaryDirectory() as folder:
                asyncio.run(run(reminders, args.communities, Path(folder)))


if __name__ == "__main__":
    main()
