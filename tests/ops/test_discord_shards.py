"""Discord shards in separate processes: DISCORD_SHARD_COUNT=2, one shard per process, on one
PostgreSQL database. Each guild is served by the one process that holds its shard, and a
reminder goes out once."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.fakes.discord_api import FakeDiscordServer
from tests.ops.processes import LAUNCHER, BotProcess, base_env, metric
from tests.support.postgres import PostgresServer, create_database

ROOT = str(Path(__file__).resolve().parents[2])
SHARDS = 2
GUILD_EVEN = 10 << 22  # (id >> 22) % 2 == 0: shard 0
GUILD_ODD = 11 << 22  # shard 1
CHANNEL_EVEN, CHANNEL_ODD = 5001, 5002
ANNA, BERT = 7001, 7002


async def test_two_processes_split_the_guilds_by_shard_and_send_a_reminder_once(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = await create_database(postgres_server, f"shards_{os.getpid()}", "leeratelier_template")
    async with FakeDiscordServer(shards=SHARDS) as server:
        server.add_user(ANNA, "Anna")
        server.add_user(BERT, "Bert")
        server.add_guild(GUILD_EVEN, "Even", channels={CHANNEL_EVEN: "atelier"}, owner_id=ANNA)
        server.add_guild(GUILD_ODD, "Oneven", channels={CHANNEL_ODD: "atelier"}, owner_id=BERT)
        workers = [
            BotProcess(
                base_env(
                    url,
                    DISCORD_TOKEN=server.token,
                    DISCORD_SHARD_COUNT=str(SHARDS),
                    DISCORD_SHARD_IDS=str(shard),
                    FAKE_DISCORD_API=server.api_base,
                    FAKE_DISCORD_GATEWAY=server.gateway_url,
                    PYTHONPATH=ROOT,
                ),
                tmp_path,
                argv=(sys.executable, LAUNCHER),
            )
            for shard in range(SHARDS)
        ]
        try:
            await asyncio.gather(*(worker.start() for worker in workers))
            assert sorted(server.identified_shards) == [(0, SHARDS), (1, SHARDS)]

            for channel, user in ((CHANNEL_EVEN, ANNA), (CHANNEL_ODD, BERT)):
                interaction = await server.push_slash_command(channel, user, "hulp")
                await interaction.wait_answered(timeout=30)
            pages = [(await worker.get("/metrics"))[1] for worker in workers]
            hulp = {"platform": "discord", "kind": "command", "command": "hulp"}
            assert [metric(page, "leeratelier_updates_total", **hulp) for page in pages] == [1, 1]
            assert {(c.shard_id, g) for c in server.sessions for g in (GUILD_EVEN, GUILD_ODD)
                    if c.live and c.handles(g)} == {(0, GUILD_EVEN), (1, GUILD_ODD)}  # fmt: skip

            planned = await server.push_slash_command(
                CHANNEL_ODD, BERT, "herinner", {"tekst": "over 1 minuut Koffie voor iedereen"}
            )
            await planned.wait_answered(timeout=30)
            await _wait_for(lambda: _reminders(server) >= 1, timeout=120)
            await asyncio.sleep(35)  # a full sweep interval more: a double would show by now
            assert _reminders(server) == 1
        finally:
            codes = await asyncio.gather(*(worker.stop() for worker in workers))
        assert codes == [0, 0], [worker.stderr[-3000:] for worker in workers]
        for worker in workers:
            assert "Traceback" not in worker.stderr, worker.stderr[-3000:]


def _reminders(server: FakeDiscordServer) -> int:
    return sum(
        1
        for sent in server.messages_in(CHANNEL_ODD)
        if "Koffie voor iedereen" in sent.content and sent.via == "channel"
    )


async def _wait_for(condition: object, timeout: float) -> None:  # noqa: ASYNC109
    assert callable(condition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the condition did not come true in time")
        await asyncio.sleep(0.5)
