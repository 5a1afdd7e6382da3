"""Backups that restore: SQLite through its online backup API (a consistent copy while the
bot writes), PostgreSQL through pg_dump and pg_restore (custom format)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection, make_url

from storage.db import Database
from storage.models import Base

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
BUSY_TIMEOUT = 30.0
"""Seconds a backup waits for a writer holding the database's write lock."""


class BackupError(RuntimeError):
    """Why a backup or restore cannot go ahead, in words for the operator."""


class BackupKind(StrEnum):
    SQLITE = "sqlite"
    PG_DUMP = "pg_dump"


@dataclass(frozen=True)
class BackupReport:
    kind: BackupKind
    path: Path
    size: int


def sqlite_file(url: str) -> Path:
    name = make_url(url).database
    if not name or name == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(name)


def kind_of_file(path: Path) -> BackupKind:
    try:
        with path.open("rb") as stream:
            start = stream.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror or error}") from None
    if start.startswith(SQLITE_MAGIC):
        return BackupKind.SQLITE
    if start.startswith(PG_DUMP_MAGIC):
        return BackupKind.PG_DUMP
    raise BackupError(f"{path} is neither an SQLite database nor a pg_dump file (custom format)")


def backup(url: str, target: Path) -> BackupReport:
    """A consistent copy of the database at `url` in `target`, written next to it first and
    moved into place only when complete."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if make_url(url).get_backend_name() == "sqlite":
            kind = BackupKind.SQLITE
            _backup_sqlite(sqlite_file(url), partial)
        else:
            kind = BackupKind.PG_DUMP
            _run_pg("pg_dump", url, ["--format=custom", "--no-owner", f"--file={partial}"])
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(kind, target, target.stat().st_size)


def _backup_sqlite(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    origin = sqlite3.connect(source, timeout=BUSY_TIMEOUT)
    try:
        copy = sqlite3.connect(target)
        try:
            origin.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    finally:
        origin.close()


def restore(url: str, source: Path) -> BackupKind:
    """Replace the database at `url` with the backup in `source` (check emptiness first)."""
    kind = kind_of_file(source)
    sqlite_target = make_url(url).get_backend_name() == "sqlite"
    if kind is BackupKind.SQLITE and not sqlite_target:
        raise BackupError(
            f"{source} is an SQLite backup and DATABASE_URL is PostgreSQL: restore it into an "
            "SQLite file, then move the data with `leeratelier db copy --to URL`"
        )
    if kind is BackupKind.PG_DUMP and sqlite_target:
        raise BackupError(f"{source} is a pg_dump file: set DATABASE_URL to a PostgreSQL database")
    if kind is BackupKind.SQLITE:
        _restore_sqlite(source, sqlite_file(url))
    else:
        _run_pg("pg_restore", url, ["--clean", "--if-exists", "--no-owner", str(source)])
    return kind


def _restore_sqlite(source: Path, target: Path) -> None:
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        verdict = backup_file.execute("PRAGMA quick_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            raise BackupError(f"{source} is damaged: {verdict[0] if verdict else 'no answer'}")
        target.parent.mkdir(parents=True, exist_ok=True)
        database = sqlite3.connect(target, timeout=BUSY_TIMEOUT)
        try:
            backup_file.backup(database)
            database.execute("PRAGMA journal_mode=WAL")
        finally:
            database.close()
    finally:
        backup_file.close()


def _run_pg(tool: str, url: str, arguments: list[str]) -> None:
    """Run pg_dump or pg_restore against `url`; the password goes through the environment,
    never the command line (other users of the machine can read that)."""
    program = shutil.which(tool)
    if program is None:
        raise BackupError(
            f"{tool} is not installed. Install PostgreSQL's client programs of the server's "
            f"major version (Debian: apt-get install postgresql-client) and try again, or run "
            f"{tool} yourself with the host, port, user and database of DATABASE_URL "
            "(see README, Deployment)."
        )
    parts = make_url(url)
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", parts.host),
        ("PGPORT", parts.port),
        ("PGUSER", parts.username),
        ("PGPASSWORD", parts.password),
        ("PGDATABASE", parts.database),
    ):
        if value is not None:
            env[name] = str(value)
    command = [program, *arguments]
    if tool == "pg_restore":
        command.insert(1, f"--dbname={parts.database}")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        problem = result.stderr.strip().replace(str(parts.password or "\0"), "[redacted]")
        raise BackupError(f"{tool} failed: {problem[-1000:]}")


async def tables_with_rows(database: Database) -> list[str]:
    """The project's tables that hold any row: what a restore or a copy would replace. The
    schema version and the bookkeeping tables (a migrated database's own counters) aside."""

    def existing(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    found: list[str] = []
    async with database.engine.connect() as connection:
        present = await connection.run_sync(existing)
        for table in Base.metadata.sorted_tables:
            if table.name in present and not table.info.get("bookkeeping"):
                row = await connection.execute(select(1).select_from(table).limit(1))
                if row.first() is not None:
                    found.append(table.name)
    return found
