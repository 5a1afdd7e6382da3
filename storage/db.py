"""Engine and units of work for SQLite (the embedded default) and PostgreSQL.

Two kinds of unit of work:
- `session()` may write. On SQLite the writers of one process take turns on an asyncio lock
  before `BEGIN IMMEDIATE`, so they never meet SQLite's file lock (its busy loop gave "database
  is locked" under a crowd); a writer of another process is waited for by the driver
  (`storage/sqlite_driver.py`, which runs statements on the event loop's thread).
- `reading()` only reads: a plain deferred transaction on SQLite (a WAL snapshot that neither
  waits for nor blocks the writer). A write inside it raises `ReadOnlyViolation` before the
  statement reaches the database, so a caller can redo the work as a writer.

The database also tells listeners, after a commit, which members and communities changed
(`on_directory_change`), for the per-process caches of the core, and counts every such
change in the `directory_version` row, so another process sharing the database notices too.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session

from storage import sqlite_driver

POOL_SIZE = 12
"""Connections kept open. An overflow connection is opened for a burst and closed after it,
and opening one costs PostgreSQL and asyncpg some 20-100 ms (handshake, type introspection):
with 5 kept, 200 members browsing the web saw a p99 of 250 ms; kept connections are cheap."""
POOL_OVERFLOW = 8
PING_AFTER_IDLE = 10.0
"""Seconds a pooled PostgreSQL connection may rest before it is pinged at its next use."""
_RETURNED = "leeratelier_returned_at"
READ_ONLY = "leeratelier_read_only"
DIRECTORY_MEMBER = "directory_member"
DIRECTORY_COMMUNITY = "directory_community"
DIRECTORY_NEW_ROW = "directory_new_row"
DIRECTORY_UNCACHED = "directory_uncached"
"""A statement that changes only columns nothing reads from a cached row (a membership's
giving aggregates, read by the daily sweep's own queries): no directory change."""
DIRECTORY_TABLES = frozenset(
    {"members", "identities", "memberships", "communities", "web_sessions"}
)
"""The rows kept per process: who someone is, their group, their place in it (the core's
senders), and the browser sessions that say so (the web's visitors)."""
DIALOG_TABLE = "dialog_states"
"""Open forms: the core remembers per conversation that there is none."""
_VERSION = "SELECT value FROM directory_version WHERE id = 1"
_READS = ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "EXPLAIN")
_WRITE_TARGET = re.compile(
    r"^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+\"?(\w+)",
    re.IGNORECASE,
)


class ReadOnlyViolation(RuntimeError):
    """A unit of work opened with `reading()` tried to write."""

    def __init__(self, statement: str) -> None:
        super().__init__(f"write in a read-only unit of work: {statement[:80]}")


@dataclass
class Versions:
    """The directory version this process last saw (its own changes included)."""

    known: int | None = None


class NestedWriter(RuntimeError):
    """A task opened a writing unit of work inside its own: on SQLite it would wait forever."""


@dataclass
class DirectoryChange:
    """Members and communities whose rows changed in one committed unit of work;
    `everything` when a statement's rows could not be told apart (a bulk statement)."""

    members: set[int] = field(default_factory=set)
    communities: set[int] = field(default_factory=set)
    everything: bool = False
    version: int | None = None
    """The directory version this change moved the database to."""
    by: object = None
    """The task whose unit of work made the change (None: another process)."""

    dialogs: set[tuple[str, str, str]] = field(default_factory=set)
    """Open forms (platform, chat, user) saved, moved or removed."""
    all_dialogs: bool = False

    def __bool__(self) -> bool:
        return (
            self.everything
            or self.all_dialogs
            or bool(self.members or self.communities or self.dialogs)
        )


READ_ONLY = "leeratelier_read_only"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _tune_sqlite(engine: AsyncEngine) -> None:
    """Explicit transactions, WAL, foreign keys (the driver sets the busy timeout).

    The driver otherwise opens its transaction only at the first write, which loses updates
    when two tasks read-modify-write the same row: a writer says `BEGIN IMMEDIATE`.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "synchronous=NORMAL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _ping_when_idle(engine: AsyncEngine, idle: float) -> None:
    """Ping a pooled PostgreSQL connection before use only after it rested `idle` seconds
    (a server restart or an idle timeout closes those); a dead one is replaced before the
    unit of work starts. Pinging at every checkout (`pool_pre_ping`) cost a round trip on
    every unit of work, a third of a one-statement read."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        if returned is None or time.monotonic() - returned < idle:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError("the pooled connection was closed") from error


