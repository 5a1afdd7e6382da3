"""The Discord adapter on discord.py 2.7: translation and rendering only.

One community per guild text channel the bot is used in (a thread counts for its channel).
Slash commands, button presses and modal submissions are interactions: each gets its first
response within Discord's three seconds (deferred when the core is slow), a form as a modal
where one can open. Ordinary channel messages are counted for the ledger (their text is only
passed on when the bot is mentioned or replied to). Private answers are ephemeral where an
interaction allows, direct messages otherwise. Sending runs per channel in order, in the
background, so a slow channel never holds up another; discord.py keeps to Discord's
per-route rate limits and waits out 429s.

A member's private chat is identified by their user id (as on Telegram), not by the id of
the DM channel: the core can then name it before any DM exists, and the adapter opens (and
caches) the DM channel when it sends. Discord lets a bot write to any member who has not
closed their DMs, so every identity is marked `dm_open` and counts as reachable until a DM
is refused (403, code 50007).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.utils import MISSING

from bot.adapters.base import Capabilities, Host, RateLimitStats
from bot.adapters.delivery import DeliveryPolicy, Ticket, as_delivery_error
from bot.adapters.discord.commands import (
    EnglishLocalisations,
    SlashCommand,
    app_command,
    fingerprint,
    slash_commands,
)
from bot.adapters.discord.rendering import (
    MESSAGE_LIMIT,
    MODAL_FIELDS,
    NO_MENTIONS,
    Outgoing,
    button_view,
    form_name,
    messages,
    modal,
    scheduled_event_fields,
    submitted_values,
)
from bot.core import button_codec
from bot.core.i18n import Catalogs, language_or_none
from bot.core.router import Router
from bot.model.messages import (
    ChatRef,
    ChatTarget,
    EventKind,
    Incoming,
    Reply,
    Target,
    UserRef,
)
from bot.model.messenger import DeliveryRefused, SendJob
from bot.model.mirror import MirroredEvent, MirrorForbidden

log = logging.getLogger(__name__)

PLATFORM = "discord"
CUSTOM_ID_LIMIT = 100
RECENT_MESSAGES = 4096
RETRIES = 5
STOP_SECONDS = 6.0
"""How long a stop waits for the sends in flight (the process must be gone within 10 s)."""


@dataclass(frozen=True)
class DiscordConfig:
    token: str
    coordinator_role: str = ""
    """Members with this role (name or id) are coordinators, besides those with Manage Server."""
    guild_ready_timeout: float = 2.0
    defer_after: float = 2.0
    """Seconds to wait for the core before acknowledging an interaction (Discord allows 3);
    0 acknowledges every interaction first."""
    shard_count: int | None = None
    """The bot's total number of shards; None lets Discord recommend one."""
    shard_ids: tuple[int, ...] = ()
    """The shards this process runs (Discord routes a guild to `(id >> 22) % count`); empty:
    all of them."""


