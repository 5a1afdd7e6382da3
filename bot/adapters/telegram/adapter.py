"""The Telegram adapter on python-telegram-bot 22: translation and rendering only.

Updates become `Incoming` messages; replies are rendered as HTML with every span escaped,
split under 4,096 characters at paragraph boundaries, with inline keyboards for buttons and
a forced reply when the bot waits for an answer in a group. Sending runs per chat in order,
in the background, so a slow group (20 messages a minute) never holds up anybody else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
    CallbackQuery,
    Chat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes, TypeHandler

from bot.adapters.base import Capabilities, Host, RateLimitStats
from bot.adapters.delivery import DeliveryPolicy, Ticket
from bot.adapters.rendering import render_html, render_plain, split_text
from bot.adapters.telegram.limits import TelegramRateLimiter
from bot.core import button_codec
from bot.core.command_menu import CommandMenu, MenuEntry
from bot.core.i18n import LANGUAGES
from bot.model.markup import Text
from bot.model.messages import (
    ChatRef,
    ChatTarget,
    EventKind,
    Incoming,
    Reply,
    Target,
    UserRef,
    parse_command,
)
from bot.model.messenger import SendJob

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
TOAST_LIMIT = 200
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
STOP_SECONDS = 6.0
"""How long a stop waits for the sends in flight (the process must be gone within 10 s)."""
SEND_CONNECTIONS = 16
"""Connections kept for sending, instead of PTB's 256: httpcore checks every idle connection
on every request, which cost a quarter of the adapter's CPU under a crowd, and Telegram's own
limit of 30 messages a second never needs more than a handful at once."""
POOL_WAIT_SECONDS = 10.0
"""How long a send waits for a free connection. A pool timeout never wrote the request, so
the delivery policy counts it as not sent and retries it: nothing is lost or doubled."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    base_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    poll_timeout: int = 30
    admin_cache_seconds: float = 600.0


def utf16_length(text: Text) -> int:
    """Telegram measures message length in UTF-16 code units of the visible text."""
    return len(render_plain(text).encode("utf-16-le")) // 2