def _watch_statements(engine: AsyncEngine) -> None:
    """Refuse writes in read-only units of work, before they reach the database."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(
        connection: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if statement.lstrip()[:9].upper().startswith(_READS):
            return
        if connection.get_execution_options().get(READ_ONLY, False):
            raise ReadOnlyViolation(statement)


class _SqliteVersionReader:
    """The directory version of a SQLite file, read on a connection of its own.

    Asked before nearly every command, it costs some 10 µs here against a quarter of a
    millisecond through the unit of work's session (statement, cursor and result objects).
    WAL lets it read the last committed value without waiting for, or blocking, a writer."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None

    def read(self) -> int | None:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA query_only = ON")
            self._connection = connection
        row = self._connection.execute(_VERSION).fetchone()
        return None if row is None else int(row[0])

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class Database:
    """One engine and its session factories; `session()` and `reading()` are units of work."""

    def __init__(
        self, url: str, *, echo: bool = False, ping_after_idle: float = PING_AFTER_IDLE
    ) -> None:
        self.url = url
        self.is_sqlite = sqlite = is_sqlite(url)
        path = make_url(url).database if sqlite else None
        in_memory = sqlite and path in (None, "", ":memory:")
        pool: dict[str, Any] = (
            {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        )
        if sqlite:
            pool["async_creator"] = partial(sqlite_driver.connect, path or ":memory:")
        self._version_reader = _SqliteVersionReader(str(path)) if sqlite and not in_memory else None
        self.engine = create_async_engine(url, echo=echo, **pool)
        reads: dict[str, Any] = {READ_ONLY: True}
        if sqlite:
            _tune_sqlite(self.engine)
        else:
            _ping_when_idle(self.engine, ping_after_idle)
            # Read committed gives each statement its own snapshot, in a transaction or not:
            # without one a read saves its BEGIN and COMMIT round trips.
            reads["isolation_level"] = "AUTOCOMMIT"
        _watch_statements(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._readers = async_sessionmaker(
            self.engine.execution_options(**reads), expire_on_commit=False
        )
        self._writer = asyncio.Lock()
        self._connections = asyncio.Semaphore(POOL_SIZE + POOL_OVERFLOW)
        """Units of work wait here for a connection of the pool, in order and without the
        pool's 30-second timeout: a crowd larger than the pool queues instead of failing."""
        self._writing: asyncio.Task[Any] | None = None
        self._listeners: list[weakref.WeakMethod[Callable[[DirectoryChange], None]]] = []
        self._versions = Versions()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def on_directory_change(self, listener: Callable[[DirectoryChange], None]) -> None:
        """Call the bound method `listener` after every commit that changed members,
        identities, memberships or communities, with what changed; only as long as its
        object lives (a test's restarted core replaces the old one)."""
        self._listeners.append(weakref.WeakMethod(listener))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that may write: commit when the block ends normally, roll back on
        any exception. On SQLite one writer of this process at a time."""
        if not self.is_sqlite:
            async with self._connections, self._unit_of_work(self._sessions) as session:
                yield session
            return
        current = asyncio.current_task()
        if current is not None and self._writing is current:
            raise NestedWriter("a writing unit of work was opened inside another one")
        async with self._writer:
            self._writing = current
            try:
                async with self._connections, self._unit_of_work(self._sessions) as session:
                    yield session
            finally:
                self._writing = None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that only reads; a write in it raises `ReadOnlyViolation`."""
        async with self._connections, self._opened(self._readers) as session, session.begin():
            yield session

    @asynccontextmanager
    async def _unit_of_work(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[AsyncSession]:
        async with self._opened(factory) as session:
            change = DirectoryChange(by=asyncio.current_task())
            session.info["change"] = change
            session.info["versions"] = self._versions
            async with session.begin():
                yield session
            if change.version is not None:
                self._versions.known = change.version
            if change.everything:
                change.by = None  # rows nobody can name: the unit's own copies may be stale too
            if change:
                self._tell(change)

    @asynccontextmanager
    async def _opened(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[AsyncSession]:
        """A session, closed when the block ends.

        SQLAlchemy's own `async with` closes a session in a task of its own, so that a
        cancellation cannot abandon the close halfway; that costs every unit of work a turn
        of the event loop, and a SQLite writer held the write lock across it, so a crowd's
        writers queued one loop turn each. On SQLite closing never waits (our driver runs it
        in place: the transaction has ended, there is nothing to roll back), so it is closed
        here; over the network the shielded close is kept.
        """
        if not self.is_sqlite:
            async with factory() as session:
                yield session
            return
        session = factory()
        try:
            yield session
        finally:
            await session.close()

    def _tell(self, change: DirectoryChange) -> None:
        alive = [(ref, ref()) for ref in self._listeners]
        self._listeners = [ref for ref, listener in alive if listener is not None]
        for _ref, listener in alive:
            if listener is not None:
                listener(change)

    async def changed_elsewhere(self, session: AsyncSession) -> bool:
        """Whether another process changed the directory tables since this one last looked
        (one cheap query; the first look counts as a change)."""
        seen = await self.directory_version(session)
        if seen == self._versions.known:
            return False
        self._versions.known = seen
        return True

    async def directory_version(self, session: AsyncSession) -> int | None:
        """How many changes of the directory tables the database has counted (all processes)."""
        if self._version_reader is not None:
            try:
                return self._version_reader.read()
            except sqlite3.Error:  # not migrated yet, or a moment of recovery: ask the session
                self._version_reader.close()
        return await session.run_sync(_directory_version)

    async def dispose(self) -> None:
        if self._version_reader is not None:
            self._version_reader.close()
        await self.engine.dispose()


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    """A statement run through the session (not a flush): which directory rows it touches.

    Statements that change such rows say whose with the execution options
    `directory_member` / `directory_community` (or `directory_new_row` for a row nobody can
    have cached yet, `directory_uncached` for columns no cached row is read for); without
    them every cached row counts as changed."""
    change = state.session.info.get("change")
    if not isinstance(change, DirectoryChange) or state.is_select:
        return
    table = getattr(state.statement, "table", None)
    if table is not None:
        name = str(getattr(table, "name", ""))
    else:
        target = _WRITE_TARGET.match(str(state.statement))
        if target is None:
            return
        name = target.group(1).lower()
    if name == DIALOG_TABLE:
        change.all_dialogs = True
        return
    if name not in DIRECTORY_TABLES:
        return
    options = state.execution_options
    if options.get(DIRECTORY_NEW_ROW) or options.get(DIRECTORY_UNCACHED):
        return
    member, community = options.get(DIRECTORY_MEMBER), options.get(DIRECTORY_COMMUNITY)
    if member is None and community is None:
        change.everything = True
    if member is not None:
        change.members.add(int(member))
    if community is not None:
        change.communities.add(int(community))


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: Any) -> None:
    change = session.info.get("change")
    if not isinstance(change, DirectoryChange):
        return
    for instance in (*session.new, *session.deleted):
        _note(change, instance)
    for instance in session.dirty:
        if session.is_modified(instance, include_collections=False):
            _note(change, instance)


@event.listens_for(Session, "before_commit")
def _count_change(session: Session) -> None:
    """The version row moves in the same transaction as the change it announces; a step
    of more than one means another process changed something since this one last looked."""
    change = session.info.get("change")
    versions = session.info.get("versions")
    if not isinstance(change, DirectoryChange) or not isinstance(versions, Versions):
        return
    session.flush()  # the commit's own flush comes after this event: count its changes too
    if not change:
        return
    moved = session.execute(
        text("UPDATE directory_version SET value = value + 1 WHERE id = 1 RETURNING value")
    ).scalar()
    if moved is None:
        return
    change.version = int(moved)
    if change.version - 1 != versions.known:
        change.everything = True


def _directory_version(session: Session) -> int | None:
    """The version row, as the driver's own SQL: run before every command, it costs less
    without the statement's compilation and cache lookup (and in one hand-off)."""
    value = session.connection().exec_driver_sql(_VERSION).scalar()
    return None if value is None else int(value)


def _note(change: DirectoryChange, instance: object) -> None:
    table = getattr(instance, "__tablename__", None)
    if table == "members":
        change.members.add(instance.id)  # type: ignore[attr-defined]
    elif table in ("identities", "memberships", "web_sessions"):
        change.members.add(instance.member_id)  # type: ignore[attr-defined]
    elif table == "communities":
        change.communities.add(instance.id)  # type: ignore[attr-defined]
    elif table == DIALOG_TABLE:
        key = (instance.platform, instance.chat_id, instance.user_id)  # type: ignore[attr-defined]
        change.dialogs.add(key)
