"""aiosqlite with one trip to its thread per statement.

aiosqlite runs each sqlite3 call on the connection's own thread and wakes the event loop for
every one: create a cursor, execute, fetch, close — four trips for one SELECT, and a trip
costs more than the statement itself (far more on a busy machine). This connection makes one
trip per statement: the statement runs, its rows are fetched (up to `PREFETCH`; a longer
result, such as a stream, keeps its cursor and fetches the rest on later trips) and its
cursor is closed, all at once. A `BEGIN` waits and travels with the transaction's first
statement, and ending a transaction that never reached the database costs no trip.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import aiosqlite

PREFETCH = 512
"""Rows fetched in the statement's own trip; a larger result keeps its cursor open."""
_BEGINS = frozenset({"BEGIN", "BEGIN IMMEDIATE", "BEGIN DEFERRED", "BEGIN EXCLUSIVE"})


@dataclass
class _Result:
    description: Any
    rowcount: int
    lastrowid: int | None
    rows: list[Any]
    open_cursor: sqlite3.Cursor | None
    """Still holds rows beyond the first `PREFETCH` (closed on the thread later)."""


@dataclass
class _Statement:
    sql: str
    parameters: Any
    many: bool
    begin: str | None = None

    def run(self, connection: sqlite3.Connection) -> _Result:
        """On the connection's thread."""
        if self.begin is not None:
            connection.execute(self.begin)
        cursor = connection.cursor()
        try:
            if self.many:
                cursor.executemany(self.sql, self.parameters)
            else:
                cursor.execute(self.sql, self.parameters)
            rows = cursor.fetchmany(PREFETCH + 1) if cursor.description else []
        except BaseException:
            cursor.close()
            raise
        exhausted = len(rows) <= PREFETCH
        result = _Result(
            cursor.description,
            cursor.rowcount,
            cursor.lastrowid,
            rows[:PREFETCH],
            None if exhausted else cursor,
        )
        if exhausted:
            cursor.close()
        else:
            result.rows.append(rows[PREFETCH])
        return result


@dataclass
class Cursor:
    """The part of aiosqlite's cursor that SQLAlchemy's aiosqlite dialect uses."""

    connection: Connection
    arraysize: int = 1
    description: Any = None
    rowcount: int = -1
    lastrowid: int | None = None
    _rows: deque[Any] = field(default_factory=deque)
    _open: sqlite3.Cursor | None = None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        return await self._run(sql, () if parameters is None else parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        return await self._run(sql, parameters, many=True)

    async def _run(self, sql: str, parameters: Any, *, many: bool) -> Cursor:
        await self.close()
        if not many and not parameters and sql.strip().upper() in _BEGINS:
            self.connection.begin_later(sql)
            self.description, self.rowcount, self.lastrowid = None, -1, None
            return self
        result = await self.connection.run_statement(_Statement(sql, parameters, many))
        self.description, self.rowcount = result.description, result.rowcount
        self.lastrowid, self._rows, self._open = (
            result.lastrowid,
            deque(result.rows),
            result.open_cursor,
        )
        return self

    async def fetchone(self) -> Any:
        if not self._rows:
            await self._more(1)
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        wanted = size or self.arraysize
        if len(self._rows) < wanted:
            await self._more(wanted - len(self._rows))
        return [self._rows.popleft() for _ in range(min(wanted, len(self._rows)))]

    async def fetchall(self) -> list[Any]:
        await self._more(None)
        rows, self._rows = list(self._rows), deque()
        return rows

    async def _more(self, count: int | None) -> None:
        """Rows beyond the prefetched ones, from the cursor still open on the thread."""
        cursor = self._open
        if cursor is None:
            return
        rows = await self.connection.run(
            cursor.fetchall if count is None else partial(cursor.fetchmany, max(count, PREFETCH))
        )
        self._rows.extend(rows)
        if count is None or len(rows) < max(count, PREFETCH):
            await self.close()

    async def close(self) -> None:
        cursor, self._open = self._open, None
        if cursor is not None:
            await self.connection.run(cursor.close)


class Connection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors take one trip per statement."""

    def __init__(self, database: str, **kwargs: Any) -> None:
        super().__init__(partial(sqlite3.connect, database, **kwargs), iter_chunk_size=64)
        self._thread.daemon = True
        self._begin: str | None = None

    def begin_later(self, sql: str) -> None:
        self._begin = sql

    async def run_statement(self, statement: _Statement) -> _Result:
        statement.begin, self._begin = self._begin, None
        result: _Result = await self.run(partial(statement.run, self._conn))
        return result

    async def run(self, function: Callable[[], Any]) -> Any:
        """One trip: `function` runs on the connection's thread."""
        return await self._execute(function)  # type: ignore[no-untyped-call]

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    async def commit(self) -> None:
        if self._ends_nothing():
            return
        await super().commit()

    async def rollback(self) -> None:
        if self._ends_nothing():
            return
        await super().rollback()

    def _ends_nothing(self) -> bool:
        """The transaction never reached the database (its BEGIN still waits), or there is
        none: nothing to end, no trip."""
        waiting, self._begin = self._begin, None
        connection = self._connection
        return connection is not None and (waiting is not None or not connection.in_transaction)


def connect(database: str, **kwargs: Any) -> Connection:
    """Like `aiosqlite.connect`: await the result for an open connection."""
    return Connection(database, **kwargs)