class TelegramAdapter:
    """Composes the shared DeliveryPolicy as its Channel (pacing by the rate limiter's
    reservation; no nonce: Telegram cannot deduplicate, so an unknown send is never repeated)."""

    platform = PLATFORM
    deduplicates = False
    capabilities = Capabilities(
        max_message_length=MESSAGE_LIMIT,
        native_forms=False,
        direct_messages=True,
        button_data_limit=CALLBACK_DATA_LIMIT,
    )

    def __init__(
        self,
        config: TelegramConfig,
        *,
        menu: CommandMenu,
        rate_limiter: BaseRateLimiter[int] | None = None,
    ) -> None:
        self.config = config
        self._menu = menu
        self.rate_limiter = rate_limiter or TelegramRateLimiter()
        self.app: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(config.token)
            .base_url(config.base_url)
            .base_file_url(config.base_url.replace("/bot", "/file/bot"))
            .rate_limiter(self.rate_limiter)
            .connection_pool_size(SEND_CONNECTIONS)
            .pool_timeout(POOL_WAIT_SECONDS)
            .build()
        )
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self._host: Host | None = None
        self._username = ""
        self._bot_id = 0
        self.delivery = DeliveryPolicy(self, lambda: self._host)
        self._admins: dict[int, tuple[float, frozenset[int]]] = {}

    @property
    def connected(self) -> bool:
        """Receiving updates (polling or webhook) and able to send."""
        return bool(self.app.running and self.app.updater and self.app.updater.running)

    @property
    def rate_limits(self) -> RateLimitStats:
        limiter = self.rate_limiter
        return limiter.stats if isinstance(limiter, TelegramRateLimiter) else RateLimitStats()

    # lifecycle -------------------------------------------------------------------------

    async def start(self, host: Host) -> None:
        self._host = host
        await self.app.initialize()
        self._username = self.app.bot.username
        self._bot_id = self.app.bot.id
        await self.app.start()
        if self.app.updater is None:
            raise RuntimeError("python-telegram-bot built no updater")
        if self.config.webhook_url:
            await self.app.updater.start_webhook(
                listen=self.config.webhook_listen,
                port=self.config.webhook_port,
                url_path=urlparse(self.config.webhook_url).path.lstrip("/"),
                webhook_url=self.config.webhook_url,
                secret_token=self.config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await self.app.updater.start_polling(
                timeout=self.config.poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
        await self._publish_menu()

    async def stop(self) -> None:
        """Stop taking updates, let the sends in flight finish, park what is still queued
        in the outbox, then close."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()  # the updates already fetched are handled first
        parked = await self.delivery.stop(timeout=STOP_SECONDS)
        if parked and self._host is not None:
            await self._host.park(parked)
        await self.app.shutdown()

    async def _publish_menu(self) -> None:
        bot = self.app.bot
        for language in (*LANGUAGES, None):
            members = _commands(self._menu.for_members(language or "nl"))
            coordinators = _commands(self._menu.for_coordinators(language or "nl"))
            await bot.set_my_commands(members, BotCommandScopeDefault(), language)
            await bot.set_my_commands(members, BotCommandScopeAllPrivateChats(), language)
            await bot.set_my_commands(members, BotCommandScopeAllGroupChats(), language)
            await bot.set_my_commands(
                coordinators, BotCommandScopeAllChatAdministrators(), language
            )

    # incoming ----------------------------------------------------------------------------

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        key = f"{PLATFORM}:{self._bot_id}:{update.update_id}"
        if update.callback_query is not None:
            await self._on_button(update.callback_query, key)
        elif update.message is not None:
            await self._on_message(update.message, key)

    async def _on_message(self, message: Message, key: str) -> None:
        sender = message.from_user
        if sender is None or sender.is_bot:
            return
        chat = _chat_ref(message.chat)
        if message.new_chat_members:
            for newcomer in message.new_chat_members:
                if not newcomer.is_bot:
                    user = await self._user_ref(newcomer, message.chat)
                    joined = Incoming(
                        chat, user, EventKind.JOINED, update_key=f"{key}:{newcomer.id}"
                    )
                    await self._handle(joined, None)
            return
        if message.left_chat_member is not None:
            leaver = message.left_chat_member
            if not leaver.is_bot:
                user = await self._user_ref(leaver, message.chat)
                await self._handle(Incoming(chat, user, EventKind.LEFT, update_key=key), None)
            return
        user = await self._user_ref(sender, message.chat)
        msg = self._translate_text(message, chat, user)
        if msg is not None:
            await self._handle(replace(msg, update_key=key), message.message_id)

    def _translate_text(self, message: Message, chat: ChatRef, user: UserRef) -> Incoming | None:
        text = message.text
        if text is None:
            # Photos, stickers, voice: group activity to count; nothing to answer privately.
            return None if chat.is_private else Incoming(chat, user, EventKind.MESSAGE)
        parsed = parse_command(text) if text.startswith("/") else None
        if parsed is not None:
            command, addressee, args = parsed
            if addressee and addressee.casefold() != self._username.casefold():
                return Incoming(chat, user, EventKind.MESSAGE, text=text)
            return Incoming(chat, user, EventKind.COMMAND, text=text, command=command, args=args)
        return Incoming.from_text(chat, user, text, addressed=self._addressed(message, text))

    def _addressed(self, message: Message, text: str) -> bool:
        replied = message.reply_to_message
        author = replied.from_user if replied is not None else None
        if author is not None and author.id == self._bot_id:
            return True
        return f"@{self._username}".casefold() in text.casefold()

    async def _on_button(self, query: CallbackQuery, key: str) -> None:
        origin = query.message
        chat = (
            origin.chat if isinstance(origin, Message) else Chat(query.from_user.id, Chat.PRIVATE)
        )
        decoded = button_codec.decode(query.data or "")
        action, payload = decoded if decoded is not None else ("", "")
        user = await self._user_ref(query.from_user, chat)
        msg = replace(Incoming.button(_chat_ref(chat), user, action, payload), update_key=key)
        replies = await self._require_host().dispatch(msg)
        toast = _toast(msg, replies)
        try:
            await query.answer(render_plain(toast.text) if toast else None)
        except TelegramError as error:
            log.info("could not answer a button press: %s", error)
        for update in (reply for reply in replies if reply.replaces_origin):
            if isinstance(origin, Message):
                self._edit(origin, update)
        rest = [reply for reply in replies if reply is not toast and not reply.replaces_origin]
        if rest:
            self.delivery.answer(msg, rest)

    def _edit(self, origin: Message, reply: Reply) -> None:
        """Replace the text and buttons of the message whose button was pressed; its document
        (the .ics of a reminder) is a message of its own and stays. Only a text that fits one
        message replaces one."""
        pieces = split_text(reply.text, MESSAGE_LIMIT, utf16_length)
        if len(pieces) != 1 or origin.text is None:
            return
        chat_id, message_id = origin.chat.id, origin.message_id

        async def edit() -> None:
            markup = await self._markup(reply, chat_id < 0)
            try:
                await self.app.bot.edit_message_text(
                    render_html(pieces[0]),
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
                    disable_web_page_preview=True,
                )
            except BadRequest as error:
                if "not modified" not in str(error).casefold():
                    raise

        self.delivery.update(ChatTarget(PLATFORM, str(chat_id)), str(message_id), edit)

    async def _handle(self, msg: Incoming, message_id: int | None) -> None:
        replies = await self._require_host().dispatch(msg)
        if replies:
            self.delivery.answer(msg, replies, reply_to=message_id)

    def _require_host(self) -> Host:
        if self._host is None:
            raise RuntimeError("the Telegram adapter was not started")
        return self._host

    async def _user_ref(self, user: User, chat: Chat) -> UserRef:
        is_admin = chat.type != Chat.PRIVATE and user.id in await self._admin_ids(chat)
        return UserRef(
            PLATFORM, str(user.id), user.full_name, user.language_code, is_admin=is_admin
        )

    async def _admin_ids(self, chat: Chat) -> frozenset[int]:
        """The group's administrators (coordinators), cached for a while."""
        cached = self._admins.get(chat.id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            admins = await self.app.bot.get_chat_administrators(chat.id)
            ids = frozenset(member.user.id for member in admins)
        except TelegramError as error:
            log.warning("could not read the administrators of chat %s: %s", chat.id, error)
            ids = cached[1] if cached else frozenset()
        self._admins[chat.id] = (time.monotonic() + self.config.admin_cache_seconds, ids)
        return ids

    # outgoing ----------------------------------------------------------------------------

    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        await self.delivery.send(target, replies)

    async def send_in_turn(self, target: Target, job: SendJob, *, key: str) -> None:
        await self.delivery.send_in_turn(target, job, key=key)

    def key(self, target: Target) -> str:
        return str(int(target.chat_id if isinstance(target, ChatTarget) else target.user_id))

    async def pace(self, key: str) -> None:
        limiter = self.rate_limiter
        if isinstance(limiter, TelegramRateLimiter):
            await limiter.reserve(key)

    def unpace(self, key: str) -> None:
        limiter = self.rate_limiter
        if isinstance(limiter, TelegramRateLimiter):
            limiter.release(key)

    async def deliver(
        self, target: Target, reply: Reply, ticket: Ticket, *, reply_to: int | None = None
    ) -> None:
        chat_id = int(self.key(target))
        markup = await self._markup(reply, chat_id < 0)
        pieces = split_text(reply.text, MESSAGE_LIMIT, utf16_length)
        bot = self.app.bot
        for index, piece in enumerate(pieces):

            async def create(
                _nonce: str,
                piece: Text = piece,
                first: bool = index == 0,
                last: bool = index == len(pieces) - 1,
            ) -> Message:
                sent: Message = await bot.send_message(
                    chat_id,
                    render_html(piece),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                    reply_to_message_id=reply_to if first else None,
                    allow_sending_without_reply=True,
                    disable_web_page_preview=True,
                )
                return sent

            await ticket.call(create)
        attachment = reply.attachment
        if attachment is not None:
            await ticket.call(
                lambda _nonce: bot.send_document(
                    chat_id,
                    InputFile(attachment.content, filename=attachment.filename),
                    filename=attachment.filename,
                    reply_markup=markup if not pieces else None,
                )
            )

    async def _markup(self, reply: Reply, group: bool) -> InlineKeyboardMarkup | ForceReply | None:
        if reply.buttons:
            rows = [
                [
                    InlineKeyboardButton(button.label, callback_data=button_codec.encode(button))
                    for button in row
                ]
                for row in reply.buttons
            ]
            return InlineKeyboardMarkup(rows)
        if reply.awaits_answer and group:
            return ForceReply(selective=True)
        return None

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling a Telegram update", exc_info=context.error)


def _toast(msg: Incoming, replies: list[Reply]) -> Reply | None:
    """A short private answer to a button pressed in a group (an RSVP noted) shows as a
    notification on the member's screen instead of a message in the group or a DM."""
    if msg.chat.is_private:
        return None
    for reply in replies:
        if (
            reply.private
            and not reply.buttons
            and reply.attachment is None
            and len(render_plain(reply.text)) <= TOAST_LIMIT
        ):
            return reply
    return None


def _chat_ref(chat: Chat) -> ChatRef:
    return ChatRef(
        PLATFORM, str(chat.id), is_private=chat.type == Chat.PRIVATE, title=chat.title or ""
    )


def _commands(entries: Sequence[MenuEntry]) -> list[BotCommand]:
    return [BotCommand(entry.name, entry.description[:256]) for entry in entries]
