"""Fixtures: databases on SQLite and on a throwaway PostgreSQL server, and the harness."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from storage import migrate
from storage.db import Database
from tests.harness import Harness
from tests.support.postgres import PostgresServer, PostgresUnavailable, create_database

REQUIRE_POSTGRES = os.environ.get("LEERATELIER_REQUIRE_POSTGRES") == "1"
TEMPLATE = "leeratelier_template"
_postgres_problem: list[str] = []
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as problem:
        _postgres_problem.append(str(problem))
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required here but unavailable: {problem}")
        pytest.skip(f"PostgreSQL unavailable: {problem}")
    try:
        # Session fixtures may be first requested from inside a running event loop.
        with ThreadPoolExecutor(1) as worker:
            worker.submit(asyncio.run, _prepare_template(server)).result()
        yield server
    finally:
        server.stop()


async def _prepare_template(server: PostgresServer) -> None:
    database = Database(await create_database(server, TEMPLATE))
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        database = Database(url)
        await migrate.upgrade(database)
        await database.dispose()
        yield url
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        yield await create_database(server, f"test_{os.getpid()}_{next(_counter)}", TEMPLATE)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
async def postgres_database(postgres_server: PostgresServer) -> AsyncIterator[Database]:
    """For behaviour only PostgreSQL allows: interleaved writers (SQLite serialises them)."""
    url = await create_database(postgres_server, f"pg_{os.getpid()}_{next(_counter)}", TEMPLATE)
    db = Database(url)
    yield db
    await db.dispose()


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    h = await Harness.create(database_url)
    yield h
    await h.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_problem:
        terminalreporter.write_line(
            "PostgreSQL tests were SKIPPED: "
            + _postgres_problem[0]
            + " (install PostgreSQL to run them; CI does)",
            yellow=True,
            bold=True,
        )
