"""Two `leeratelier run` processes on one PostgreSQL database behind one Telegram webhook URL,
the proxy handing each update to the next worker in turn (as a round-robin proxy does)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg

from tests.fakes.telegram_api import FakeTelegramServer, SentRecord
from tests.ops.processes import BotProcess, base_env, free_port, metric
from tests.support.postgres import PostgresServer, create_database

GROUP = -1001234500000
ANNA, COCO = 501, 502
SECRET = "webhook-secret-123"
ANSWERS = [
    "Fotovoice met jongeren",
    "Wat verandert er voor hen?",
    "Camera's uitgedeeld",
    "Ze fotografeerden hun buurt",
    "Beelden openen het gesprek",
    "beeld, jongeren",
    "-",
    "-",
]


class Proxy:
    """Hands every update Telegram sends to the next worker, round robin."""

    def __init__(self, server: FakeTelegramServer, ports: list[int]) -> None:
        self.server = server
        self.urls = [f"http://127.0.0.1:{port}/telegram" for port in ports]
        self.turn = 0

    async def deliver(self, worker: int | None = None) -> None:
        if worker is not None:
            self.turn = worker
        url = self.urls[self.turn % len(self.urls)]
        self.turn += 1
        assert await self.server.flush_to_webhook(url) == [200]

    async def says(
        self, chat: int, user: int, text: str, reply_contains: str, *, worker: int | None = None
    ) -> SentRecord:
        start = len(self.server.sent)
        self.server.push_message(chat, user, text)
        await self.deliver(worker)
        return await self.server.wait_for_sent(
            lambda r: r.chat_id == chat and reply_contains in (r.text or ""), 30, start=start
        )

    async def presses(
        self, chat: int, user: int, message: SentRecord, label: str, reply_contains: str
    ) -> SentRecord:
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        data = next(b["callback_data"] for row in rows for b in row if b["text"] == label)
        start = len(self.server.sent)
        self.server.push_callback_query(user, message.message_id, chat, data)
        await self.deliver()
        return await self.server.wait_for_sent(
            lambda r: reply_contains in (r.text or ""), 30, start=start
        )


async def test_a_dialog_answered_by_two_workers_in_turn_is_saved_once_and_whole(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = await create_database(postgres_server, f"hooks_{os.getpid()}", "leeratelier_template")
    ports = [free_port(), free_port()]
    async with FakeTelegramServer(enforce_rate_limits=False, allow_insecure_webhooks=True) as tg:
        tg.add_user(ANNA, "Anna", language_code="nl")
        tg.add_user(COCO, "Coco", language_code="nl")
        tg.add_group(GROUP, "Atelier", admins=[COCO], members=[ANNA])
        tg.user_started_bot(ANNA)
        public = f"http://127.0.0.1:{ports[0]}/telegram"
        workers = [
            BotProcess(
                base_env(
                    url,
                    TELEGRAM_TOKEN=tg.token,
                    TELEGRAM_BASE_URL=tg.base_url,
                    TELEGRAM_WEBHOOK_URL=public,
                    TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
                    TELEGRAM_WEBHOOK_PORT=str(port),
                    TELEGRAM_WEBHOOK_SECRET=SECRET,
                ),
                tmp_path,
            )
            for port in ports
        ]
        proxy = Proxy(tg, ports)
        try:
            await asyncio.gather(*(worker.start() for worker in workers))
            assert tg.webhook is not None and tg.webhook.url == public

            await proxy.says(GROUP, ANNA, "/hulp", "Wat je kunt doen")
            await proxy.says(
                GROUP, COCO, "/herinner over 1 minuut Koffie voor iedereen", "gepland voor"
            )
            await proxy.says(ANNA, ANNA, "/experiment", "vraag 1 van 8")
            for number, answer in enumerate(ANSWERS, start=1):
                expected = f"vraag {number + 1} van 8" if number < len(ANSWERS) else "bewaard als #"
                await proxy.says(ANNA, ANNA, answer, expected)

            handled = [
                metric((await w.get("/metrics"))[1], "leeratelier_updates_total",
                       platform="telegram", kind="message", command="")
                for w in workers
            ]  # fmt: skip
            assert handled == [4, 4], "each worker answered every other step"

            # The tool index is cached per process: an approval on one worker reaches the other.
            await proxy.says(ANNA, ANNA, "/nieuwetool Buurtbarometer", "vraag 2 van 4")
            for answer, expected in (("Een barometer voor de buurt", "vraag 3"), ("-", "vraag 4")):
                await proxy.says(ANNA, ANNA, answer, expected)
            await proxy.says(ANNA, ANNA, "-", "Je voorstel staat nu bij de coördinatoren")
            before = await proxy.says(ANNA, ANNA, "/tool buurtbarometer", "", worker=1)
            assert "Buurtbarometer" not in (before.text or "")
            waiting = await proxy.says(GROUP, COCO, "/voorstellen", "Buurtbarometer", worker=0)
            await proxy.presses(GROUP, COCO, waiting, "Goedkeuren", "is goedgekeurd")

            await _wait_for(lambda: _reminders(tg) >= 1, timeout=120)
            await asyncio.sleep(35)  # one more sweep interval: a second copy would be out by now
            assert _reminders(tg) == 1
            found = await proxy.says(ANNA, ANNA, "/tool buurtbarometer", "", worker=1)
            assert "Buurtbarometer" in (found.text or ""), found.text
        finally:
            codes = await asyncio.gather(*(worker.stop() for worker in workers))
        assert codes == [0, 0], [w.stderr[-3000:] for w in workers]
        for worker in workers:
            assert "Traceback" not in worker.stderr and " ERROR " not in worker.stderr, (
                worker.stderr[-3000:]
            )

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        experiments = await connection.fetch(
            "SELECT what, question, done, happened, learned, tags FROM experiments"
        )
        dialogs = await connection.fetchval("SELECT count(*) FROM dialog_states")
        sends = await connection.fetch(
            "SELECT state FROM scheduled_sends WHERE kind = 'reminder.free'"
        )
    finally:
        await connection.close()
    assert len(experiments) == 1
    saved = experiments[0]
    assert [
        saved["what"],
        saved["question"],
        saved["done"],
        saved["happened"],
        saved["learned"],
    ] == (ANSWERS[:5])
    assert "jongeren" in saved["tags"]
    assert dialogs == 0
    assert [row["state"] for row in sends] == ["sent"]


def _reminders(server: FakeTelegramServer) -> int:
    return sum(1 for r in server.messages_to(GROUP) if "Koffie voor iedereen" in (r.text or "")
               and "gepland" not in (r.text or ""))  # fmt: skip


async def _wait_for(condition: object, timeout: float) -> None:  # noqa: ASYNC109
    assert callable(condition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the condition did not come true in time")
        await asyncio.sleep(0.5)
