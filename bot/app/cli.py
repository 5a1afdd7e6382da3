"""The `leeratelier` command line.

Each command imports what it needs when it runs: `leeratelier --help` loads typer and
nothing of the database, the platforms or the handlers.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.text.export_formats import ExportFormat

if TYPE_CHECKING:
    from bot.adapters.console import ConsoleOptions
    from bot.app.config import Settings
    from bot.app.http_server import HttpServer
    from bot.app.hub import Hub
    from search.tool_catalogue import ToolCatalogue
    from storage.catalogue import CatalogueEntry, ImportReport
    from storage.copy import TableCopy
    from storage.db import Database
    from storage.models import Community
    from storage.repositories.production import CommunityProduction

# rich_markup_mode=None: click's own help text, since rich and its Markdown parser cost more
# than the rest of `--help`. No pretty tracebacks: they print local variables, secrets too.
app = typer.Typer(
    help="Leeratelier: the community assistant of a learning community (leeratelier).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="Database schema, backups and moving to another database.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
SHOWN_PROBLEMS = 25
tools_app = typer.Typer(
    help="The tool catalogue: import, export and search.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.add_typer(tools_app, name="tools")


def load_settings() -> Settings:
    from bot.app.config import ConfigError, Settings
    from bot.app.logs import configure_logging, redact

    try:
        settings = Settings.load()
    except ConfigError as error:
        problems = "\n".join(f"  {name}: {message}" for name, message in error.problems)
        message = f"Configuration error (environment or .env):\n{problems}"
        typer.echo(redact(message, Settings.raw_secrets()), err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level, settings.secrets(), json=settings.log_format == "json")
    return settings


@app.command()
def run() -> None:
    """Start every adapter that has a token, and the scheduler; the console when none has."""
    settings = load_settings()
    asyncio.run(_run(settings, None, web=True))


@app.command()
def chat(
    as_name: Annotated[
        str | None, typer.Option("--as", help="The member you play (default: your login name).")
    ] = None,
    coordinator: Annotated[
        bool, typer.Option("--coordinator", help="Play a coordinator of the local community.")
    ] = False,
) -> None:
    """Chat with the bot in this terminal, in a local community (SQLite by default)."""
    from bot.adapters.console import ConsoleOptions

    settings = load_settings()
    name = as_name or _login_name()
    asyncio.run(_run(settings, ConsoleOptions(user_name=name, coordinator=coordinator)))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    from storage import migrate
    from storage.db import Database

    settings = load_settings()

    async def upgrade() -> None:
        database = Database(settings.database_url.get_secret_value())
        try:
            await migrate.upgrade(database)
            typer.echo(f"Database at revision {await migrate.current_revision(database)}.")
        finally:
            await database.dispose()

    asyncio.run(upgrade())


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """A consistent copy of the database, also while the bot runs.

    SQLite: a copy of the file through SQLite's online backup API. PostgreSQL: pg_dump in its
    custom format (pg_dump must be installed, of the server's major version).
    """
    from storage import backup

    settings = load_settings()
    if file.exists() and not force:
        typer.echo(f"{file} exists: choose another name, or add --force to replace it.", err=True)
        raise typer.Exit(1)
    try:
        report = backup.backup(settings.database_url.get_secret_value(), file)
    except (backup.BackupError, OSError) as error:
        typer.echo(f"No backup made: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{file}: {report.kind.value} backup, {report.size} bytes.")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="A backup made by `leeratelier db backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that holds data.")
    ] = False,
) -> None:
    """Put a backup in place of the database of DATABASE_URL (stop the bot first).

    A database that holds any data is refused unless --force is given.
    """
    from storage import backup

    settings = load_settings()
    url = settings.database_url.get_secret_value()
    occupied = asyncio.run(_tables_with_rows(url))
    if occupied and not force:
        typer.echo(
            f"The database holds data ({', '.join(occupied)}); nothing was restored. "
            "Add --force to replace it (make a backup of it first).",
            err=True,
        )
        raise typer.Exit(1)
    try:
        backup.restore(url, file)
    except (backup.BackupError, OSError, sqlite3.Error) as error:
        typer.echo(f"Not restored: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Restored {file}. Run `leeratelier db upgrade` if it came from an older version.")


@db_app.command("copy")
def db_copy(
    to: Annotated[
        str,
        typer.Option(
            "--to", help="The target database, e.g. postgresql+asyncpg://USER:PASSWORD@HOST/DB."
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace what the target database holds.")
    ] = False,
) -> None:
    """Copy every row of DATABASE_URL into another database (SQLite to PostgreSQL), then
    compare the two table by table. Stop the bot first; the source is not changed."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from bot.app.logs import redact
    from storage import backup

    settings = load_settings()
    secrets = [*settings.secrets(), *_url_password(to)]
    try:
        copied, differences = asyncio.run(
            _copy(settings.database_url.get_secret_value(), to, force)
        )
    except (backup.BackupError, ArgumentError) as error:
        typer.echo(redact(f"Nothing copied: {error}", secrets), err=True)
        raise typer.Exit(1) from None
    except (OSError, SQLAlchemyError) as error:
        typer.echo(redact(f"Nothing copied: {type(error).__name__}: {error}", secrets), err=True)
        raise typer.Exit(1) from None
    for table in copied:
        typer.echo(f"  {table.name}: {table.rows}")
    if differences:
        typer.echo(f"The copy differs from the source in: {', '.join(differences)}", err=True)
        raise typer.Exit(1)
    total = sum(table.rows for table in copied)
    typer.echo(f"Copied {total} rows in {len(copied)} tables; both databases hold the same counts.")


async def _tables_with_rows(url: str) -> list[str]:
    from sqlalchemy.engine import make_url

    from storage import backup
    from storage.db import Database

    if make_url(url).get_backend_name() == "sqlite" and not backup.sqlite_file(url).exists():
        return []
    database = Database(url)
    try:
        return await backup.tables_with_rows(database)
    finally:
        await database.dispose()


async def _copy(source_url: str, target_url: str, force: bool) -> tuple[list[TableCopy], list[str]]:
    from storage.copy import copy_database, row_counts
    from storage.db import Database

    source, target = Database(source_url), Database(target_url)
    try:
        copied = await copy_database(source, target, force=force)
        before, after = await row_counts(source), await row_counts(target)
        return copied, [name for name in before if before[name] != after.get(name)]
    finally:
        await source.dispose()
        await target.dispose()


def _url_password(url: str) -> list[str]:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password
    except ArgumentError:
        return [url]
    return [str(password)] if password else []


@tools_app.command("import")
def tools_import(
    file: Annotated[Path, typer.Argument(help="A catalogue file (YAML); - reads standard input.")],
) -> None:
    """Load a catalogue file; tools are matched by id, never duplicated.

    New ids are added, known ones updated; a file with any problem is rejected whole.
    """
    from storage import catalogue
    from storage.catalogue import CatalogueError
    from storage.repositories.tools import ToolRepository

    settings = load_settings()
    try:
        entries = catalogue.parse(sys.stdin.read()) if _is_dash(file) else catalogue.load(file)
    except CatalogueError as error:
        typer.echo(f"{file}: rejected, nothing was imported.", err=True)
        for problem in error.problems[:SHOWN_PROBLEMS]:
            typer.echo(f"  {problem}", err=True)
        if len(error.problems) > SHOWN_PROBLEMS:
            typer.echo(f"  ... and {len(error.problems) - SHOWN_PROBLEMS} more", err=True)
        raise typer.Exit(1) from None

    async def store() -> ImportReport:
        database = await _catalogue_database(settings)
        try:
            async with database.session() as session:
                now = datetime.now(UTC)
                return await catalogue.import_entries(ToolRepository(session), entries, now)
        finally:
            await database.dispose()

    report = asyncio.run(store())
    typer.echo(
        f"{file}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged."
    )


@tools_app.command("export")
def tools_export(
    file: Annotated[
        Path, typer.Argument(help="Where to write the catalogue; - for standard output.")
    ],
) -> None:
    """Write the approved tools as a catalogue file, in catalogue order."""
    from search.tool_catalogue import ToolCatalogue
    from storage import catalogue
    from storage.repositories.tools import ToolRepository

    settings = load_settings()

    async def read() -> list[CatalogueEntry]:
        database = await _catalogue_database(settings)
        try:
            async with database.session() as session:
                tools = ToolRepository(session)
                _report_seeding(await ToolCatalogue().seed_if_empty(tools, datetime.now(UTC)))
                return await catalogue.export_entries(tools)
        finally:
            await database.dispose()

    entries = asyncio.run(read())
    if _is_dash(file):
        sys.stdout.write(catalogue.dump(entries))
        return
    try:
        catalogue.save(file, entries)
    except OSError as error:
        typer.echo(f"Cannot write {file}: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{file}: {len(entries)} tools exported.")


@tools_app.command("search")
def tools_search(
    query: Annotated[
        list[str], typer.Argument(help="Words to search for; - reads one query per line.")
    ],
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=50, help="Tools per query.")
    ] = 3,
    as_json: Annotated[
        bool, typer.Option("--json", help="Per query one line: a JSON array, best first.")
    ] = False,
) -> None:
    """Search the approved tools the way `/tool` does."""
    from search.tool_catalogue import ToolCatalogue

    settings = load_settings()

    async def load() -> ToolCatalogue:
        database = await _catalogue_database(settings)
        try:
            tools = ToolCatalogue()
            _report_seeding(await tools.start(database, datetime.now(UTC)))
            return tools
        finally:
            await database.dispose()

    tools = asyncio.run(load())
    queries = _stdin_lines() if query == ["-"] else iter([" ".join(query)])
    for number, text in enumerate(queries):
        matches = tools.search(text, limit)
        if as_json:
            found = [{"id": m.id, "name": m.name, "score": m.score} for m in matches]
            typer.echo(json.dumps(found, ensure_ascii=False))
        else:
            if number:
                typer.echo()
            typer.echo(f"{text}:")
            for rank, match in enumerate(matches, start=1):
                typer.echo(f"  {rank}. {match.name} ({match.id})  {match.score:.4f}")
            if not matches:
                typer.echo("  (nothing found)")
        sys.stdout.flush()


