"""Explicit routing: commands (Dutch name plus English alias), button actions and forms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.model.arguments import Arguments
from storage.models import Role

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.outbox import Renderer
    from bot.dialogs.forms import Form
    from bot.model.messages import Incoming, Reply

Handler = Callable[["Incoming", "Context"], Awaitable[list["Reply"]]]
ReplyHook = Callable[["Incoming", "Context", list["Reply"]], Awaitable[list["Reply"]]]
"""Sees every answer before it goes out, in the same unit of work, and may add to it."""


@dataclass(frozen=True)
class OptionChoice:
    value: str
    """What the handler reads, e.g. `groep nl`."""
    label_key: str
    aliases: tuple[str, ...] = ()
    """Other words typed for the same choice (the English ones: `group nl`, `on`, `core`)."""

    def spellings(self) -> tuple[str, ...]:
        """Every way to type it: the value (an underscore may be a space) and its aliases."""
        return (self.value, self.value.replace("_", " "), *self.aliases)


class OptionKind(StrEnum):
    TEXT = "text"
    """The rest of the line; only the last option of a command can be one."""
    WORD = "word"
    NUMBER = "number"
    """A whole number (a typed `#12` counts as 12)."""
    CHOICE = "choice"
    """One of the option's choices; a choice may be several words (`groep nl`)."""


@dataclass(frozen=True)
class CommandOption:
    """A typed argument: a slash option on Discord, a positional word or the rest of the line
    where commands are typed. The router parses it once and hands the handler its value."""

    name: str
    """The Dutch option name (lower case, no spaces)."""
    alias: str
    """The English option name; may equal the name."""
    description_key: str
    choices: tuple[OptionChoice, ...] = ()
    """When set, only these values can be picked."""
    required: bool = False
    kind: OptionKind | None = None
    """What the value is; by default a choice when choices are set, else the rest of the line."""

    @property
    def value_kind(self) -> OptionKind:
        if self.kind is not None:
            return self.kind
        return OptionKind.CHOICE if self.choices else OptionKind.TEXT

    def shown_name(self, language: str) -> str:
        return self.name if language == "nl" else self.alias


class ArgumentProblem(StrEnum):
    MISSING = "missing"
    NOT_A_CHOICE = "choice"
    NOT_A_NUMBER = "number"
    TOO_MANY = "too_many"


class ArgumentError(Exception):
    """An option value that does not parse; the core answers in the member's language."""

    def __init__(self, option: CommandOption, problem: ArgumentProblem, given: str) -> None:
        super().__init__(f"{option.name}: {problem.value}")
        self.option = option
        self.problem = problem
        self.given = given


DEFAULT_OPTION_NAMES = ("tekst", "text")


@dataclass(frozen=True)
class Command:
    name: str
    """The Dutch name, shown first."""
    alias: str
    """The English alias; may equal the name."""
    handler: Handler
    help_key: str
    """Catalog key of a one-line description."""
    role: Role = Role.MEMBER
    args_key: str = ""
    """Catalog key of the argument hint (`<tekst>`), empty when it takes none."""
    in_help: bool = True
    options: tuple[CommandOption, ...] = ()
    """Typed arguments; see `typed_options` for the default."""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,) if self.alias == self.name else (self.name, self.alias)

    @property
    def typed_options(self) -> tuple[CommandOption, ...]:
        """The declared options or, for a command that takes arguments, one optional free
        text described by its argument hint."""
        if self.options or not self.args_key:
            return self.options
        return (CommandOption(*DEFAULT_OPTION_NAMES, self.args_key),)

    def args_from(self, values: Mapping[str, str | None]) -> str:
        """The `args` text for submitted option values (by option name), in declared order."""
        given = (values.get(option.name) for option in self.typed_options)
        return " ".join(value.strip() for value in given if value and value.strip())

    def parse(self, msg: Incoming) -> Arguments:
        """The typed values of the options: from the platform's structured options where it
        sent them, otherwise read once from the typed `args` text."""
        if msg.options is not None:
            return self._from_values(msg.options)
        return self._from_text(msg.args)

    def _from_values(self, values: Mapping[str, str | None]) -> Arguments:
        parsed: dict[str, str | int] = {}
        for option in self.typed_options:
            given = (values.get(option.name) or "").strip()
            if given:
                parsed[option.name] = _value(option, given)
            elif option.required:
                raise ArgumentError(option, ArgumentProblem.MISSING, "")
        return Arguments(parsed)

    def _from_text(self, text: str) -> Arguments:
        parsed: dict[str, str | int] = {}
        rest = text.strip()
        options = self.typed_options
        for index, option in enumerate(options):
            if not rest:
                if option.required:
                    raise ArgumentError(option, ArgumentProblem.MISSING, "")
                continue
            kind = option.value_kind
            if kind is OptionKind.TEXT:
                parsed[option.name], rest = rest, ""
                continue
            word, _, remainder = rest.partition(" ")
            if kind is OptionKind.CHOICE:
                chosen = _choice_at_start(option, rest)
                if chosen is None:
                    if option.required or index == len(options) - 1:
                        raise ArgumentError(option, ArgumentProblem.NOT_A_CHOICE, rest)
                    continue
                parsed[option.name] = chosen
                rest = _after_words(rest, _typed_words(option, rest))
            elif kind is OptionKind.NUMBER:
                number = word.removeprefix("#")
                if not number.isdigit():
                    if option.required or index == len(options) - 1:
                        raise ArgumentError(option, ArgumentProblem.NOT_A_NUMBER, word)
                    continue
                parsed[option.name], rest = int(number), remainder.lstrip()
            else:
                parsed[option.name], rest = word, remainder.lstrip()
        if rest and options:
            raise ArgumentError(options[-1], ArgumentProblem.TOO_MANY, rest)
        return Arguments(parsed)

    def allowed_for(self, role: Role) -> bool:
        return self.role is Role.MEMBER or role is Role.COORDINATOR


