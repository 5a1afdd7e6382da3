"""A real `leeratelier run` process against the strict fake Bot API (Telegram's limits on),
killed with SIGKILL in the middle of a burst of 20 reminders due at once in one group, then
started again: at most the one message in flight is lost per kill, none is ever doubled."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import migrate
from storage.db import Database
from storage.models import Community, ScheduledSend
from tests.fakes.telegram_api import FakeTelegramServer

COMMAND = str(Path(sys.executable).parent / "leeratelier")
TOKEN = "4242:TEST-token"
GROUP = -1001234567890
REMINDERS = 20
TRIALS = int(os.environ.get("CRASH_TRIALS", "10"))


async def _prepare(url: str) -> None:
    database = Database(url)
    await migrate.upgrade(database)
    now = datetime.now(UTC)
    async with database.session() as session:
        community = Community(
            platform="telegram",
            chat_id=str(GROUP),
            title="Leeratelier Impact",
            language="nl",
            timezone="Europe/Amsterdam",
            created_at=now,
        )
        session.add(community)
        await session.flush()
        for number in range(REMINDERS):
            session.add(
                ScheduledSend(
                    community_id=community.id,
                    kind="reminder.free",
                    platform="telegram",
                    chat_id=str(GROUP),
                    payload={"text": f"herinnering {number}"},
                    due_at=now - timedelta(seconds=1),
                    created_at=now,
                )
            )
    await database.dispose()


def _states(path: Path) -> Counter[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("select state from scheduled_sends").fetchall()
    return Counter(state for (state,) in rows)


async def _start(server: FakeTelegramServer, url: str, log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env.update(
        TELEGRAM_TOKEN=TOKEN, TELEGRAM_BASE_URL=server.base_url, DATABASE_URL=url, LOG_LEVEL="INFO"
    )
    with log.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            COMMAND, "run", stdin=asyncio.subprocess.DEVNULL, stdout=sink, stderr=sink, env=env
        )


def _reminders_seen(server: FakeTelegramServer) -> Counter[str]:
    return Counter(
        (record.text or "").removeprefix("🔔 ").split("\n")[0]
        for record in server.sent
        if record.chat_id == GROUP and "herinnering" in (record.text or "")
    )


async def _trial(tmp_path: Path, number: int, rng: random.Random) -> tuple[int, int, int]:
    """One kill -9 mid-burst and a restart; returns (lost, doubled, sent before the kill)."""
    folder = tmp_path / f"trial-{number}"
    folder.mkdir()
    path = folder / "bot.db"
    url = f"sqlite+aiosqlite:///{path}"
    await _prepare(url)
    log = folder / "bot.log"
    async with FakeTelegramServer(token=TOKEN) as server:
        server.add_user(101, "Coco", language_code="nl")
        server.add_group(GROUP, "Leeratelier Impact", admins=[101])
        first = await _start(server, url, log)
        kill_after = rng.randint(1, REMINDERS - 1)
        await server.wait_for_sent(
            lambda r: sum(1 for _ in _reminders_seen(server).elements()) >= kill_after,
            timeout=120,
        )
        await asyncio.sleep(rng.uniform(0, 0.05))
        first.send_signal(signal.SIGKILL)
        await first.wait()
        before = sum(_reminders_seen(server).values())

        second = await _start(server, url, log)
        for _ in range(600):
            states = _states(path)
            if states["pending"] == 0 and sum(_reminders_seen(server).values()) >= (
                REMINDERS - states["sending"] - states["unknown"]
            ):
                break
            await asyncio.sleep(0.1)
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), timeout=15) == 0, log.read_text()
        seen = _reminders_seen(server)
        assert server.rate_limit_hits == 0
    lost = sum(1 for n in range(REMINDERS) if seen[f"herinnering {n}"] == 0)
    doubled = sum(1 for count in seen.values() if count > 1)
    states = _states(path)
    assert states["sent"] + states["sending"] + states["unknown"] == REMINDERS, states
    assert lost <= states["sending"] + states["unknown"] <= 1, (states, seen)
    return lost, doubled, before


async def test_kill_9_mid_burst_loses_at_most_the_message_in_flight_and_doubles_none(
    tmp_path: Path,
) -> None:
    rng = random.Random(15)
    results = [await _trial(tmp_path, number, rng) for number in range(TRIALS)]
    lost = sum(result[0] for result in results)
    doubled = sum(result[1] for result in results)
    print(
        f"\nkill -9 mid-burst: {TRIALS} trials x {REMINDERS} reminders: {lost} lost, "
        f"{doubled} doubled; killed after {[result[2] for result in results]} sends"
    )
    assert doubled == 0
    assert all(result[0] <= 1 for result in results)
