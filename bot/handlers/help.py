"""Capability 8: `/start`, `/help` | `/hulp` and `/taal` | `/language`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.core.context import Context, UserError
from bot.core.i18n import LANGUAGES
from bot.core.router import Command, CommandOption, OptionChoice, Router
from bot.dialogs.forms import Choice, Field, Form, FormValues
from bot.model.markup import Text
from bot.model.messages import Incoming, Reply
from storage.models import Role

LANGUAGE_FORM = "language"
LANGUAGE_OPTION = CommandOption(
    "taal",
    "language",
    "option.taal",
    choices=(
        OptionChoice("nl", "language.name_nl"),
        OptionChoice("en", "language.name_en"),
        OptionChoice("groep nl", "option.taal.group_nl", aliases=("group nl",)),
        OptionChoice("groep en", "option.taal.group_en", aliases=("group en",)),
    ),
)


@dataclass(frozen=True)
class HelpPages:
    """`/start` and `/help`, given the router's command list when they are registered.

    The list is the same for everyone of one language and role, and every command is
    registered before the first message: it is built once per language and role (building
    it was most of what `/help` cost)."""

    commands: Callable[[], Iterable[Command]]
    _built: dict[tuple[str, str, bool], Text] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    async def start(self, msg: Incoming, ctx: Context) -> list[Reply]:
        if ctx.is_private:
            body = ctx.text("start.private", name=ctx.member.display_name)
        else:
            body = ctx.text("start.group", name=ctx.member.display_name)
        return [Reply(body + "\n\n" + self.command_list(ctx))]

    async def help(self, msg: Incoming, ctx: Context) -> list[Reply]:
        """`/help`: every command; `/help bijeenkomst`: that command, with examples."""
        wanted = msg.args.strip().lstrip("/").casefold()
        if not wanted:
            return [Reply(self._once(ctx, "help", self._help_page))]
        for command in self.commands():
            if wanted in command.names:
                return [Reply(_command_help(ctx, command))]
        raise UserError("help.unknown_command", command=wanted)

    def _help_page(self, ctx: Context) -> Text:
        return ctx.text("help.intro") + "\n\n" + self.command_list(ctx)

    def _once(self, ctx: Context, page: str, build: Callable[[Context], Text]) -> Text:
        key = (page, ctx.language, ctx.is_coordinator)
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = build(ctx)
        return built

    def command_list(self, ctx: Context) -> Text:
        return self._once(ctx, "commands", self._command_list)

    def _command_list(self, ctx: Context) -> Text:
        sections = [self._section(ctx, "help.member_commands", Role.MEMBER)]
        if ctx.is_coordinator:
            sections.append(self._section(ctx, "help.coordinator_commands", Role.COORDINATOR))
        sections.append(ctx.text("help.footer"))
        return Text.join(sections, "\n\n")

    def _section(self, ctx: Context, title_key: str, role: Role) -> Text:
        lines = [ctx.text(title_key)]
        for command in self.commands():
            if command.in_help and command.role is role:
                lines.append(_command_line(ctx, command))
        return Text.join(lines)


EXAMPLES = frozenset(
    (
        "bijeenkomst",
        "herinner",
        "herinneringen",
        "agenda",
        "voornemen",
        "pauze",
        "niveau",
        "instellingen",
    )
)
"""Commands whose `/help <command>` shows examples (catalog key help.examples.<name>)."""


def _command_help(ctx: Context, command: Command) -> Text:
    text = _command_line(ctx, command)
    if command.role is Role.COORDINATOR:
        text = text + "\n" + ctx.text("help.for_coordinators")
    if command.name in EXAMPLES:
        text = text + "\n\n" + ctx.text(f"help.examples.{command.name}")
    return text


def _command_line(ctx: Context, command: Command) -> Text:
    names = " | ".join(f"/{name}" for name in command.names)
    usage = Text.bold(names)
    if command.args_key:
        usage = usage + " " + ctx.t.plain(command.args_key)
    return Text.plain("• ") + usage + " — " + ctx.text(command.help_key)


async def language(msg: Incoming, ctx: Context) -> list[Reply]:
    """`/taal nl|en` for the member, `/taal groep nl|en` for the group (already a valid
    choice: the router checked it)."""
    chosen = msg.arguments.text(LANGUAGE_OPTION.name)
    if not chosen:
        return await ctx.dialogs.start(msg, ctx, LANGUAGE_FORM)
    scope, _, language = chosen.rpartition(" ")
    if scope:
        return await _community_language(ctx, language)
    return await _member_language(ctx, language)


async def _member_language(ctx: Context, language: str) -> list[Reply]:
    await ctx.repos.members.set_language(ctx.member, language)
    ctx.speak(language)
    return [ctx.reply("language.set")]


async def _community_language(ctx: Context, language: str) -> list[Reply]:
    if not ctx.is_coordinator:
        raise UserError("error.coordinators_only", command="/taal groep")
    if language not in LANGUAGES:
        raise UserError("language.usage")
    community = ctx.require_community()
    await ctx.repos.communities.set_language(community, language)
    return [ctx.reply("language.community_set", language=language)]


async def _language_chosen(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    chosen = values["language"]
    if chosen is None:
        raise RuntimeError("the language form completed without a language")
    return await _member_language(ctx, chosen)


def register(router: Router) -> None:
    pages = HelpPages(router.commands)
    router.command("start", "start", pages.start, help_key="help.cmd.start")
    router.command("hulp", "help", pages.help, help_key="help.cmd.help")
    router.command(
        "taal",
        "language",
        language,
        help_key="help.cmd.taal",
        args_key="help.args.taal",
        options=(LANGUAGE_OPTION,),
    )
    router.form(
        Form(
            name=LANGUAGE_FORM,
            title_key="language.form_title",
            fields=(
                Field(
                    name="language",
                    prompt_key="language.form_prompt",
                    label_key="language.form_label",
                    required=True,
                    choices=(
                        Choice("nl", "language.name_nl"),
                        Choice("en", "language.name_en"),
                    ),
                ),
            ),
            on_complete=_language_chosen,
        )
    )
