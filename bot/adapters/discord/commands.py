"""Slash commands from the router: Dutch names with English localisations, typed options.

The command list is first built as plain data (`SlashCommand`), from the router and the
catalogs, so it can be checked and hashed without Discord; `app_command` then turns one into
a discord.py `app_commands.Command` whose callback hands the submitted option values on.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.core.i18n import Catalogs
from bot.core.router import Command, CommandOption, Router

DESCRIPTION_LIMIT = 100
CHOICE_LIMIT = 25
ENGLISH_LOCALES = (discord.Locale.american_english, discord.Locale.british_english)

OnCommand = Callable[
    [discord.Interaction[Any], "SlashCommand", Mapping[str, str | None]], Awaitable[None]
]


@dataclass(frozen=True)
class Localised:
    nl: str
    en: str

    def locale_str(self) -> locale_str:
        """discord.py's lazily translated string; English rides along for the translator."""
        return locale_str(self.nl, en=self.en) if self.en != self.nl else locale_str(self.nl)


@dataclass(frozen=True)
class SlashChoice:
    value: str
    name: Localised


@dataclass(frozen=True)
class SlashOption:
    name: Localised
    description: Localised
    required: bool
    choices: tuple[SlashChoice, ...]


@dataclass(frozen=True)
class SlashCommand:
    command: Command
    name: Localised
    description: Localised
    options: tuple[SlashOption, ...]

    def args(self, values: Mapping[str, str | None]) -> str:
        """Submitted option values (by Dutch option name) as the handler's `args` text."""
        return self.command.args_from(values)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut, which falls between words (only a
    word longer than half the room is cut itself)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " " and " " in head:  # the cut falls inside a word
        words = head.rsplit(" ", 1)[0]
        if len(words) >= limit // 2:
            head = words
    return head.rstrip(" ,;:-–") + "…"


def slash_commands(router: Router, catalogs: Catalogs) -> tuple[SlashCommand, ...]:
    """Every router command as a slash command, described from the catalogs."""
    nl, en = catalogs.translator("nl"), catalogs.translator("en")

    def described(key: str) -> Localised:
        return Localised(
            clip(nl.plain(key), DESCRIPTION_LIMIT), clip(en.plain(key), DESCRIPTION_LIMIT)
        )

    def option(spec: CommandOption) -> SlashOption:
        choices = tuple(
            SlashChoice(c.value, described(c.label_key)) for c in spec.choices[:CHOICE_LIMIT]
        )
        name = Localised(spec.name, spec.alias)
        return SlashOption(name, described(spec.description_key), spec.required, choices)

    return tuple(
        SlashCommand(
            command,
            Localised(command.name, command.alias),
            described(command.help_key),
            tuple(option(spec) for spec in command.typed_options),
        )
        for command in router.commands()
    )


def fingerprint(commands: tuple[SlashCommand, ...]) -> str:
    """Changes whenever what Discord would be told changes."""
    described = repr([(c.name, c.description, c.options) for c in commands])
    return hashlib.sha256(described.encode()).hexdigest()


def app_command(spec: SlashCommand, on_command: OnCommand) -> app_commands.Command[Any, Any, None]:
    """A discord.py command whose callback passes the option values (by Dutch name) on."""

    async def callback(interaction: discord.Interaction[Any], **values: str | None) -> None:
        await on_command(interaction, spec, values)

    parameters = [
        inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *(
            inspect.Parameter(
                option.name.nl,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if option.required else None,
                annotation=str if option.required else str | None,
            )
            for option in sorted(spec.options, key=lambda o: not o.required)
        ),
    ]
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    options = {option.name.nl: option for option in spec.options}
    decorated: Any = app_commands.describe(
        **{name: option.description.locale_str() for name, option in options.items()}
    )(callback)
    renames = {name: option.name.locale_str() for name, option in options.items()}
    if any(option.name.en != option.name.nl for option in options.values()):
        decorated = app_commands.rename(**renames)(decorated)
    choices = {
        name: [app_commands.Choice(name=c.name.locale_str(), value=c.value) for c in option.choices]
        for name, option in options.items()
        if option.choices
    }
    if choices:
        decorated = app_commands.choices(**choices)(decorated)
    return app_commands.Command(
        name=spec.name.locale_str(),
        description=spec.description.locale_str(),
        callback=decorated,
    )


class EnglishLocalisations(app_commands.Translator):
    """Gives Discord the English name and description (for en-US and en-GB clients) that
    travel with each Dutch `locale_str`."""

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale not in ENGLISH_LOCALES:
            return None
        english = string.extras.get("en")
        return str(english) if english else None