def intents() -> discord.Intents:
    """Guilds, members (joins and leaves), guild and direct messages, and message content
    (Server Members and Message Content are privileged: enable them in the developer portal)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.members = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = True
    return wanted


def language_of(locale: discord.Locale | None) -> str | None:
    """nl → nl, en-US and en-GB → en, anything else: no preference."""
    return language_or_none(locale.value if locale is not None else None)


class DiscordAdapter:
    """Composes the shared DeliveryPolicy as its Channel: every channel message carries a
    nonce with enforce_nonce (discord.py 2.7 sends both when given a nonce), so a resend of
    an interrupted or unknown send never shows twice."""

    platform = PLATFORM
    deduplicates = True
    capabilities = Capabilities(
        max_message_length=MESSAGE_LIMIT,
        native_forms=True,
        direct_messages=True,
        button_data_limit=CUSTOM_ID_LIMIT,
    )

    def __init__(
        self,
        config: DiscordConfig,
        *,
        router: Router,
        catalogs: Catalogs,
    ) -> None:
        self.config = config
        self._commands = slash_commands(router, catalogs)
        self._fingerprint = fingerprint(self._commands)
        self.client = discord.AutoShardedClient(
            intents=intents(),
            **_sharding(config),
            guild_ready_timeout=config.guild_ready_timeout,
            chunk_guilds_at_startup=False,
            allowed_mentions=NO_MENTIONS,
        )
        self.tree: app_commands.CommandTree[discord.AutoShardedClient] = app_commands.CommandTree(
            self.client
        )
        for spec in self._commands:
            self.tree.add_command(app_command(spec, self._on_command))
        for handler in (
            self.on_message,
            self.on_interaction,
            self.on_member_join,
            self.on_raw_member_remove,
            self.on_guild_join,
        ):
            self.client.event(handler)
        self._host: Host | None = None
        self._gateway: asyncio.Task[None] | None = None
        self._synced: dict[int, str] = {}
        self._dm_channels: dict[int, discord.DMChannel] = {}
        self.delivery = DeliveryPolicy(self, lambda: self._host)
        self._answering: set[asyncio.Task[Any]] = set()
        """Messages and interactions being answered: a stop lets them finish."""
        self._stopping = False
        self._recent: deque[int] = deque(maxlen=RECENT_MESSAGES)
        self.rate_limits = RateLimitStats()
        logging.getLogger("discord.http").addFilter(_RateLimitCounter(self.rate_limits))

    @property
    def connected(self) -> bool:
        """Every shard of this process is connected to the gateway and ready."""
        return self.client.is_ready() and not self.client.is_closed()

    # lifecycle -------------------------------------------------------------------------

    async def start(self, host: Host) -> None:
        self._host = host
        await self.tree.set_translator(EnglishLocalisations())
        try:
            await self._connect()
        except BaseException:
            await self.client.close()
            raise
        for guild in self.client.guilds:
            await self._sync(guild)

    async def _connect(self) -> None:
        await self.client.login(self.config.token)
        self._gateway = asyncio.create_task(self.client.connect(), name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        await asyncio.wait({self._gateway, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            self._gateway.result()  # raises what stopped the connection
            raise RuntimeError("the Discord gateway closed before it was ready")

    async def stop(self) -> None:
        """Let the sends and interaction answers in flight finish, close the gateway, and park
        in the outbox what is still queued. Messages that arrive until the gateway is closed
        are still handled (Discord never delivers them again); their answers are parked."""
        self._stopping = True
        await self._answers_in_flight()
        parked = await self.delivery.stop(timeout=STOP_SECONDS)
        for counter in list(logging.getLogger("discord.http").filters):
            if isinstance(counter, _RateLimitCounter) and counter.stats is self.rate_limits:
                logging.getLogger("discord.http").removeFilter(counter)
        await self.client.close()
        if self._gateway is not None:
            await asyncio.gather(self._gateway, return_exceptions=True)
        await self._answers_in_flight()
        parked += self.delivery.take_parked()
        if parked and self._host is not None:
            await self._host.park(parked)

    async def _answers_in_flight(self) -> None:
        if self._answering:
            await asyncio.wait(self._answering, timeout=STOP_SECONDS)

    async def _sync(self, guild: discord.abc.Snowflake) -> None:
        """Publish the slash commands to one guild (instantly visible there); skipped when
        this process already published the same list."""
        if self._synced.get(guild.id) == self._fingerprint:
            return
        self.tree.copy_global_to(guild=guild)
        try:
            await self.tree.sync(guild=guild)
        except discord.HTTPException as error:
            log.warning("could not publish slash commands to guild %s: %s", guild.id, error)
            return
        self._synced[guild.id] = self._fingerprint

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._sync(guild)

    # incoming: messages and members ------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self._host is None:
            return
        if message.guild is None:
            if isinstance(message.channel, discord.DMChannel):
                self._dm_channels[message.author.id] = message.channel
            chat = _private_chat(message.author)
            user = self._user_ref(message.author)
            msg = Incoming.from_text(chat, user, message.content.strip())
        else:
            addressed = self._addressed(message)
            text = self._without_mention(message.content) if addressed else ""
            chat = self._guild_chat(message.guild, message.channel)
            user = self._user_ref(message.author)
            msg = Incoming(chat, user, EventKind.MESSAGE, text=text, addressed=addressed)
        current = asyncio.current_task()
        if current is not None:
            self._answering.add(current)
        try:
            keyed = replace(msg, update_key=f"{PLATFORM}:m:{message.id}")
            replies = await self._host.dispatch(keyed)
            if replies:
                self.delivery.answer(msg, replies, chat_id=_where(message.channel, msg))
        finally:
            self._answering.discard(current)

    def _addressed(self, message: discord.Message) -> bool:
        """A mention of the bot, or a reply to one of its messages."""
        me = self.client.user
        if me is None:
            return False
        if any(mentioned.id == me.id for mentioned in message.mentions):
            return True
        reference = message.reference
        if reference is None:
            return False
        resolved = reference.resolved
        if isinstance(resolved, discord.Message):
            return resolved.author.id == me.id
        return reference.message_id in self._recent

    def _without_mention(self, content: str) -> str:
        me = self.client.user
        if me is not None:
            for form in (f"<@{me.id}>", f"<@!{me.id}>"):
                content = content.replace(form, " ")
        return content.strip()

    async def on_member_join(self, member: discord.Member) -> None:
        """A newcomer is welcomed once: in the server's system channel when that is a
        community, otherwise in the first community channel of the server."""
        if member.bot or self._host is None:
            return
        channels = await self._community_channels(member.guild)
        if not channels:
            return
        system = member.guild.system_channel
        welcome = system if system in channels else channels[0]
        msg = Incoming(
            self._guild_chat(member.guild, welcome), self._user_ref(member), EventKind.JOINED
        )
        replies = await self._host.dispatch(msg)
        if replies:
            self.delivery.answer(msg, replies, chat_id=str(welcome.id))

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member who leaves the server leaves every community of it."""
        guild = self.client.get_guild(payload.guild_id)
        if payload.user.bot or guild is None or self._host is None:
            return
        user = self._user_ref(payload.user)
        for channel in await self._community_channels(guild):
            await self._host.dispatch(
                Incoming(self._guild_chat(guild, channel), user, EventKind.LEFT)
            )

    async def _community_channels(self, guild: discord.Guild) -> list[discord.TextChannel]:
        """The guild's text channels that are communities, in the guild's order."""
        channels = sorted(guild.text_channels, key=lambda channel: channel.position)
        if self._host is None:
            return []
        known = await self._host.known_communities(
            PLATFORM, [str(channel.id) for channel in channels]
        )
        return [channel for channel in channels if str(channel.id) in known]

    # incoming: interactions -------------------------------------------------------------

    async def _on_command(
        self,
        interaction: discord.Interaction[Any],
        spec: SlashCommand,
        values: Mapping[str, str | None],
    ) -> None:
        chat, user = self._interaction_refs(interaction)
        name, args = spec.command.name, spec.args(values)
        msg = Incoming(
            chat,
            user,
            EventKind.COMMAND,
            text=f"/{name} {args}".strip(),
            command=name,
            args=args,
            form_size=MODAL_FIELDS,
            options=dict(values),
        )
        await self._answer_interaction(interaction, msg)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Button presses and modal submissions, read from their custom ids alone: buttons
        on messages sent before a restart work the same (slash commands go to the tree)."""
        data: Mapping[str, Any] = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if interaction.type is discord.InteractionType.component:
            decoded = button_codec.decode(custom_id)
            action, payload = decoded if decoded is not None else ("", "")
            chat, user = self._interaction_refs(interaction)
            pressed = Incoming.button(chat, user, action, payload)
            await self._answer_interaction(interaction, replace(pressed, form_size=MODAL_FIELDS))
        elif interaction.type is discord.InteractionType.modal_submit:
            form = form_name(custom_id)
            if form is None:
                return
            values = submitted_values(data.get("components", []))
            chat, user = self._interaction_refs(interaction)
            submitted = Incoming.form_submit(chat, user, form, values)
            await self._answer_interaction(interaction, replace(submitted, form_size=MODAL_FIELDS))

    def _interaction_refs(self, interaction: discord.Interaction[Any]) -> tuple[ChatRef, UserRef]:
        member = interaction.user
        user = self._user_ref(member, interaction)
        if interaction.guild is None or not isinstance(member, discord.Member):
            return _private_chat(member), user
        return self._guild_chat(interaction.guild, interaction.channel), user

    async def _answer_interaction(
        self, interaction: discord.Interaction[Any], msg: Incoming
    ) -> None:
        """Answer within Discord's three seconds: with the replies when the core is quick,
        otherwise acknowledge first and follow up."""
        current = asyncio.current_task()
        if self._host is None or self._stopping or current is None:
            return
        msg = replace(msg, update_key=f"{PLATFORM}:i:{interaction.id}")
        self._answering.add(current)
        try:
            work = asyncio.create_task(self._host.dispatch(msg))
            quick = self.config.defer_after > 0
            if quick:
                await asyncio.wait({work}, timeout=self.config.defer_after)
            answer = InteractionAnswer(self, interaction, msg)
            if not (quick and work.done()):
                await answer.defer()
            await answer.send(await work)
        except discord.HTTPException as error:
            log.warning("could not answer a Discord interaction: %s", error)
        finally:
            self._answering.discard(current)

    # identities --------------------------------------------------------------------------

    def _user_ref(
        self,
        user: discord.User | discord.Member,
        interaction: discord.Interaction[Any] | None = None,
    ) -> UserRef:
        locale = interaction.locale if interaction is not None else None
        permissions = interaction.permissions if interaction is not None else None
        is_admin = isinstance(user, discord.Member) and self._is_coordinator(user, permissions)
        return UserRef(
            PLATFORM,
            str(user.id),
            user.display_name,
            language_of(locale),
            is_admin=is_admin,
            dm_open=True,
        )

    def _is_coordinator(
        self, member: discord.Member, permissions: discord.Permissions | None
    ) -> bool:
        """Manage Server, or the configured coordinator role (by name or id)."""
        if member.guild_permissions.manage_guild:
            return True
        if permissions is not None and permissions.manage_guild:
            return True
        wanted = self.config.coordinator_role.strip().casefold()
        return bool(wanted) and any(
            wanted in (role.name.casefold(), str(role.id)) for role in member.roles
        )

    def _guild_chat(self, guild: discord.Guild, channel: object) -> ChatRef:
        """The community of a channel; a thread belongs to its channel's community."""
        if isinstance(channel, discord.Thread) and channel.parent is not None:
            channel = channel.parent
        channel_id = getattr(channel, "id", 0)
        cached = self.client.get_channel(channel_id)
        name = getattr(cached or channel, "name", None) or str(channel_id)
        return ChatRef(PLATFORM, str(channel_id), is_private=False, title=f"{guild.name} · #{name}")

    # outgoing ----------------------------------------------------------------------------

    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        await self.delivery.send(target, replies)

    async def send_in_turn(self, target: Target, job: SendJob, *, key: str) -> None:
        await self.delivery.send_in_turn(target, job, key=key)

    def key(self, target: Target) -> str:
        if isinstance(target, ChatTarget):
            return f"c{target.chat_id}"
        return f"u{target.user_id}"

    async def pace(self, key: str) -> None:
        """discord.py keeps to Discord's per-route buckets and waits out 429s itself."""
        return None

    def unpace(self, key: str) -> None:
        return None

    async def deliver(
        self, target: Target, reply: Reply, ticket: Ticket, *, reply_to: int | None = None
    ) -> None:
        channel = await self._channel(target)
        for outgoing in messages(reply):
            view = await self.view(outgoing)

            async def create(
                nonce: str, outgoing: Outgoing = outgoing, view: discord.ui.View | None = view
            ) -> discord.Message:
                return await channel.send(
                    outgoing.content or None,
                    files=outgoing.files(),
                    allowed_mentions=NO_MENTIONS,
                    view=view or MISSING,
                    nonce=nonce,
                )

            sent = await ticket.call(create)
            self.remember(sent.id)

    async def _channel(self, target: Target) -> discord.abc.Messageable:
        if isinstance(target, ChatTarget):
            return self.client.get_partial_messageable(int(target.chat_id))
        try:
            return await self._dm_channel(int(target.user_id))
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
            problem = as_delivery_error(error)
            if problem is None:
                raise
            raise problem from error

    async def _dm_channel(self, user_id: int) -> discord.DMChannel:
        """The DM channel with a user (the private chat id is the user id), created once."""
        known = self._dm_channels.get(user_id)
        if known is not None:
            return known
        user = self.client.get_user(user_id) or await self.client.fetch_user(user_id)
        channel = await user.create_dm()
        self._dm_channels[user_id] = channel
        return channel

    async def view(self, outgoing: Outgoing) -> discord.ui.View | None:
        if not outgoing.rows:
            return None
        custom_ids = {
            button: button_codec.encode(button) for row in outgoing.rows for button in row
        }
        return button_view(outgoing.rows, custom_ids)

    def remember(self, message_id: int) -> None:
        """A message the bot sent, so a reply to it counts as addressed to the bot."""
        self._recent.append(message_id)

    # meetings as Scheduled Events (the EventMirror port) -----------------------------------

    async def publish_event(
        self, chat: ChatTarget, event: MirroredEvent, event_id: str | None
    ) -> str:
        """An external Scheduled Event of the channel's guild, visible to its members."""
        fields = scheduled_event_fields(event)
        async with _as_mirror_error():
            guild = await self._guild_of(chat)
            existing = await self._scheduled_event(guild, event_id)
            if existing is not None:
                edited = await existing.edit(**fields)
                return str(edited.id)
            created = await guild.create_scheduled_event(**fields)
            return str(created.id)

    async def withdraw_event(self, chat: ChatTarget, event_id: str) -> None:
        """Cancelled while still scheduled; one already running or over is deleted."""
        async with _as_mirror_error():
            guild = await self._guild_of(chat)
            existing = await self._scheduled_event(guild, event_id)
            if existing is None:
                return
            if existing.status is discord.EventStatus.scheduled:
                await existing.cancel()
            elif existing.status is discord.EventStatus.active:
                await existing.delete()

    async def _guild_of(self, chat: ChatTarget) -> discord.Guild:
        channel = self.client.get_channel(int(chat.chat_id)) or await self.client.fetch_channel(
            int(chat.chat_id)
        )
        guild = getattr(channel, "guild", None)
        if not isinstance(guild, discord.Guild):
            raise DeliveryRefused(f"channel {chat.chat_id} belongs to no server")
        return guild

    @staticmethod
    async def _scheduled_event(
        guild: discord.Guild, event_id: str | None
    ) -> discord.ScheduledEvent | None:
        """The event to update; None when there is none yet, or it was deleted or has ended
        (a new one is then created)."""
        if event_id is None:
            return None
        try:
            found = await guild.fetch_scheduled_event(int(event_id), with_counts=False)
        except discord.NotFound:
            return None
        if found.status in (discord.EventStatus.completed, discord.EventStatus.cancelled):
            return None
        return found


