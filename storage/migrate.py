"""Applies Alembic migrations programmatically (`leeratelier db upgrade`, and on start).

Alembic costs a third of a second to import, so a start first compares the database's revision
(one cheap query on `alembic_version`) with the newest revision file, read as text, and loads
Alembic only when there is something to apply. A new SQLite file is not migrated step by step
either: its schema is made from the models in one transaction and stamped with the newest
revision, with the rows the migrations insert (a tenth of the time, and no Alembic). The
models and the migrations make the same database; tests/test_migrations.py compares the two.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, insert, text
from sqlalchemy.exc import DBAPIError

from storage.db import Database
from storage.models import Base

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(?:[\"']([^\"']+)[\"']|None)", re.MULTILINE)


_ALEMBIC_VERSION = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)
"""Alembic's own bookkeeping table, as Alembic creates it."""
SEEDED = {"directory_version": [{"id": 1, "value": 0}]}
"""The rows the migrations insert into a new database (0011)."""


class MigrationError(RuntimeError):
    """The migration files do not form one line of revisions."""


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision(url: str) -> str:
    """The newest revision as Alembic computes it (loads Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if head is None:
        raise MigrationError("there are no migrations")
    return head


@cache
def newest_revision() -> str:
    """The newest revision, read from the files without Alembic: the one nobody follows."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision is None or down is None:
            raise MigrationError(f"{path.name} names no revision and down_revision")
        revisions.add(revision.group(1))
        if down.group(1):
            followed.add(down.group(1))
    heads = revisions - followed
    if len(heads) != 1:
        raise MigrationError(f"expected one newest revision, found {sorted(heads)}")
    return heads.pop()


async def upgrade(database: Database) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    stored = await stored_revision(database)
    if stored == newest_revision():
        return
    if stored is None and database.is_sqlite and await _create_if_empty(database):
        return
    from alembic import command

    config = alembic_config(database.url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


async def _create_if_empty(database: Database) -> bool:
    """A file without tables: the newest schema from the models, stamped, seeded."""

    def create(connection: Connection) -> bool:
        tables = connection.execute(text("SELECT count(*) FROM sqlite_master WHERE type='table'"))
        if tables.scalar_one():
            return False
        Base.metadata.create_all(connection)
        _ALEMBIC_VERSION.create(connection)
        connection.execute(insert(_ALEMBIC_VERSION).values(version_num=newest_revision()))
        for table, rows in SEEDED.items():
            connection.execute(insert(Base.metadata.tables[table]), rows)
        return True

    async with database.engine.begin() as connection:
        return await connection.run_sync(create)


async def stored_revision(database: Database) -> str | None:
    """The revision in `alembic_version`, or None for a database without one (one query)."""
    try:
        async with database.engine.connect() as connection:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:
        return None
    return rows[0][0] if len(rows) == 1 else None


async def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(read)
