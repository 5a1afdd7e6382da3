"""The `leeratelier` command line."""

from __future__ import annotations

import asyncio
import getpass
import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.adapters.console import ConsoleOptions
from bot.config import Settings
from bot.hub import build_hub
from bot.logs import configure_logging, redact
from storage import migrate
from storage.db import Database

app = typer.Typer(
    help="Leeratelier: the community assistant of a learning community (leeratelier).",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "\n".join(
            f"  {'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        message = f"Configuration error (environment or .env):\n{problems}"
        typer.echo(redact(message, Settings.raw_secrets()), err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level, settings.secrets())
    return settings


@app.command()
def run() -> None:
    """Start every adapter that has a token, and the scheduler; the console when none has."""
    settings = load_settings()
    asyncio.run(_run(settings, None))


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
    settings = load_settings()
    name = as_name or _login_name()
    asyncio.run(_run(settings, ConsoleOptions(user_name=name, coordinator=coordinator)))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations."""
    settings = load_settings()

    async def upgrade() -> None:
        database = Database(settings.database_url.get_secret_value())
        try:
            await migrate.upgrade(database)
            typer.echo(f"Database at revision {await migrate.current_revision(database)}.")
        finally:
            await database.dispose()

    asyncio.run(upgrade())


async def _run(settings: Settings, console: ConsoleOptions | None) -> None:
    hub = await build_hub(settings, console=console)
    await hub.run()


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