class InteractionAnswer:
    """The replies to one interaction: a modal when one is wanted and can open, otherwise
    the first message as the interaction's response and the rest as follow-ups; private
    replies ephemeral."""

    def __init__(
        self, adapter: DiscordAdapter, interaction: discord.Interaction[Any], msg: Incoming
    ) -> None:
        self.adapter = adapter
        self.interaction = interaction
        self.msg = msg
        self.thinking = False
        """Deferred with an ephemeral "thinking…" note that the first private reply replaces."""

    async def defer(self) -> None:
        if self.interaction.type is discord.InteractionType.component:
            await self.interaction.response.defer()
        else:
            await self.interaction.response.defer(ephemeral=True, thinking=True)
            self.thinking = True

    async def send(self, replies: Sequence[Reply]) -> None:
        for update in (reply for reply in replies if reply.replaces_origin):
            await self._update_origin(update)
        replies = [reply for reply in replies if not reply.replaces_origin]
        form = next((reply for reply in replies if reply.form is not None), None)
        if form is not None and form.form is not None and self._can_open_modal():
            modal_shown = modal(form.form)
            await self.interaction.response.send_modal(modal_shown)
            rest = [reply for reply in replies if reply is not form]
            if rest:
                self.adapter.delivery.answer(self.msg, rest, chat_id=self._channel_id())
            return
        followed_up = False
        for reply in replies:
            if self.interaction.response.is_done() and self.thinking and not reply.private:
                # The "thinking…" note is ephemeral; a public reply goes to the channel itself.
                self.adapter.delivery.answer(self.msg, [reply], chat_id=self._channel_id())
                continue
            for outgoing in messages(reply):
                followed_up |= await self._send(outgoing, private=reply.private)
        if not self.interaction.response.is_done():
            await self.defer()  # nothing to say: acknowledge all the same
        if self.thinking and not followed_up:
            await self.interaction.delete_original_response()

    async def _update_origin(self, reply: Reply) -> None:
        """The message whose button was pressed, replaced: as the interaction's response
        (UPDATE_MESSAGE) when that is still open, otherwise by editing the original response
        (the message itself, after a deferred update). Its attachments stay. Only a text that
        fits one message replaces one."""
        if self.interaction.type is not discord.InteractionType.component:
            return
        outgoing = messages(reply)
        if len(outgoing) != 1:
            return
        view = await self.adapter.view(outgoing[0])
        content = outgoing[0].content
        try:
            if not self.interaction.response.is_done():
                await self.interaction.response.edit_message(content=content, view=view)
            else:
                await self.interaction.edit_original_response(content=content, view=view)
        except discord.HTTPException as error:
            log.info("could not update the message of a Discord interaction: %s", error)

    def _channel_id(self) -> str | None:
        channel = self.interaction.channel
        return str(channel.id) if channel is not None and not self.msg.chat.is_private else None

    def _can_open_modal(self) -> bool:
        return (
            not self.interaction.response.is_done()
            and self.interaction.type is not discord.InteractionType.modal_submit
        )

    async def _send(self, outgoing: Outgoing, *, private: bool) -> bool:
        """Send one message; True when it was a follow-up to a "thinking" note."""
        view = await self.adapter.view(outgoing) or MISSING
        response = self.interaction.response
        if not response.is_done():
            created = await response.send_message(
                outgoing.content or None,
                files=outgoing.files(),
                ephemeral=private,
                allowed_mentions=NO_MENTIONS,
                view=view,
            )
            if created.message_id is not None:
                self.adapter.remember(created.message_id)
            return False
        sent = await _patiently(
            lambda: self.interaction.followup.send(
                outgoing.content or "",
                files=outgoing.files(),
                ephemeral=private,
                allowed_mentions=NO_MENTIONS,
                wait=True,
                view=view,
            )
        )
        self.adapter.remember(sent.id)
        return self.thinking


