"""Validate the fake Telegram Bot API against the real python-telegram-bot client.

These tests keep the fake honest: every behaviour the bot's Telegram adapter relies on is
exercised through ``telegram.Bot`` / ``telegram.ext.Application`` (or raw HTTP where PTB would
hide what the server does).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes
from telegram.warnings import PTBDeprecationWarning

from .telegram_api import (
    BOT_ID,
    BOT_USERNAME,
    SECRET_TOKEN_HEADER,
    BotCommandRecord,
    FakeTelegramServer,
    RateLimits,
    SentFile,
    format_text,
    post_update_to_webhook,
)

TOKEN = "4242:TEST-token_abc"
ALICE = 1001  # started the bot
BOB = 1002  # never started the bot
GROUP = -1001234567890

# Constructing RetryAfter makes PTB 22 emit a deprecation warning about int time periods.
ignore_ptb_deprecations = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning"
)


class ManualClock:
    """Deterministic clock for the rate limiter, so no test has to wait a minute."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def populate(server: FakeTelegramServer) -> None:
    server.add_user(ALICE, "Alice", username="alice_nl", language_code="nl")
    server.add_user(BOB, "Bob")
    server.user_started_bot(ALICE)
    server.add_group(GROUP, "Leeratelier", admins=[ALICE], members=[BOB])


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer(token=TOKEN) as fake:
        populate(fake)
        yield fake


@pytest_asyncio.fixture
async def bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url) as client:
        yield client


async def raw_post(
    server: FakeTelegramServer,
    method: str,
    *,
    token: str | None = None,
    data: dict[str, str] | None = None,
    json_body: dict[str, Any] | None = None,
) -> tuple[int, dict[str, Any]]:
    """POST without PTB in between, returning (HTTP status, JSON envelope)."""
    url = f"{server.base_url}{token or server.token}/{method}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, json=json_body) as response,
    ):
        return response.status, await response.json()


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def until_polling(server: FakeTelegramServer) -> None:
    """Wait (briefly) until a getUpdates request is parked in long polling."""
    for _ in range(200):
        if server.pending_polls:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no getUpdates request is long-polling")


# ------------------------------------------------------------------------------ basics


