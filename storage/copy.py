"""Moving every row from one database to another (SQLite → PostgreSQL when a deployment
grows), table by table in foreign-key order, then checking that both sides hold the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, Table, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage import migrate
from storage.backup import BackupError, tables_with_rows
from storage.db import Database
from storage.models import Base

BATCH = 1000


@dataclass(frozen=True)
class TableCopy:
    name: str
    rows: int


def ordered_tables() -> Sequence[Table]:
    """Parents before children, so every foreign key finds its row."""
    return Base.metadata.sorted_tables


async def copy_database(source: Database, target: Database, *, force: bool) -> list[TableCopy]:
    """Copy everything from `source` (at the newest schema) into `target` (migrated here).

    `target` must hold no rows, unless `force`: then its rows are deleted first. The copy is
    one transaction on the target: it lands whole or not at all.
    """
    head = migrate.head_revision(source.url)
    current = await migrate.current_revision(source)
    if current != head:
        raise BackupError(
            f"the source database is at revision {current}, not {head}: "
            "run `leeratelier db upgrade` on it first"
        )
    await migrate.upgrade(target)
    occupied = await tables_with_rows(target)
    if occupied and not force:
        raise BackupError(
            f"the target database is not empty ({', '.join(occupied)}): "
            "copy into an empty database, or add --force to replace what it holds"
        )
    copied: list[TableCopy] = []
    async with source.engine.connect() as reading, target.engine.begin() as writing:
        for table in reversed(ordered_tables()):
            await writing.execute(delete(table))
        for table in ordered_tables():
            copied.append(TableCopy(table.name, await _copy_table(table, reading, writing)))
        if target.dialect == "postgresql":
            await _advance_sequences(writing)
    return copied


async def _copy_table(table: Table, reading: AsyncConnection, writing: AsyncConnection) -> int:
    rows = 0
    order = list(table.primary_key.columns) or list(table.columns)
    result = await reading.stream(select(table).order_by(*order))
    async for batch in result.mappings().partitions(BATCH):
        await writing.execute(insert(table), [dict(row) for row in batch])
        rows += len(batch)
    return rows


async def _advance_sequences(writing: AsyncConnection) -> None:
    """Rows came with their ids: move each id sequence past the largest one copied."""
    for table in ordered_tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        column = keys[0].name
        await writing.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "
                f'COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{table.name}"'
            )
        )


async def row_counts(database: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with database.engine.connect() as connection:
        for table in ordered_tables():
            counts[table.name] = int(
                await connection.scalar(select(func.count()).select_from(table)) or 0
            )
    return counts