MISSING_PERMISSIONS = 50013


@contextlib.asynccontextmanager
async def _as_mirror_error() -> AsyncIterator[None]:
    """Discord's answers as the EventMirror port's errors: no Manage Events (403, code 50013)
    is MirrorForbidden; anything else as for a message."""
    try:
        yield
    except discord.Forbidden as error:
        if error.code == MISSING_PERMISSIONS:
            raise MirrorForbidden(f"{error.status} {error.code}: {error.text}") from error
        raise DeliveryRefused(f"Forbidden: {error}") from error
    except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as error:
        problem = as_delivery_error(error)
        if problem is None:
            raise
        raise problem from error


def _private_chat(user: discord.abc.User) -> ChatRef:
    return ChatRef(PLATFORM, str(user.id), is_private=True, title=user.display_name)


def _where(channel: object, msg: Incoming) -> str | None:
    """The channel or thread to answer in, when it is not the community's own channel."""
    if msg.chat.is_private:
        return None
    return str(getattr(channel, "id", msg.chat.chat_id))


async def _patiently(
    attempt: Callable[[], Awaitable[discord.Message]],
) -> discord.Message:
    """discord.py waits out 429s itself, a few times; a burst that still hits one is tried
    again here rather than dropped."""
    for tries in range(RETRIES):
        try:
            return await attempt()
        except discord.HTTPException as error:
            if error.status != 429 or tries == RETRIES - 1:
                raise
            await asyncio.sleep(1 + tries)
    raise AssertionError("unreachable")


def _sharding(config: DiscordConfig) -> dict[str, Any]:
    """Only what is set: discord.py's own defaults (one process, Discord's count) otherwise."""
    chosen: dict[str, Any] = {}
    if config.shard_count is not None:
        chosen["shard_count"] = config.shard_count
    if config.shard_ids:
        chosen["shard_ids"] = list(config.shard_ids)
    return chosen


class _RateLimitCounter(logging.Filter):
    """Counts the 429s discord.py waits out. Its HTTP client offers no hook for them, only the
    warning it logs for each (the arguments: method, url, seconds to wait)."""

    def __init__(self, stats: RateLimitStats) -> None:
        super().__init__()
        self.stats = stats

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("We are being rate limited.") and "responded with 429" in message:
            args = record.args if isinstance(record.args, tuple) else ()
            seconds = args[2] if "Retrying in" in message and len(args) >= 3 else 0.0
            self.stats.record(float(seconds) if isinstance(seconds, int | float) else 0.0)
        return True
