"""`leeratelier db copy --to postgresql+asyncpg://…`: every row of every table arrives."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storage.db import Database
from storage.models import Base
from tests.harness import Harness
from tests.ops.processes import COMMAND, base_env
from tests.support.member_data import build_member_everywhere
from tests.support.postgres import PostgresServer, create_database


async def _rows(database: Database) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    async with database.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            result = await connection.execute(select(table).order_by(*order))
            found[table.name] = [dict(row) for row in result.mappings()]
    return found


def _copy(env: dict[str, str], cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "db", "copy", *extra],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


async def test_copy_from_sqlite_to_postgresql_moves_every_table_whole(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    source_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    harness = await Harness.create(source_url)
    try:
        await build_member_everywhere(harness)
        bert = harness.member("Bert", user_id="u-bert")
        await bert.says("/reflectie Meten is weten, maar niet alles")
        await bert.says("/herinner morgen 10:00 Koffie en verhalen")
        await harness.deliver()
    finally:
        await harness.close()

    target_url = await create_database(postgres_server, f"copy_{os.getpid()}")
    env = base_env(source_url)
    copied = await asyncio.to_thread(_copy, env, tmp_path, "--to", target_url)
    assert copied.returncode == 0, copied.stderr
    assert "both databases hold the same counts" in copied.stdout

    source, target = Database(source_url), Database(target_url)
    try:
        before, after = await _rows(source), await _rows(target)
        empty = [name for name, rows in before.items() if not rows]
        assert empty == [], f"the test data leaves tables empty: {empty}"
        for name, rows in before.items():
            assert after[name] == rows, f"{name} differs after the copy"
    finally:
        await source.dispose()
        await target.dispose()

    again = await asyncio.to_thread(_copy, env, tmp_path, "--to", target_url)
    assert again.returncode == 1
    assert "not empty" in again.stderr and "--force" in again.stderr
    assert "Traceback" not in again.stderr

    moved = await Harness.create(target_url)
    try:
        bert = moved.member("Bert", user_id="u-bert")
        saved = await bert.says("/reflectie Na de verhuizing gewoon verder")
        assert "bewaard" in saved.text, saved.text
    finally:
        await moved.close()


async def test_a_postgresql_backup_restores_into_an_empty_database(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    live_url = await create_database(postgres_server, f"live_{os.getpid()}")
    harness = await Harness.create(live_url)
    try:
        await build_member_everywhere(harness)
    finally:
        await harness.close()
    dump = tmp_path / "atelier.dump"
    made = await asyncio.to_thread(_cli, base_env(live_url), tmp_path, "backup", str(dump))
    assert made.returncode == 0, made.stderr
    assert "pg_dump backup" in made.stdout

    fresh_url = await create_database(postgres_server, f"fresh_{os.getpid()}")
    restored = await asyncio.to_thread(_cli, base_env(fresh_url), tmp_path, "restore", str(dump))
    assert restored.returncode == 0, restored.stderr
    live, fresh = Database(live_url), Database(fresh_url)
    try:
        assert await _rows(fresh) == await _rows(live)
    finally:
        await live.dispose()
        await fresh.dispose()
    refused = await asyncio.to_thread(_cli, base_env(fresh_url), tmp_path, "restore", str(dump))
    assert refused.returncode == 1 and "holds data" in refused.stderr
    into_sqlite = base_env(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    wrong = await asyncio.to_thread(_cli, into_sqlite, tmp_path, "restore", str(dump))
    assert wrong.returncode == 1 and "pg_dump file" in wrong.stderr


def _cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "db", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