@pytest.mark.asyncio
async def test_get_me_returns_the_bot_identity(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (BOT_ID, BOT_USERNAME, True)
    assert me.can_join_groups and me.can_read_all_group_messages


@pytest.mark.asyncio
async def test_unknown_token_and_method(server: FakeTelegramServer) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("4242:wrong", base_url=server.base_url):
            pass
    assert await raw_post(server, "getMe", token="4242:wrong") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    status, body = await raw_post(server, "getMe", token="not-a-token")
    assert (status, body["description"]) == (404, "Not Found")
    status, body = await raw_post(server, "sendTelepathy")
    assert (status, body["description"]) == (404, "Not Found")
    status, body = await raw_post(server, "GETME")  # method names are case-insensitive
    assert status == 200 and body["result"]["id"] == BOT_ID


@pytest.mark.asyncio
async def test_json_and_form_bodies_are_accepted(server: FakeTelegramServer) -> None:
    markup = '{"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}'
    status, body = await raw_post(
        server, "sendMessage", data={"chat_id": str(ALICE), "text": "hoi", "reply_markup": markup}
    )
    assert status == 200 and body["ok"] is True
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"
    html = {"chat_id": ALICE, "text": "<i>hoi</i>", "parse_mode": "HTML"}
    status, body = await raw_post(server, "sendMessage", json_body=html)
    assert status == 200
    assert body["result"]["entities"] == [{"type": "italic", "offset": 0, "length": 3}]
    assert [r.text for r in server.messages_to(ALICE)] == ["hoi", "hoi"]


# ------------------------------------------------------------------------------ sendMessage


@pytest.mark.asyncio
async def test_send_message_with_html_keeps_plain_text_and_entities(
    bot: Bot, server: FakeTelegramServer
) -> None:
    message = await bot.send_message(
        ALICE,
        '<b>Werkvorm</b> &amp; <a href="https://example.org">bron</a> &lt;3 🙂 <i>é</i>',
        parse_mode=ParseMode.HTML,
    )
    assert message.text == "Werkvorm & bron <3 🙂 é"
    assert message.from_user is not None and message.from_user.id == BOT_ID
    record = server.messages_to(ALICE)[-1]
    assert record.text == message.text and record.parse_mode == "HTML"
    assert record.entities == [
        {"type": "bold", "offset": 0, "length": 8},
        {"type": "text_link", "offset": 11, "length": 4, "url": "https://example.org/"},
        {"type": "italic", "offset": 22, "length": 1},  # 🙂 counts as two UTF-16 units
    ]
    assert [e.type for e in message.entities] == ["bold", "text_link", "italic"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<blink>x</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("5 < 6", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_broken_html_is_rejected(
    bot: Bot, server: FakeTelegramServer, html: str, reason: str
) -> None:
    with pytest.raises(BadRequest, match=r"^Can't parse entities"):
        await bot.send_message(ALICE, html, parse_mode=ParseMode.HTML)
    assert server.requests[-1].description == f"Bad Request: can't parse entities: {reason}"
    assert server.sent == []


@pytest.mark.asyncio
async def test_markdown_v2_reserved_characters_must_be_escaped(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="reserved and must be escaped"):
        await bot.send_message(ALICE, "Klaar.", parse_mode=ParseMode.MARKDOWN_V2)
    message = await bot.send_message(ALICE, "*Klaar*\\.", parse_mode=ParseMode.MARKDOWN_V2)
    assert message.text == "Klaar."


@pytest.mark.asyncio
async def test_text_length_limits(bot: Bot, server: FakeTelegramServer) -> None:
    await bot.send_message(ALICE, "a" * 4096)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ALICE, "a" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ALICE, "🙂" * 2049)  # 2049 code points, 4098 UTF-16 units
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(ALICE, "<b>  </b>", parse_mode=ParseMode.HTML)
    long_markup = "<b>" + "a" * 4096 + "</b>"  # the limit applies after entity parsing
    await bot.send_message(ALICE, long_markup, parse_mode=ParseMode.HTML)
    assert len(server.messages_to(ALICE)) == 2


@pytest.mark.asyncio
async def test_inline_keyboard_validation(bot: Bot, server: FakeTelegramServer) -> None:
    data_65_bytes = "é" * 32 + "x"  # 33 characters but 65 UTF-8 bytes
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data=data_65_bytes)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(ALICE, "Kies", reply_markup=too_long)
    # PTB does not validate callback_data itself; the raw request is rejected the same way.
    status, body = await raw_post(
        server,
        "sendMessage",
        json_body={
            "chat_id": ALICE,
            "text": "Kies",
            "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "x" * 65}]]},
        },
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    text_only = {"inline_keyboard": [[{"text": "Ja"}]]}
    status, body = await raw_post(
        server, "sendMessage", json_body={"chat_id": ALICE, "text": "x", "reply_markup": text_only}
    )
    assert status == 400 and "Text buttons are unallowed" in body["description"]
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="é" * 32)]])
    message = await bot.send_message(ALICE, "Kies", reply_markup=ok)
    assert message.reply_markup == ok
    placeholder = ForceReply(input_field_placeholder="Je antwoord")
    forced = await bot.send_message(ALICE, "Vraag?", reply_markup=placeholder)
    assert forced.reply_markup is None  # Telegram only echoes inline keyboards
    assert server.messages_to(ALICE)[-1].reply_markup == placeholder.to_dict()


@pytest.mark.asyncio
async def test_reply_to_message(bot: Bot, server: FakeTelegramServer) -> None:
    update = server.push_message(GROUP, BOB, "Vraag")
    message_id = update["message"]["message_id"]
    reply = await bot.send_message(GROUP, "Antwoord", reply_to_message_id=message_id)
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == message_id
    assert server.messages_to(GROUP)[-1].reply_to_message_id == message_id
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(GROUP, "Antwoord", reply_to_message_id=999)


