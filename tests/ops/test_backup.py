"""`leeratelier db backup` while the bot writes and sends; `db restore` into a fresh file.

The member writes privately: the bot paces a group at 20 messages a minute, as Telegram asks.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from pathlib import Path

from storage.migrate import head_revision
from tests.fakes.telegram_api import FakeTelegramServer
from tests.ops.processes import COMMAND, BotProcess, base_env

GROUP = -1001234567000
COCO = 401
REMINDERS = 3


def leeratelier(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return list(connection.execute(query))


async def test_a_backup_taken_while_the_bot_writes_and_sends_restores_every_committed_row(
    tmp_path: Path,
) -> None:
    live = tmp_path / "bot.db"
    async with FakeTelegramServer(enforce_rate_limits=False) as server:
        server.add_user(COCO, "Coco", language_code="nl")
        server.add_group(GROUP, "Atelier", admins=[COCO])
        server.user_started_bot(COCO)
        env = base_env(
            f"sqlite+aiosqlite:///{live}",
            TELEGRAM_TOKEN=server.token,
            TELEGRAM_BASE_URL=server.base_url,
        )
        bot = BotProcess(env, tmp_path)
        try:
            await bot.start()
            for number in range(REMINDERS):
                server.push_message(GROUP, COCO, f"/herinner over 1 minuut Koffie {number}")
            await server.wait_for_sent(REMINDERS + 1, timeout=30)
            confirmed: list[str] = []

            async def write_reflections() -> None:
                number = 0
                while len(confirmed) < 200:
                    text = f"Reflectie nummer {number}"
                    start = len(server.sent)
                    server.push_message(COCO, COCO, f"/reflectie {text}")
                    await server.wait_for_sent(
                        lambda r: "reflectie is bewaard" in (r.text or ""), 30, start=start
                    )
                    confirmed.append(text)
                    number += 1

            writer = asyncio.create_task(write_reflections())
            await server.wait_for_sent(lambda r: "Koffie" in (r.text or ""), timeout=90)
            assert not writer.done()
            committed = list(confirmed)
            backup = tmp_path / "backup.db"
            made = await asyncio.to_thread(
                leeratelier, "db", "backup", str(backup), env=env, cwd=tmp_path
            )
            assert made.returncode == 0, made.stderr
            assert "sqlite backup" in made.stdout
            assert not writer.done(), "the bot stopped writing before the backup was done"
            await asyncio.sleep(1)
            writer.cancel()
            refused = await asyncio.to_thread(
                leeratelier, "db", "backup", str(backup), env=env, cwd=tmp_path
            )
            assert refused.returncode == 1 and "--force" in refused.stderr
        finally:
            assert await bot.stop() == 0

    fresh = tmp_path / "restored" / "fresh.db"
    restore_env = {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{fresh}"}
    restored = leeratelier("db", "restore", str(backup), env=restore_env, cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    upgraded = leeratelier("db", "upgrade", env=restore_env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert head_revision(restore_env["DATABASE_URL"]) in upgraded.stdout
    assert rows(fresh, "PRAGMA integrity_check") == [("ok",)]

    texts = {text for (text,) in rows(fresh, "SELECT text FROM reflections")}
    assert set(committed) <= texts
    assert len(committed) >= 1
    kinds = rows(fresh, "SELECT kind, state FROM scheduled_sends")
    assert len(kinds) >= REMINDERS
    assert rows(fresh, "SELECT count(*) FROM communities") == [(1,)]

    again = leeratelier("db", "restore", str(backup), env=restore_env, cwd=tmp_path)
    assert again.returncode == 1
    assert "holds data" in again.stderr and "--force" in again.stderr
    forced = leeratelier("db", "restore", str(backup), "--force", env=restore_env, cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    wrong = leeratelier(
        "db", "restore", str(not_a_backup), "--force", env=restore_env, cwd=tmp_path
    )
    assert wrong.returncode == 1 and "neither an SQLite database" in wrong.stderr
    assert "Traceback" not in wrong.stderr + again.stderr + restored.stderr
