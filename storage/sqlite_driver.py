"""aiosqlite's connection, with statements run on the event loop's own thread.

aiosqlite runs each sqlite3 call on the connection's thread and wakes the event loop for
every one: create a cursor, execute, fetch, close — four trips for one SELECT. A statement
of this application takes microseconds; a trip takes far longer (milliseconds on a busy
machine, where the woken thread waits for a core and then for the GIL). So statements run
right here, and the thread only serves what may wait: opening and closing the connection,
and a statement that finds another process holding SQLite's write lock — it runs again on
the thread, which waits up to `BUSY_WAIT_MS` for the lock while the event loop goes on.
(Writers of this process never meet each other there: `storage/db.py` lets one at a time
in.) A `BEGIN` waits and runs with the transaction's first statement, so a unit of work that
never reaches the database costs nothing.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import aiosqlite

BUSY_WAIT_MS = 5000
"""How long a statement waits, on the connection's thread, for another process's write."""
_BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE", "BEGIN DEFERRED", "BEGIN EXCLUSIVE"})
T = TypeVar("T")


def _open(database: str, options: dict[str, Any]) -> sqlite3.Connection:
    """On the connection's thread; used from the event loop's thread afterwards, never
    from both at once (each statement is awaited before the next)."""
    connection: sqlite3.Connection = sqlite3.connect(database, check_same_thread=False, **options)
    connection.execute("PRAGMA busy_timeout = 0")  # locked: retried on the thread instead
    return connection


def _patiently(function: Callable[[sqlite3.Connection], T], connection: sqlite3.Connection) -> T:
    """On the connection's thread: wait for another process's write lock."""
    connection.execute(f"PRAGMA busy_timeout = {BUSY_WAIT_MS}")
    try:
        return function(connection)
    finally:
        connection.execute("PRAGMA busy_timeout = 0")


def _busy(error: sqlite3.OperationalError) -> bool:
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


@dataclass
class _Statement:
    sql: str
    parameters: Any
    many: bool
    begin: str | None

    def run(self, connection: sqlite3.Connection) -> sqlite3.Cursor:
        """Runs again after a busy refusal: a BEGIN that went through is not repeated."""
        if self.begin is not None:
            connection.execute(self.begin)
            self.begin = None
        cursor = connection.cursor()
        try:
            if self.many:
                cursor.executemany(self.sql, self.parameters)
            else:
                cursor.execute(self.sql, self.parameters)
        except BaseException:
            cursor.close()
            raise
        return cursor


class Cursor:
    """The part of aiosqlite's cursor that SQLAlchemy's aiosqlite dialect uses."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor: sqlite3.Cursor | None = None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description if self._cursor is not None else None

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount if self._cursor is not None else -1

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid if self._cursor is not None else None

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        if parameters is None and sql.strip().upper() in _BEGINS:
            await self.close()
            self._connection.begin_later(sql)
            return self
        return await self._run(sql, () if parameters is None else parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        return await self._run(sql, parameters, many=True)

    async def _run(self, sql: str, parameters: Any, *, many: bool) -> Cursor:
        await self.close()
        self._cursor = await self._connection.run_statement(sql, parameters, many=many)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone() if self._cursor is not None else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        if self._cursor is None:
            return []
        return self._cursor.fetchmany(size or self.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall() if self._cursor is not None else []

    async def close(self) -> None:
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            cursor.close()


class Connection(aiosqlite.Connection):
    """An aiosqlite connection whose statements run on the event loop's thread."""

    def __init__(self, database: str, **options: Any) -> None:
        super().__init__(partial(_open, database, options), iter_chunk_size=64)
        self._thread.daemon = True
        self._begin: str | None = None
        self._on_thread = 0

    def begin_later(self, sql: str) -> None:
        self._begin = sql

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    async def run_statement(self, sql: str, parameters: Any, *, many: bool) -> sqlite3.Cursor:
        begin, self._begin = self._begin, None
        return await self._now_or_patiently(_Statement(sql, parameters, many, begin).run)

    async def commit(self) -> None:
        if not self._ends_nothing():
            await self._now_or_patiently(sqlite3.Connection.commit)

    async def rollback(self) -> None:
        if not self._ends_nothing():
            await self._now_or_patiently(sqlite3.Connection.rollback)

    async def _now_or_patiently(self, function: Callable[[sqlite3.Connection], T]) -> T:
        """Here and now; on the thread, in turn, after a refusal or while a call of a
        cancelled task still runs there."""
        connection = self._conn
        if not self._on_thread:
            try:
                return function(connection)
            except sqlite3.OperationalError as error:
                if not _busy(error):
                    raise
        trip: asyncio.Future[T] = asyncio.ensure_future(
            self._execute(_patiently, function, connection)  # type: ignore[no-untyped-call]
        )
        self._on_thread += 1
        trip.add_done_callback(self._back_from_thread)
        return await asyncio.shield(trip)  # a cancelled caller leaves the call running there

    def _back_from_thread(self, trip: asyncio.Future[Any]) -> None:
        self._on_thread -= 1
        if not trip.cancelled():
            trip.exception()  # the caller's to raise; retrieved here should it be gone

    def _ends_nothing(self) -> bool:
        """The transaction never reached the database (its BEGIN still waits), or there
        is none: nothing to end."""
        waiting, self._begin = self._begin, None
        connection = self._connection
        return connection is not None and (waiting is not None or not connection.in_transaction)


def connect(database: str, **options: Any) -> Connection:
    """Like `aiosqlite.connect`: await the result for an open connection."""
    return Connection(database, **options)
