"""Start-up: the command line loads what a command needs when it runs, not before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alembic import command

from storage.migrate import alembic_config, head_revision, newest_revision

HEAVY = ("matplotlib", "alembic", "sqlalchemy", "telegram", "discord", "bot.handlers.export.report")


def _loaded_after(code: str) -> dict[str, bool]:
    """Which heavy packages a fresh interpreter holds after running `code`."""
    report = f"print(json.dumps({{n: n in sys.modules for n in {HEAVY!r}}}))"
    probe = f"{code}\nimport json, sys\n{report}"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    loaded: dict[str, bool] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_importing_the_command_line_loads_no_chart_migration_or_platform_library() -> None:
    loaded = _loaded_after("import bot.app.cli")
    assert loaded == dict.fromkeys(HEAVY, False)


def test_building_the_handlers_leaves_the_chart_and_the_export_writers_for_later() -> None:
    loaded = _loaded_after("from bot.handlers import build_router\nbuild_router()")
    assert not loaded["matplotlib"]
    assert not loaded["bot.handlers.export.report"]
    assert not loaded["alembic"]


CONSOLE_SPARES = (
    "phonenumbers",
    "stdnum",
    "holidays",
    "prometheus_client",
    "uvicorn",
    "starlette",
    "sqlalchemy.dialects.postgresql",
    "tantivy",
    "rapidfuzz",
)
"""What the console's first answer does without, on a new file and after: the field checks
load at the first text checked, the holiday calendars at the first agenda, the tool index
at the first search, the web and metrics stack only for `leeratelier run`, the PostgreSQL
dialect for a PostgreSQL URL only."""


def _console_answers_help(url: str) -> dict[str, bool]:
    """`leeratelier chat` answers /help; which of CONSOLE_SPARES it held by then."""
    report = f"print(json.dumps({{n: n in sys.modules for n in {CONSOLE_SPARES!r}}}))"
    probe = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: {report})\n"
        "sys.argv = ['leeratelier', 'chat', '--as', 'Anna']\n"
        "from bot.app.cli import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        input="/help\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )
    *answer, last = result.stdout.strip().splitlines()
    assert any("/hulp" in line for line in answer)
    loaded: dict[str, bool] = json.loads(last)
    return loaded


def test_the_consoles_first_answer_loads_no_web_metrics_phone_holiday_or_postgresql_library(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    assert _console_answers_help(url) == dict.fromkeys(CONSOLE_SPARES, False)  # a new file
    assert _console_answers_help(url) == dict.fromkeys(CONSOLE_SPARES, False)  # a restart


def test_the_newest_revision_read_from_the_files_is_alembics_head() -> None:
    assert newest_revision() == head_revision("sqlite+aiosqlite://")


def test_a_new_file_and_one_at_the_newest_revision_start_without_alembic(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    start = (
        "import asyncio\nfrom storage import migrate\nfrom storage.db import Database\n"
        f"asyncio.run(migrate.upgrade(Database({url!r})))"
    )
    assert not _loaded_after(start)["alembic"]  # a new file: made from the models, stamped
    assert not _loaded_after(start)["alembic"]  # at the newest revision: one query


def test_a_database_at_an_older_revision_is_migrated_with_alembic(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    command.upgrade(alembic_config(url), "head-1")
    start = (
        "import asyncio\nfrom storage import migrate\nfrom storage.db import Database\n"
        "database = Database(" + repr(url) + ")\n"
        "asyncio.run(migrate.upgrade(database))\n"
        "assert asyncio.run(migrate.stored_revision(database)) == migrate.newest_revision()"
    )
    assert _loaded_after(start)["alembic"]