@app.command("export")
def export_community(
    community: Annotated[int, typer.Option("--community", help="The community's id.")],
    kind: Annotated[
        ExportFormat, typer.Option("--format", help="csv (a file per kind), json or md.")
    ],
    out: Annotated[Path, typer.Option("--out", help="The folder to write to (made if new).")],
) -> None:
    """Write what a community produced, for funders and the atelier's online platform.

    Only what was shared with the group or anonymously; anonymous work without author.
    """
    from bot.core.i18n import Catalogs
    from bot.handlers.export.report import files
    from storage.repositories.production import ProductionRepository

    settings = load_settings()

    async def gather() -> CommunityProduction | list[Community]:
        database = await _catalogue_database(settings)
        try:
            async with database.session() as session:
                production = ProductionRepository(session)
                found = await production.community(community)
                if found is None:
                    return await production.communities()
                return await production.gather(found, datetime.now(UTC))
        finally:
            await database.dispose()

    result = asyncio.run(gather())
    if isinstance(result, list):
        typer.echo(f"No community with id {community}.", err=True)
        for known in result:
            typer.echo(f"  {known.id}: {known.title or '(no title)'} ({known.platform})", err=True)
        if not result:
            typer.echo("  (there are no communities yet)", err=True)
        raise typer.Exit(1)
    written = files(result, kind, Catalogs(settings.language).translator(result.language))
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, content in written.items():
            (out / name).write_bytes(content)
    except OSError as error:
        typer.echo(f"Cannot write to {out}: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None
    for name in written:
        typer.echo(str(out / name))


@app.command("communities")
def list_communities() -> None:
    """List the communities (id, platform, title): the ids `export` takes."""
    from storage.repositories.production import ProductionRepository

    settings = load_settings()

    async def read() -> list[Community]:
        database = await _catalogue_database(settings)
        try:
            async with database.session() as session:
                return await ProductionRepository(session).communities()
        finally:
            await database.dispose()

    for community in asyncio.run(read()):
        typer.echo(f"{community.id}\t{community.platform}\t{community.title}")


async def _catalogue_database(settings: Settings) -> Database:
    from storage import migrate
    from storage.db import Database

    database = Database(settings.database_url.get_secret_value())
    await migrate.upgrade(database)
    return database


def _report_seeding(report: ImportReport | None) -> None:
    if report is not None:
        typer.echo(
            f"The catalogue was empty: imported the starter catalogue ({report.created} tools).",
            err=True,
        )


def _is_dash(path: Path) -> bool:
    return str(path) == "-"


def _stdin_lines() -> Iterator[str]:
    for line in sys.stdin:
        yield line.rstrip("\r\n")


async def _run(settings: Settings, console: ConsoleOptions | None, *, web: bool = False) -> None:
    from bot.app.http_server import PortInUse
    from bot.app.hub import build_hub

    hub = await build_hub(settings, console=console, web=web)
    health = _health_server(settings, hub) if console is None else None
    if health is not None:
        try:
            await health.start()
        except PortInUse as problem:
            await hub.shutdown()
            typer.echo(str(problem), err=True)
            raise typer.Exit(2) from None
    try:
        await hub.run()  # stops everything it started, also when the web port is taken
    except PortInUse as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None
    finally:
        if health is not None:
            await health.stop()


def _health_server(settings: Settings, hub: Hub) -> HttpServer | None:
    """Health and metrics on their own port, for a process that serves a platform while the
    web platform (which serves them itself) is off."""
    from bot.app.health import health_app
    from bot.app.http_server import health_server
    from bot.app.hub import hub_health_routes

    if hub.web is not None or not settings.health_port:
        return None
    if not any(adapter.platform != "console" for adapter in hub.adapters):
        return None
    routes = hub_health_routes(hub, settings)
    return health_server(health_app(routes), settings.health_listen, settings.health_port)


def _login_name() -> str:
    try:
        return getpass.getuser().capitalize()
    except (KeyError, OSError):
        return "Gast"


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
