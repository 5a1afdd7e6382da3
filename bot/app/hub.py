"""Builds the bot from settings and runs every adapter, and the scheduler, on one event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import socket
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.adapters.base import Adapter, Parked
from bot.app import heap
from bot.app.config import Settings
from bot.core import log_context
from bot.core.button_codec import ButtonStore
from bot.core.clock import Clock, SystemClock
from bot.core.command_menu import CommandMenu, build_menu
from bot.core.i18n import Catalogs
from bot.core.pipeline import Core
from bot.core.router import Router
from bot.core.web_links import WebLinks
from bot.handlers import build_router
from bot.handlers.meetings.jobs import extend_all_series
from bot.handlers.meetings.mirror import MeetingMirrors
from bot.handlers.participation.jobs import run_participation
from bot.model.messages import ChatRef, ChatTarget, Incoming, MemberTarget, Reply, Target, UserRef
from bot.model.messenger import DeliveryRefused, Messenger, SendJob
from bot.model.mirror import EventMirror, MirroredEvent, MirrorUnsupported
from bot.model.reply_codec import reply_to_json
from scheduler.delivery import DeliveryLoop, schedule_update_pruning
from scheduler.dispatcher import Dispatcher
from scheduler.housekeeping import FLUSH_INTERVAL, schedule_housekeeping
from scheduler.retention import schedule_retention
from scheduler.runner import Scheduler
from search.tool_catalogue import ToolCatalogue
from storage import migrate
from storage.db import Database
from storage.message_counter import MessageCounter
from storage.repositories import Repositories
from storage.repositories.communities import CommunityDefaults
from storage.repositories.operations import OperationsRepository
from storage.retention import RetentionPolicy

if TYPE_CHECKING:
    from starlette.routing import Route

    from bot.adapters.console import ConsoleOptions
    from bot.app.http_server import HttpServer
    from bot.app.metrics import Metrics

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

    def mirroring(self) -> frozenset[str]:
        """The platforms whose adapter shows meetings as the platform's own events."""
        return frozenset(
            platform
            for platform, adapter in self.adapters.items()
            if isinstance(adapter, EventMirror)
        )

    async def publish_event(
        self, chat: ChatTarget, event: MirroredEvent, event_id: str | None
    ) -> str:
        return await self._mirror(chat).publish_event(chat, event, event_id)

    async def withdraw_event(self, chat: ChatTarget, event_id: str) -> None:
        await self._mirror(chat).withdraw_event(chat, event_id)

    def _mirror(self, chat: ChatTarget) -> EventMirror:
        adapter = self._adapter(chat)
        if not isinstance(adapter, EventMirror):
            raise MirrorUnsupported(f"{chat.platform} has no events of its own")
        return adapter

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
        web: HttpServer | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics
        """None for the console: nothing scrapes it, so nothing is counted."""
        self.database = database
        self.web = web
        """The online platform, when it is served by this process."""
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
        self.core.mirroring = self.messenger.mirroring()

    async def dispatch(self, msg: Incoming) -> list[Reply]:
        await self._open.wait()
        log_context.begin_update(msg.platform)
        counted = self.metrics.handling(msg, self.core.router) if self.metrics else nullcontext()
        with counted:
            return await self.core.handle(msg)

    def request_shutdown(self) -> None:
        self._stop.set()

    async def direct_message_refused(self, user: UserRef, group: ChatRef | None) -> list[Reply]:
        return await self.core.direct_message_refused(user, group)

    async def known_communities(self, platform: str, chat_ids: Sequence[str]) -> set[str]:
        return await self.core.known_communities(platform, chat_ids)

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
                        chat_id=target.chat_id if isinstance(target, ChatTarget) else target.group,
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
        new updates wait until every due row (parked replies first) is in its chat's queue.
        The web platform opens last."""
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
        if self.web is not None:
            await self.web.start()
        heap.settle()

    async def caught_up(self) -> None:
        """Wait until the sends due at start are done (for tests and tools)."""
        if self._catch_up is not None:
            await self._catch_up

    async def shutdown(self) -> None:
        """Stop the web platform, then every adapter at once (each stops taking updates,
        finishes the calls in flight and parks what is queued), then the scheduler; well
        within 10 s."""
        if self.web is not None:
            try:
                await self.web.stop()
            except Exception:
                log.exception("the web server did not stop cleanly")
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
        await self.core.flush_handled()
        await self.database.dispose()


async def build_hub(
    settings: Settings,
    *,
    console: ConsoleOptions | None = None,
    clock: Clock | None = None,
    web: bool = False,
) -> Hub:
    """Everything `leeratelier run` and `chat` need; applies pending migrations first.

    The console adapter runs when asked for, or when no platform token is configured. The
    online platform is served when `web` is asked for (by `leeratelier run`) and WEB_ENABLED.
    """
    clock = clock or SystemClock()
    database = Database(settings.database_url.get_secret_value())
    await migrate.upgrade(database)
    tools = ToolCatalogue(on_built=heap.settle)
    seeded = await tools.seed(database, clock.now())
    if seeded is not None:
        log.info("imported the starter tool catalogue: %d tools", seeded.created)
    links = _web_links(settings) if web and settings.web_enabled else None
    messenger = RoutingMessenger()
    core = build_core(
        database=database,
        clock=clock,
        messenger=messenger,
        tools=tools,
        defaults=CommunityDefaults(language=settings.language, timezone=settings.timezone),
        retention=settings.retention,
        coordinators=frozenset(settings.coordinators),
        web=links,
    )
    router, catalogs, counter = core.router, core.catalogs, core.counter
    adapters = platform_adapters(
        settings, menu=build_menu(router, catalogs), router=router, catalogs=catalogs
    )
    if console is not None or not adapters:
        from bot.adapters.console import ConsoleAdapter, ConsoleOptions  # rich: the console only

        adapters.append(ConsoleAdapter(console or ConsoleOptions()))
    buttons = ButtonStore(
        {
            adapter.platform: adapter.capabilities.button_data_limit
            for adapter in adapters
            if adapter.capabilities.button_data_limit is not None
        }
    )
    core.buttons = buttons
    scheduler = Scheduler()
    schedule_housekeeping(scheduler, database, counter, clock)
    schedule_retention(scheduler, database, clock, settings.retention)
    schedule_update_pruning(scheduler, database, clock)
    scheduler.every(FLUSH_INTERVAL, "flush-handled-updates", core.flush_handled)
    dispatcher = Dispatcher(
        database=database,
        router=router,
        catalogs=catalogs,
        clock=clock,
        messenger=messenger,
        buttons=buttons,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
    mirrors = MeetingMirrors(database=database, clock=clock, catalogs=catalogs, mirror=messenger)
    delivery = DeliveryLoop(scheduler, dispatcher, jobs=[mirrors.run_due])
    delivery.install()
    core.on_planned = delivery.wake
    scheduler.every(
        SERIES_INTERVAL,
        "extend-series",
        lambda: extend_all_series(database, clock, delivery.wake, messenger.mirroring()),
    )
    scheduler.every(
        PARTICIPATION_INTERVAL,
        "participation",
        lambda: run_participation(database, clock, delivery.wake),
    )
    metrics = None
    if console is None or links is not None:  # served on the web or on the health port
        from bot.app.metrics import Metrics  # prometheus-client

        metrics = Metrics()
        metrics.watch_database(database)
    hub = Hub(
        database=database,
        core=core,
        messenger=messenger,
        scheduler=scheduler,
        counter=counter,
        delivery=delivery,
        metrics=metrics,
    )
    for adapter in adapters:
        hub.add_adapter(adapter)
    if links is not None:
        from bot.app.http_server import web_server
        from web.app import create_app
        from web.services import WebServices

        services = WebServices(
            database=database,
            catalogs=catalogs,
            clock=clock,
            messenger=messenger,
            tools=tools,
            links=links,
            coordinators=frozenset(settings.coordinators),
            retention=settings.retention,
            on_planned=delivery.wake,
        )
        app = create_app(services, extra_routes=list(hub_health_routes(hub, settings)))
        hub.web = web_server(app, settings.web_host, settings.web_port)
    return hub


def build_core(
    *,
    database: Database,
    clock: Clock,
    messenger: Messenger,
    tools: ToolCatalogue,
    defaults: CommunityDefaults,
    retention: RetentionPolicy | None = None,
    coordinators: frozenset[str] = frozenset(),
    extra: Callable[[Router], None] | None = None,
    web: WebLinks | None = None,
) -> Core:
    """The core with every handler, as the hub runs it and the test harness plays it.

    `extra` registers more handlers or forms (tests of the mechanisms themselves); `web` is
    where the online platform lives, when it runs.
    """
    router, dialogs = build_router(retention, web)
    if extra is not None:
        extra(router)
    return Core(
        database=database,
        router=router,
        dialogs=dialogs,
        catalogs=Catalogs(defaults.language),
        clock=clock,
        messenger=messenger,
        counter=MessageCounter(database),
        defaults=defaults,
        tools=tools,
        coordinators=coordinators,
    )


def _web_links(settings: Settings) -> WebLinks:
    if settings.web_secret is not None:
        secret = settings.web_secret.get_secret_value().encode()
    else:
        log.warning("WEB_SECRET is not set: login links sent before a restart stop working")
        secret = secrets.token_bytes(32)
    return WebLinks(settings.web_url, secret)


def hub_health_routes(hub: Hub, settings: Settings) -> list[Route]:
    """/healthz, /readyz and /metrics for this hub: what the web platform mounts, or what
    `leeratelier run` serves on HEALTH_PORT when the web platform is off."""
    from bot.app.health import (
        AdapterConnected,
        Connectable,
        DatabaseReachable,
        RateLimited,
        ReadinessCheck,
        SchedulerSwept,
        health_routes,
    )

    metrics = hub.metrics
    if metrics is None:
        raise ValueError("a hub built for the console counts nothing to serve")
    checks: list[ReadinessCheck] = [DatabaseReachable(hub.database)]
    checks += [
        AdapterConnected(adapter) for adapter in hub.adapters if isinstance(adapter, Connectable)
    ]
    checks.append(SchedulerSwept(hub.delivery.last_sweep_age, hub.delivery.interval))
    metrics.watch_rate_limits(
        lambda: [
            (adapter.platform, adapter.rate_limits)
            for adapter in hub.adapters
            if isinstance(adapter, RateLimited)
        ]
    )

    async def refresh() -> None:
        metrics.record_sweep_age(hub.delivery.last_sweep_age())
        now = hub.core.clock.now()
        async with hub.database.session() as session:
            metrics.record_snapshot(await OperationsRepository(session).snapshot(now), now)

    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    return health_routes(checks=checks, metrics=metrics, refresh=refresh, token=token)


async def _community_of(repos: Repositories, target: Target) -> int | None:
    """The community a parked reply belongs to: the group's, or the member's latest."""
    group = target.chat_id if isinstance(target, ChatTarget) else target.group
    if group is not None:
        community = await repos.communities.find(target.platform, group)
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
    menu: CommandMenu,
    router: Router,
    catalogs: Catalogs,
) -> list[Adapter]:
    """An adapter for every platform with a token. Platform libraries load only when used."""
    adapters: list[Adapter] = []
    if settings.telegram_token is not None:
        from bot.adapters.telegram.adapter import TelegramAdapter, TelegramConfig

        secret = settings.telegram_webhook_secret
        config = TelegramConfig(
            token=settings.telegram_token.get_secret_value(),
            base_url=settings.telegram_base_url,
            webhook_url=settings.telegram_webhook_url or None,
            webhook_listen=settings.telegram_webhook_listen,
            webhook_port=settings.telegram_webhook_port,
            webhook_secret=secret.get_secret_value() if secret else None,
        )
        adapters.append(TelegramAdapter(config, menu=menu))
    if settings.discord_token is not None:
        from bot.adapters.discord.adapter import DiscordAdapter, DiscordConfig

        discord_config = DiscordConfig(
            token=settings.discord_token.get_secret_value(),
            coordinator_role=settings.discord_coordinator_role,
            shard_count=settings.discord_shard_count,
            shard_ids=settings.discord_shard_ids,
        )
        adapters.append(DiscordAdapter(discord_config, router=router, catalogs=catalogs))
    return adapters
