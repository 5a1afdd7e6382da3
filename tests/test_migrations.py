"""Migrations and models agree, on both backends; upgrading twice is harmless; a new SQLite
file made from the models is the database the migrations make."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from storage import migrate
from storage.db import Database
from storage.models import Base


async def test_schema_after_migrations_matches_the_models(database: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_upgrade_is_idempotent_and_at_head(database: Database) -> None:
    await migrate.upgrade(database)
    assert await migrate.current_revision(database) == migrate.head_revision(database.url)


def _sqlite_shape(path: Path) -> dict[str, object]:
    """What behaviour can depend on in a SQLite file: each table's columns (type, nullability,
    default, key), indexes (name, uniqueness, columns, partial), foreign keys (with their
    actions) and rows; and any view or trigger."""
    with sqlite3.connect(path) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        shape: dict[str, object] = {
            "other": sorted(
                connection.execute(
                    "SELECT type, name FROM sqlite_master WHERE type NOT IN ('table', 'index')"
                )
            )
        }
        for table in tables:
            indexes = [
                (
                    "" if name.startswith("sqlite_autoindex") else name,
                    unique,
                    origin,
                    partial,
                    [column for *_, column in connection.execute(f"PRAGMA index_info('{name}')")],
                )
                for _, name, unique, origin, partial in connection.execute(
                    f"PRAGMA index_list('{table}')"
                )
            ]
            shape[table] = {
                "columns": sorted(
                    row[1:] for row in connection.execute(f"PRAGMA table_xinfo('{table}')")
                ),
                "indexes": sorted(indexes),
                "foreign keys": sorted(
                    row[2:] for row in connection.execute(f"PRAGMA foreign_key_list('{table}')")
                ),
                "rows": sorted(connection.execute(f"SELECT * FROM '{table}'")),
            }
    return shape


async def test_a_new_sqlite_file_made_from_the_models_is_the_one_the_migrations_make(
    tmp_path: Path,
) -> None:
    made = Database(f"sqlite+aiosqlite:///{tmp_path / 'made.db'}")
    await migrate.upgrade(made)  # a new file: from the models, stamped
    assert await migrate.current_revision(made) == migrate.head_revision(made.url)
    await made.dispose()

    migrated = Database(f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}")
    config = migrate.alembic_config(migrated.url)

    def upgrade_step_by_step(connection: Connection) -> list[object]:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with migrated.engine.begin() as connection:
        assert await connection.run_sync(upgrade_step_by_step) == []
    await migrated.dispose()

    assert _sqlite_shape(tmp_path / "made.db") == _sqlite_shape(tmp_path / "migrated.db")