def _choice_at_start(option: CommandOption, text: str) -> str | None:
    """The longest choice the text starts with, as a whole word or words."""
    folded = " ".join(text.casefold().split())
    fitting = [
        (spelling, choice.value)
        for choice in option.choices
        for spelling in choice.spellings()
        if folded == spelling.casefold() or folded.startswith(spelling.casefold() + " ")
    ]
    return max(fitting, key=lambda found: len(found[0]))[1] if fitting else None


def _typed_words(option: CommandOption, text: str) -> int:
    """How many words of the text the choice found at its start took."""
    folded = " ".join(text.casefold().split())
    return max(
        len(spelling.split())
        for choice in option.choices
        for spelling in choice.spellings()
        if folded == spelling.casefold() or folded.startswith(spelling.casefold() + " ")
    )


def _after_words(text: str, count: int) -> str:
    """What follows the first `count` words, its own spacing and line breaks kept."""
    parts = text.split(None, count)
    return parts[count].lstrip() if len(parts) > count else ""


def _value(option: CommandOption, given: str) -> str | int:
    kind = option.value_kind
    if kind is OptionKind.CHOICE:
        chosen = _choice_at_start(option, given)
        if chosen is None or _typed_words(option, given) != len(given.split()):
            raise ArgumentError(option, ArgumentProblem.NOT_A_CHOICE, given)
        return chosen
    if kind is OptionKind.NUMBER:
        number = given.removeprefix("#")
        if not number.isdigit():
            raise ArgumentError(option, ArgumentProblem.NOT_A_NUMBER, given)
        return int(number)
    return given


class Router:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._ordered: list[Command] = []
        self._actions: dict[str, Handler] = {}
        self._forms: dict[str, Form] = {}
        self._renderers: dict[str, Renderer] = {}
        self.private_text: Handler | None = None
        """Free text in a private chat outside any form (an answer to a prompt); an empty
        answer lets the core explain how to talk to the bot."""
        self._reply_hooks: list[ReplyHook] = []

    def command(
        self,
        name: str,
        alias: str,
        handler: Handler,
        *,
        help_key: str,
        role: Role = Role.MEMBER,
        args_key: str = "",
        in_help: bool = True,
        options: tuple[CommandOption, ...] = (),
    ) -> Command:
        command = Command(name, alias, handler, help_key, role, args_key, in_help, options)
        for key in command.names:
            if key in self._commands:
                raise ValueError(f"command /{key} is registered twice")
            self._commands[key] = command
        self._ordered.append(command)
        return command

    def action(self, name: str, handler: Handler) -> None:
        if name in self._actions:
            raise ValueError(f"button action {name!r} is registered twice")
        self._actions[name] = handler

    def form(self, form: Form) -> Form:
        if form.name in self._forms:
            raise ValueError(f"form {form.name!r} is registered twice")
        self._forms[form.name] = form
        return form

    def on_private_text(self, handler: Handler) -> None:
        if self.private_text is not None:
            raise ValueError("a private text handler is registered twice")
        self.private_text = handler

    def renderer(self, kind: str, render: Renderer) -> None:
        """What to send when a scheduled send of this kind falls due."""
        if kind in self._renderers:
            raise ValueError(f"scheduled send kind {kind!r} is registered twice")
        self._renderers[kind] = render

    def after_replies(self, hook: ReplyHook) -> None:
        self._reply_hooks.append(hook)

    def reply_hooks(self) -> Iterator[ReplyHook]:
        return iter(self._reply_hooks)

    def find_renderer(self, kind: str) -> Renderer | None:
        return self._renderers.get(kind)

    def find_command(self, name: str) -> Command | None:
        return self._commands.get(name.lower())

    def action_names(self) -> list[str]:
        return sorted(self._actions)

    def find_action(self, name: str) -> Handler | None:
        return self._actions.get(name)

    def find_form(self, name: str) -> Form | None:
        return self._forms.get(name)

    def commands(self) -> Iterator[Command]:
        """Every command once, in registration order."""
        return iter(self._ordered)

    def forms(self) -> Iterator[Form]:
        return iter(self._forms.values())

    def command_names(self) -> list[str]:
        return sorted(self._commands)
