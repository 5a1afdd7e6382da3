"""The command list platforms show in their menus, per language and per role."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import LANGUAGES, Catalogs
from bot.core.router import Router
from storage.models import Role


@dataclass(frozen=True)
class MenuEntry:
    name: str
    """The command name members of this language see (Dutch name, or English alias)."""
    description: str


@dataclass(frozen=True)
class CommandMenu:
    entries: dict[tuple[str, Role], tuple[MenuEntry, ...]]
    """Per (language, role): the commands that role may use, described in that language."""

    def for_members(self, language: str) -> tuple[MenuEntry, ...]:
        return self.entries[(language, Role.MEMBER)]

    def for_coordinators(self, language: str) -> tuple[MenuEntry, ...]:
        return self.entries[(language, Role.COORDINATOR)]


def build_menu(router: Router, catalogs: Catalogs) -> CommandMenu:
    entries: dict[tuple[str, Role], tuple[MenuEntry, ...]] = {}
    for language in LANGUAGES:
        t = catalogs.translator(language)
        for role in Role:
            entries[(language, role)] = tuple(
                MenuEntry(
                    name=command.name if language == "nl" else command.alias,
                    description=t.plain(command.help_key),
                )
                for command in router.commands()
                if command.in_help and command.allowed_for(role)
            )
    return CommandMenu(entries)
