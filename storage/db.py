"""Engine and unit of work for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

READ_ONLY = "leeratelier_read_only"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _tune_sqlite(engine: AsyncEngine) -> None:
    """Make aiosqlite safe under concurrency: explicit BEGIN IMMEDIATE, WAL, foreign keys.

    The driver otherwise opens its transaction only at the first write, which loses updates
    when two tasks read-modify-write the same row.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "busy_timeout=5000",
            "foreign_keys=ON",
            "synchronous=NORMAL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if reading else "BEGIN IMMEDIATE")


class Database:
    """One engine and its session factory; `session()` is one unit of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_async_engine(url, echo=echo, pool_pre_ping=not is_sqlite(url))
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Commit when the block ends normally, roll back on any exception."""
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that only reads (a web page): on SQLite it takes no write lock, so
        many readers proceed side by side in WAL mode instead of queueing behind
        BEGIN IMMEDIATE. Keep writes out of it: on SQLite a write there upgrades the lock
        without waiting and may fail as busy. On PostgreSQL it is an ordinary unit of work."""
        if not self.is_sqlite:
            async with self.session() as session:
                yield session
            return
        async with self.engine.connect() as connection:
            reader = await connection.execution_options(**{READ_ONLY: True})
            async with (
                AsyncSession(bind=reader, expire_on_commit=False) as session,
                session.begin(),
            ):
                yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