@pytest.mark.asyncio
async def test_chat_access_rules(bot: Bot, server: FakeTelegramServer) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(BOB, "Hallo")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(555, "Hallo")
    server.user_started_bot(BOB)
    await bot.send_message(BOB, "Hallo")
    server.user_blocked_bot(BOB)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(BOB, "Hallo")
    await bot.send_message(GROUP, "Hallo groep")
    server.kick_bot(GROUP)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(GROUP, "Hallo?")
    assert [r.chat_id for r in server.sent] == [BOB, GROUP]


# ------------------------------------------------------------------------------ flood limits


@pytest.mark.asyncio
@ignore_ptb_deprecations
async def test_injected_429_raises_retry_after(bot: Bot, server: FakeTelegramServer) -> None:
    server.inject_429("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ALICE, "Hallo")
    assert retry_seconds(caught.value) == 7
    assert server.requests[-1].status == 429
    assert server.requests[-1].description == "Too Many Requests: retry after 7"
    await bot.send_message(ALICE, "Hallo")  # only injected once
    assert server.injected_429_hits == 1 and server.rate_limit_hits == 0


@pytest.mark.asyncio
@ignore_ptb_deprecations
async def test_rate_limits_follow_telegram() -> None:
    clock = ManualClock()
    limits = RateLimits(private_burst=1)
    async with FakeTelegramServer(token=TOKEN, clock=clock, rate_limits=limits) as server:
        populate(server)
        async with Bot(TOKEN, base_url=server.base_url) as bot:
            await bot.send_message(ALICE, "1")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(ALICE, "2")  # > 1 per second in one private chat
            assert retry_seconds(caught.value) == 1
            clock.advance(1.0)
            second = await bot.send_message(ALICE, "2")
            with pytest.raises(RetryAfter):  # edits count towards the limits too
                await second.edit_text("2!")

            for index in range(20):
                clock.advance(0.1)
                await bot.send_message(GROUP, f"groep {index}")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(GROUP, "te veel")  # > 20 per minute in one group
            assert 50 <= retry_seconds(caught.value) <= 60
            assert server.rate_limit_hits == 3
            clock.advance(60)
            await bot.send_message(GROUP, "weer goed")


@pytest.mark.asyncio
@ignore_ptb_deprecations
async def test_global_limit_and_burst_tolerance() -> None:
    clock = ManualClock()
    async with FakeTelegramServer(token=TOKEN, clock=clock) as server:
        users = range(2000, 2031)
        for user_id in users:
            server.add_user(user_id, f"U{user_id}")
            server.user_started_bot(user_id)
        async with Bot(TOKEN, base_url=server.base_url) as bot:
            for user_id in list(users)[:3]:
                for _ in range(3):  # default private_burst=3 tolerates a short burst
                    await bot.send_message(user_id, "x")
            with pytest.raises(RetryAfter):
                await bot.send_message(2000, "4th in the same second")
            for user_id in list(users)[3:24]:
                await bot.send_message(user_id, "x")  # 9 + 21 = 30 sends in this second
            with pytest.raises(RetryAfter):
                await bot.send_message(2030, "31st in one second")
            clock.advance(1.0)
            await bot.send_message(2030, "next second")
            server.enforce_rate_limits = False
            for _ in range(40):
                await bot.send_message(2030, "no limits")
            assert server.rate_limit_hits == 2


# ------------------------------------------------------------------------------ getUpdates


@pytest.mark.asyncio
async def test_get_updates_offset_semantics(bot: Bot, server: FakeTelegramServer) -> None:
    pushed = [server.push_message(ALICE, ALICE, f"bericht {i}")["update_id"] for i in range(3)]
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == pushed
    assert updates[0].message is not None and updates[0].message.text == "bericht 0"
    again = await bot.get_updates(offset=pushed[0] + 1)  # confirms only the first
    assert [u.update_id for u in again] == pushed[1:]
    assert await bot.get_updates(offset=pushed[-1] + 1) == ()
    assert await bot.get_updates() == ()  # confirmed updates are gone for good
    more = [server.push_message(ALICE, ALICE, f"extra {i}")["update_id"] for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == more[:2]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == more[-1:]
    assert [u["update_id"] for u in server.pending_updates] == more[-1:]


@pytest.mark.asyncio
async def test_allowed_updates_filter(bot: Bot, server: FakeTelegramServer) -> None:
    sent = await bot.send_message(
        ALICE,
        "Kies",
        reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("Ja", callback_data="yes")
        ),
    )
    server.push_message(ALICE, ALICE, "tekst")
    server.push_callback_query(ALICE, sent.message_id, ALICE, "yes")
    only_callbacks = await bot.get_updates(allowed_updates=[Update.CALLBACK_QUERY])
    assert [u.callback_query is not None for u in only_callbacks] == [True]
    everything = await bot.get_updates(allowed_updates=[])  # [] restores Telegram's default
    assert len(everything) == 2


@pytest.mark.asyncio
async def test_long_poll_returns_early_when_an_update_arrives(
    bot: Bot, server: FakeTelegramServer
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await until_polling(server)
    server.push_message(ALICE, ALICE, "wakker worden")
    updates = await poll
    assert [u.message.text for u in updates if u.message] == ["wakker worden"]
    assert time.monotonic() - started < 2


@pytest.mark.asyncio
async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3


@pytest.mark.asyncio
async def test_second_poller_terminates_the_first(bot: Bot, server: FakeTelegramServer) -> None:
    """Two bot instances polling at once: Telegram cuts off the older request with 409."""
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await until_polling(server)
    async with Bot(TOKEN, base_url=server.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


@pytest.mark.asyncio
async def test_webhook_mode_blocks_polling(bot: Bot, server: FakeTelegramServer) -> None:
    with pytest.raises(BadRequest, match="an https url must be provided"):
        await bot.set_webhook("http://bot.example.org/telegram")
    assert await bot.set_webhook("https://bot.example.org/telegram", secret_token="s3cr3t-X")
    assert server.webhook is not None and server.webhook.secret_token == "s3cr3t-X"
    info = await bot.get_webhook_info()
    assert info.url == "https://bot.example.org/telegram"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


@pytest.mark.asyncio
async def test_updates_can_be_posted_to_a_webhook(server: FakeTelegramServer) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append((request.headers.get(SECRET_TOKEN_HEADER), await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        update = server.push_message(ALICE, ALICE, "via webhook")
        status = await post_update_to_webhook(f"http://127.0.0.1:{port}/hook", update, "geheim")
        assert status == 200 and received == [("geheim", update)]
        status, _ = await raw_post(
            server, "setWebhook", data={"url": "https://bot.example.org/hook", "secret_token": "k"}
        )
        assert status == 200
        assert await server.flush_to_webhook(f"http://127.0.0.1:{port}/hook") == [200]
        assert received[-1] == ("k", update) and server.pending_updates == []
    finally:
        await runner.cleanup()


# ------------------------------------------------------------------------------ end to end


@pytest.mark.asyncio
async def test_application_polling_answers_start(server: FakeTelegramServer) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        await update.effective_message.reply_text(f"Hallo {update.effective_user.first_name}!")

    app = ApplicationBuilder().token(TOKEN).base_url(server.base_url).build()
    app.add_handler(CommandHandler("start", start))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        server.push_message(ALICE, ALICE, "/start")
        private = await server.wait_for_sent(lambda record: record.chat_id == ALICE)
        assert private.text == "Hallo Alice!"
        server.push_message(GROUP, BOB, "/start@OtherBot")  # addressed to another bot
        asked = server.push_message(GROUP, BOB, f"/start@{BOT_USERNAME}")
        in_group = await server.wait_for_sent(lambda record: record.chat_id == GROUP)
        assert in_group.text == "Hallo Bob!"
        assert in_group.reply_to_message_id == asked["message"]["message_id"]
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert len(server.messages_to(GROUP)) == 1
    assert server.pending_updates == []  # the shutdown getUpdates confirmed everything
    # On stop, PTB abandons the long poll and confirms with one last non-blocking getUpdates.
    final_polls = [c for c in server.calls("getUpdates") if c.params.get("timeout") == "0"]
    assert [c.status for c in final_polls] == [200]


@pytest.mark.asyncio
async def test_push_message_marks_commands_like_telegram(server: FakeTelegramServer) -> None:
    update = server.push_message(GROUP, BOB, "/help@OtherBot nu, zie https://example.org @alice_nl")
    message = Update.de_json(update, None).message
    assert message is not None
    kinds = [(e.type, message.parse_entity(e)) for e in message.entities]
    assert kinds == [
        ("bot_command", "/help@OtherBot"),
        ("url", "https://example.org"),
        ("mention", "@alice_nl"),
    ]
    assert message.chat.type == "supergroup" and message.from_user is not None
    private = server.push_message(ALICE, ALICE, "hoi")["message"]
    assert private["chat"] == {
        "id": ALICE, "type": "private", "first_name": "Alice", "username": "alice_nl"
    }  # fmt: skip
    assert "entities" not in private


# ------------------------------------------------------------------------------ other methods


@pytest.mark.asyncio
async def test_callback_query_answer_and_edits(bot: Bot, server: FakeTelegramServer) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])
    sent = await bot.send_message(ALICE, "Doe je mee?", reply_markup=keyboard)
    with pytest.raises(ValueError, match="no button"):
        server.push_callback_query(ALICE, sent.message_id, ALICE, "no")
    server.push_callback_query(ALICE, sent.message_id, ALICE, "yes")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "yes" and query.message is not None
    assert query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Genoteerd")
    assert server.answered_callbacks[-1].text == "Genoteerd"
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)

    edited = await bot.edit_message_text("Je doet mee", chat_id=ALICE, message_id=sent.message_id)
    # Like Telegram: editing the text without reply_markup drops the inline keyboard.
    assert isinstance(edited, Message) and edited.reply_markup is None
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Je doet mee", chat_id=ALICE, message_id=sent.message_id)
    await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=keyboard)
    current = server.get_message(ALICE, sent.message_id)
    assert current is not None and current["text"] == "Je doet mee"
    assert current["reply_markup"] == keyboard.to_dict()
    assert [r.method for r in server.sent] == [
        "sendMessage", "editMessageText", "editMessageReplyMarkup"
    ]  # fmt: skip
    assert len(server.messages_to(ALICE)) == 1
    assert await bot.delete_message(ALICE, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("weg", chat_id=ALICE, message_id=sent.message_id)


@pytest.mark.asyncio
async def test_send_document_records_file(bot: Bot, server: FakeTelegramServer) -> None:
    content = b"datum,titel\n2025-01-01,Intervisie\n"
    message = await bot.send_document(
        ALICE, document=content, filename="export.csv", caption="<b>Export</b>", parse_mode="HTML"
    )
    assert message.document is not None and message.document.file_name == "export.csv"
    assert message.caption == "Export"
    record = server.messages_to(ALICE)[-1]
    assert record.method == "sendDocument"
    assert record.document == SentFile("export.csv", content, "text/csv")
    assert record.caption == "Export"
    assert record.entities == [{"type": "bold", "offset": 0, "length": 6}]
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(ALICE, document=content, filename="x.csv", caption="c" * 1025)
    with pytest.raises(Forbidden):
        await bot.send_document(BOB, document=content, filename="x.csv")


@pytest.mark.asyncio
async def test_send_photo_requires_an_image(bot: Bot, server: FakeTelegramServer) -> None:
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        + (640).to_bytes(4, "big")
        + (480).to_bytes(4, "big")
        + b"\x08\x02\x00\x00\x00"
    )
    message = await bot.send_photo(ALICE, photo=png, filename="bord.png", caption="Bord")
    assert message.photo[-1].width == 640 and message.photo[-1].height == 480
    assert server.messages_to(ALICE)[-1].document == SentFile("bord.png", png, "image/png")
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(ALICE, photo=b"not an image", filename="x.png")


@pytest.mark.asyncio
async def test_commands_are_stored_per_scope_and_language(
    bot: Bot, server: FakeTelegramServer
) -> None:
    scope = BotCommandScopeChat(GROUP)
    commands = [BotCommand("start", "Begin"), BotCommand("werkvorm", "Zoek een werkvorm")]
    assert await bot.set_my_commands(commands, scope=scope, language_code="nl")
    expected = [BotCommandRecord(c.command, c.description) for c in commands]
    assert server.commands({"type": "chat", "chat_id": GROUP}, "nl") == expected
    assert server.commands() == []  # other scopes/languages are untouched
    assert server.commands({"type": "chat", "chat_id": GROUP}) == []
    assert list(await bot.get_my_commands(scope=scope, language_code="nl")) == commands
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Begin")])
    with pytest.raises(BadRequest, match="Bot_command_description_invalid"):
        await bot.set_my_commands([BotCommand("start", "")])
    assert await bot.delete_my_commands(scope=scope, language_code="nl")
    assert server.commands({"type": "chat", "chat_id": GROUP}, "nl") == []


@pytest.mark.asyncio
async def test_group_information_and_membership(bot: Bot, server: FakeTelegramServer) -> None:
    chat = await bot.get_chat(GROUP)
    assert (chat.type, chat.title) == ("supergroup", "Leeratelier")
    admins = await bot.get_chat_administrators(GROUP)
    assert [(m.user.id, m.status) for m in admins] == [(ALICE, "creator")]
    assert (await bot.get_chat_member(GROUP, BOB)).status == "member"
    assert (await bot.get_chat_member(GROUP, BOT_ID)).status == "member"
    assert await bot.send_chat_action(GROUP, "typing")
    assert server.chat_actions[-1].action == "typing"
    server.push_left_member(GROUP, BOB)
    assert (await bot.get_chat_member(GROUP, BOB)).status == "left"
    assert await bot.leave_chat(GROUP)
    with pytest.raises(Forbidden, match="not a member of the supergroup chat"):
        await bot.send_message(GROUP, "Nog iemand?")
    update = server.push_new_members(GROUP, [BOT_ID], by_user_id=ALICE)
    assert update["message"]["new_chat_members"][0]["id"] == BOT_ID
    await bot.send_message(GROUP, "Terug!")


@pytest.mark.asyncio
async def test_membership_updates_parse_in_ptb(bot: Bot, server: FakeTelegramServer) -> None:
    kick_update = server.kick_bot(GROUP)
    block_update = server.user_blocked_bot(ALICE)
    assert kick_update is not None and block_update is not None
    kicked = Update.de_json(kick_update, bot)
    assert kicked.my_chat_member is not None
    assert kicked.my_chat_member.new_chat_member.status == "kicked"
    assert kicked.my_chat_member.from_user.id == ALICE  # the creator, by default
    blocked = Update.de_json(block_update, bot)
    assert blocked.my_chat_member is not None and blocked.my_chat_member.chat.type == "private"
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(ALICE, "Hallo")
    server.push_my_chat_member(ALICE, "member")  # the user restarted the bot
    await bot.send_message(ALICE, "Welkom terug")
    server.add_group(-4001, "Bestuur", admins=[ALICE, BOT_ID], members=[BOB])
    admins = await bot.get_chat_administrators(-4001)
    statuses = [(member.user.id, member.status) for member in admins]
    assert statuses == [(ALICE, "creator"), (BOT_ID, "administrator")]
    assert (await bot.get_chat(-4001)).type == "group"
    bob_message = server.push_message(-4001, BOB, "spam")["message"]["message_id"]
    assert await bot.delete_message(-4001, bob_message)  # allowed: the bot is an admin here
    assert server.deleted[-1].message_id == bob_message


@pytest.mark.asyncio
async def test_wait_for_sent_counts_and_times_out(bot: Bot, server: FakeTelegramServer) -> None:
    sender = asyncio.create_task(bot.send_message(ALICE, "een"))
    (record,) = await server.wait_for_sent(1)
    await sender
    assert record.text == "een"
    with pytest.raises(TimeoutError, match="sent so far"):
        await server.wait_for_sent(lambda r: r.text == "twee", timeout=0.1)


def test_format_text_matches_telegram_parsers() -> None:
    code = format_text('<pre><code class="language-python">x = 1</code></pre>', "HTML")
    assert code.entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    lenient = format_text("Tom & Jerry", "HTML", lenient_ampersand=True)
    assert lenient.text == "Tom & Jerry"
    md = format_text("*vet* _schuin_ [link](https://example.org)", "MarkdownV2")
    assert md.text == "vet schuin link"
    assert [e["type"] for e in md.entities] == ["bold", "italic", "text_link"]
