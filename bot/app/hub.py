"""Builds the bot from settings and runs every adapter, and the scheduler, on one event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.adapters.base import Adapter, Parked
from bot.adapters.console import ConsoleAdapter, ConsoleOptions
from bot.app.config import Settings
from bot.core.button_codec import ButtonCodec
from bot.core.clock import Clock, SystemClock
from bot.core.command_menu import CommandMenu, build_menu
from bot.core.i18n import Catalogs
from bot.core.pipeline import Core
from bot.core.router import Router
from bot.handlers import build_router
from bot.model.messages import ChatRef, ChatTarget, Incoming, MemberTarget, Reply, Target, UserRef
from bot.model.messenger import DeliveryRefused, SendJob
from bot.model.reply_codec import reply_to_json
from scheduler.delivery import DeliveryLoop, schedule_update_pruning
from scheduler.dispatcher import Dispatcher
from scheduler.housekeeping import schedule_housekeeping
from scheduler.participation import run_participation
from scheduler.retention import schedule_retention
from scheduler.runner import Scheduler
from scheduler.series import extend_all_series
from search.tool_catalogue import ToolCatalogue
from storage import migrate
from storage.db import Database
from storage.message_counter import MessageCounter
from storage.repositories import Repositories
from storage.repositories.communities import CommunityDefaults

log = logging.getLogger(__name__)

SERIES_INTERVAL = timedelta(hours=1)
PARTICIPATION_INTERVAL = timedelta(minutes=5)


@dataclass
class RoutingMessenger:
    """The Messenger port for the whole process: hands each send to its platform's adapter."""

    adapters: dict[str, Adapter] = field(default_factory=dict)

    def add(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter

    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        await self._adapter(target).send(target, replies)

    async def send_in_turn(self, target: Target, job: SendJob, *, key: str) -> None:
        await self._adapter(target).send_in_turn(target, job, key=key)

    def deduplicates(self, platform: str) -> bool:
        adapter = self.adapters.get(platform)
        return adapter is not None and adapter.deduplicates

    def _adapter(self, target: Target) -> Adapter:
        adapter = self.adapters.get(target.platform)
        if adapter is None:
            raise DeliveryRefused(f"no adapter runs for {target.platform}")
        return adapter


class Hub:
    def __init__(
        self,
        *,
        database: Database,
        core: Core,
        messenger: RoutingMessenger,
        scheduler: Scheduler,
        counter: MessageCounter,
        delivery: DeliveryLoop,
    ) -> None:
        self.database = database
        self.delivery = delivery
        self.core = core
        self.messenger = messenger
        self.scheduler = scheduler
        self.counter = counter
        self._stop = asyncio.Event()
        self._open = asyncio.Event()
        """Set once the outbox's due rows are queued: new work comes after them."""
        self._started: list[Adapter] = []
        self._catch_up: asyncio.Task[None] | None = None

    @property
    def adapters(self) -> list[Adapter]:
        return list(self.messenger.adapters.values())

    def add_adapter(self, adapter: Adapter) -> None:
        self.messenger.add(adapter)

    async def dispatch(self, msg: Incoming) -> list[Reply]:
        await self._open.wait()
        return await self.core.handle(msg)

    def request_shutdown(self) -> None:
        self._stop.set()

    async def direct_message_refused(self, user: UserRef, group: ChatRef | None) -> list[Reply]:
        return await self.core.direct_message_refused(user, group)

    async def park(self, parked: Sequence[Parked]) -> None:
        """Write replies that were still queued at a stop to the outbox, in their order."""
        now = self.core.clock.now()
        async with self.database.session() as session:
            repos = Repositories.bind(session)
            for item in parked:
                community_id = await _community_of(repos, item.target)
                for reply in item.replies:
                    target = item.target
                    repos.schedule.park(
                        platform=target.platform,
                        community_id=community_id,
                        chat_id=target.chat_id if isinstance(target, ChatTarget) else None,
                        user_id=target.user_id if isinstance(target, MemberTarget) else None,
                        payload=reply_to_json(reply),
                        now=now,
                    )
        log.info("parked %d unsent replies in the outbox", len(parked))

    async def run(self) -> None:
        """Run until SIGINT, SIGTERM or an adapter asks to stop (the console at end of input)."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.request_shutdown)
        try:
            await self.start()
            await self._stop.wait()
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
            await self.shutdown()

    async def start(self) -> None:
        """Adapters first (the scheduler sends through them), then catch up on due sends:
        new updates wait until every due row (parked replies first) is in its chat's queue."""
        for adapter in self.adapters:
            await adapter.start(self)
            self._started.append(adapter)
            log.info("%s adapter started", adapter.platform)
        self.scheduler.start()
        self._catch_up = asyncio.create_task(self.delivery.start(), name="catch-up")
        queued = asyncio.create_task(self.delivery.dispatcher.queued.wait())
        await asyncio.wait({self._catch_up, queued}, return_when=asyncio.FIRST_COMPLETED)
        queued.cancel()
        self._open.set()
        if self._catch_up.done():
            self._catch_up.result()

    async def caught_up(self) -> None:
        """Wait until the sends due at start are done (for tests and tools)."""
        if self._catch_up is not None:
            await self._catch_up

    async def shutdown(self) -> None:
        """Stop every adapter at once (each stops taking updates, finishes the calls in flight
        and parks what is queued), then the scheduler; well within 10 s."""
        self.scheduler.shutdown()
        stopping = list(reversed(self._started))
        results = await asyncio.gather(
            *(adapter.stop() for adapter in stopping), return_exceptions=True
        )
        for adapter, result in zip(stopping, results, strict=True):
            if isinstance(result, BaseException):
                log.error("%s adapter did not stop cleanly", adapter.platform, exc_info=result)
        self._started.clear()
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up.cancel()
            await asyncio.gather(self._catch_up, return_exceptions=True)
        await self.counter.flush()
        await self.database.dispose()


async def build_hub(
    settings: Settings,
    *,
    console: ConsoleOptions | None = None,
    clock: Clock | None = None,
) -> Hub:
    """Everything `leeratelier run` and `chat` need; applies pending migrations first.

    The console adapter runs when asked for, or when no platform token is configured.
    """
    clock = clock or SystemClock()
    database = Database(settings.database_url.get_secret_value())
    await migrate.upgrade(database)
    tools = ToolCatalogue()
    seeded = await tools.start(database, clock.now())
    if seeded is not None:
        log.info("imported the starter tool catalogue: %d tools", seeded.created)
    router, dialogs = build_router(settings.retention)
    catalogs = Catalogs(settings.language)
    counter = MessageCounter(database)
    messenger = RoutingMessenger()
    core = Core(
        database=database,
        router=router,
        dialogs=dialogs,
        catalogs=catalogs,
        clock=clock,
        messenger=messenger,
        counter=counter,
        defaults=CommunityDefaults(language=settings.language, timezone=settings.timezone),
        tools=tools,
        coordinators=frozenset(settings.coordinators),
    )
    scheduler = Scheduler()
    schedule_housekeeping(scheduler, database, counter, clock)
    schedule_retention(scheduler, database, clock, settings.retention)
    schedule_update_pruning(scheduler, database, clock)
    dispatcher = Dispatcher(
        database=database,
        router=router,
        catalogs=catalogs,
        clock=clock,
        messenger=messenger,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    delivery = DeliveryLoop(scheduler, dispatcher)
    delivery.install()
    core.on_planned = delivery.wake
    scheduler.every(
        SERIES_INTERVAL,
        "extend-series",
        lambda: extend_all_series(database, clock, delivery.wake),
    )
    scheduler.every(
        PARTICIPATION_INTERVAL,
        "participation",
        lambda: run_participation(database, clock, delivery.wake),
    )
    hub = Hub(
        database=database,
        core=core,
        messenger=messenger,
        scheduler=scheduler,
        counter=counter,
        delivery=delivery,
    )
    menu = build_menu(router, catalogs)
    for adapter in platform_adapters(
        settings, database=database, clock=clock, menu=menu, router=router, catalogs=catalogs
    ):
        hub.add_adapter(adapter)
    if console is not None or not hub.adapters:
        hub.add_adapter(ConsoleAdapter(console or ConsoleOptions()))
    return hub


async def _community_of(repos: Repositories, target: Target) -> int | None:
    """The community a parked reply belongs to: the group's, or the member's latest."""
    if isinstance(target, ChatTarget):
        community = await repos.communities.find(target.platform, target.chat_id)
        if community is not None:
            return community.id
    identity = await repos.members.find_identity(
        target.platform, target.chat_id if isinstance(target, ChatTarget) else target.user_id
    )
    if identity is None:
        return None
    membership = await repos.members.latest_membership(identity.member_id)
    return membership.community_id if membership is not None else None


def platform_adapters(
    settings: Settings,
    *,
    database: Database,
    clock: Clock,
    menu: CommandMenu,
    router: Router,
    catalogs: Catalogs,
) -> list[Adapter]:
    """An adapter for every platform with a token. Platform libraries load only when used."""
    adapters: list[Adapter] = []
    if settings.telegram_token is not None:
        from bot.adapters.telegram.adapter import (
            CALLBACK_DATA_LIMIT,
            TelegramAdapter,
            TelegramConfig,
        )

        secret = settings.telegram_webhook_secret
        config = TelegramConfig(
            token=settings.telegram_token.get_secret_value(),
            base_url=settings.telegram_base_url,
            webhook_url=settings.telegram_webhook_url or None,
            webhook_listen=settings.telegram_webhook_listen,
            webhook_port=settings.telegram_webhook_port,
            webhook_secret=secret.get_secret_value() if secret else None,
        )
        buttons = ButtonCodec(database, clock, CALLBACK_DATA_LIMIT)
        adapters.append(TelegramAdapter(config, buttons=buttons, menu=menu))
    if settings.discord_token is not None:
        from bot.adapters.discord.adapter import CUSTOM_ID_LIMIT, DiscordAdapter, DiscordConfig

        discord_config = DiscordConfig(
            token=settings.discord_token.get_secret_value(),
            coordinator_role=settings.discord_coordinator_role,
        )
        adapters.append(
            DiscordAdapter(
                discord_config,
                buttons=ButtonCodec(database, clock, CUSTOM_ID_LIMIT),
                router=router,
                catalogs=catalogs,
                database=database,
            )
        )
    return adapters
