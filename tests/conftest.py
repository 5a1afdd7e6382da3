"""Fixtures: databases on SQLite and on a throwaway PostgreSQL server, the harness, and the
check that fails a test for an ERROR log line it did not declare."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from storage import migrate
from storage.db import Database
from tests.harness import Harness
from tests.support.postgres import PostgresServer, PostgresUnavailable, create_database

REQUIRE_POSTGRES = os.environ.get("LEERATELIER_REQUIRE_POSTGRES") == "1"
# Every `leeratelier run` a test starts serves the web platform too: on a free port each, so
# tests running side by side (and a developer's own bot on 8080) never meet.
os.environ.setdefault("WEB_PORT", "0")
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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file; every SQLite test starts from a copy of it."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def prepare() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate.upgrade(database)
        finally:
            await database.dispose()  # the last connection folds the WAL into the file

    with ThreadPoolExecutor(1) as worker:
        worker.submit(asyncio.run, prepare()).result()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "test.db")
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
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


@dataclass
class ErrorLog:
    """ERROR (and worse) log records of one test; `expect(pattern)` declares the ones the
    test provokes on purpose (a regular expression searched in the message)."""

    records: list[logging.LogRecord] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def expect(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[logging.LogRecord]:
        return [
            record
            for record in self.records
            if not any(p.search(record.getMessage()) for p in self.expected)
        ]


@pytest.fixture(autouse=True)
def logged_errors(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ErrorLog]:
    """Fails the test when anything logs an ERROR it did not declare, with
    `logged_errors.expect(...)` or `@pytest.mark.expected_errors("pattern", ...)`.

    Records are taken where every logger hands them on (`Logger.handle`), so a test that
    reconfigures the root logger's handlers cannot hide them."""
    errors = ErrorLog()
    for marker in request.node.iter_markers("expected_errors"):
        for pattern in marker.args:
            errors.expect(pattern)
    handle = logging.Logger.handle

    def recording(logger: logging.Logger, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            errors.records.append(record)
        handle(logger, record)

    monkeypatch.setattr(logging.Logger, "handle", recording)
    yield errors
    unexpected = errors.unexpected()
    if unexpected:
        lines = "\n".join(
            f"  {record.name}: {record.getMessage()}"
            + (f" ({record.exc_info[1]!r})" if record.exc_info else "")
            for record in unexpected[:10]
        )
        pytest.fail(f"{len(unexpected)} unexpected ERROR log line(s):\n{lines}", pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "expected_errors(*patterns): ERROR log lines this test provokes on purpose"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_problem:
        terminalreporter.write_line(
            "PostgreSQL tests were SKIPPED: "
            + _postgres_problem[0]
            + " (install PostgreSQL to run them; CI does)",
            yellow=True,
            bold=True,
        )
