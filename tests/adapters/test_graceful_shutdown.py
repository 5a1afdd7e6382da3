"""SIGTERM while replies wait behind Telegram's group limit: a real `leeratelier run` stops
taking updates, finishes what is in flight, parks the rest in the outbox and exits within
10 s; the next start sends them, in order, before anything new; none arrives twice."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path

from tests.adapters.test_crash_delivery import GROUP, TOKEN, _start
from tests.fakes.telegram_api import FakeTelegramServer

QUEUED = 30
COCO = 101


def _answers(server: FakeTelegramServer) -> list[str]:
    """The group answers to the numbered unknown commands, in the order they arrived."""
    found = []
    for record in server.sent:
        text = record.text or ""
        if record.chat_id == GROUP and "/vraag" in text:
            found.append(text.split("/vraag", 1)[1].split()[0].strip(".,:;!?'\""))
    return found


async def test_sigterm_parks_queued_group_replies_and_the_next_start_sends_them_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{path}"
    log = tmp_path / "bot.log"
    async with FakeTelegramServer(token=TOKEN) as server:
        server.add_user(COCO, "Coco", language_code="nl")
        server.add_group(GROUP, "Leeratelier Impact", admins=[COCO])
        first = await _start(server, url, log)
        for _ in range(600):  # polling: the bot is ready
            if server.calls("getUpdates"):
                break
            await asyncio.sleep(0.1)
        for number in range(1, QUEUED + 1):
            server.push_message(GROUP, COCO, f"/vraag{number}")
        # 20 a minute per group: the privacy notice and 19 answers go, the rest waits.
        await server.wait_for_sent(lambda _r: len(_answers(server)) >= 19, timeout=60)
        for _ in range(100):
            if len(server.calls("getUpdates")) and not server.pending_updates:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # every command handled, its answer queued
        before = len(_answers(server))
        signalled = time.monotonic()
        first.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(first.wait(), timeout=15) == 0, log.read_text()
        assert time.monotonic() - signalled < 10
        assert before < QUEUED
        with sqlite3.connect(path) as connection:
            parked = connection.execute(
                "select count(*) from scheduled_sends where kind = 'outbox.reply'"
            ).fetchone()[0]
        assert parked == QUEUED - len(_answers(server)) > 0

        second = await _start(server, url, log)
        await server.wait_for_sent(lambda _r: len(_answers(server)) >= QUEUED, timeout=150)
        await asyncio.sleep(1.0)
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), timeout=15) == 0, log.read_text()
    answers = _answers(server)
    assert Counter(answers) == Counter(str(n) for n in range(1, QUEUED + 1))
    assert answers == [str(n) for n in range(1, QUEUED + 1)]  # in order, across the restart
    assert "Traceback" not in log.read_text()
