"""Capability 5: prompts for passive members, and the member's own say over them.

`/niveau` sets how a member takes part; `/nudges aan|uit` and `/pauze tot <datum>` hold for
every community the member is in. A prompt arrives by direct message (planned by the daily
sweep in bot/nudging.py); its answer, typed in the private chat or after pressing
"Antwoorden", is saved as a reflection with the sharing level the member picks.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from babel.dates import format_date

from bot.core.context import Context, UserError
from bot.core.i18n import Translator
from bot.core.outbox import SendContext
from bot.core.router import CommandOption, OptionChoice, Router
from bot.dialogs.forms import Field, Form, FormValues
from bot.dialogs.sharing import (
    SHARING_FIELD,
    chosen,
    community_default,
    describe,
    sharing_field,
)
from bot.handlers.participation.prompt_templates import choose
from bot.handlers.participation.sweep import KIND_CHECK, KIND_MENTION, KIND_PROMPT
from bot.model.messages import Button, Incoming, Reply, payload_number
from bot.text.dates import Problem, Unclear, parse_moment
from storage.models import Level, Membership, Prompt
from storage.repositories.ledger import ActivityKind

FORM = "prompt"
ACTION_ANSWER = "prompt.answer"
ACTION_LEVEL = "level.set"
ACTION_GO_ON = "nudge.go_on"
ACTION_LATER = "nudge.later"
ACTION_STOP = "nudge.stop"
OPEN_FOR = timedelta(days=14)
"""A prompt can be answered by plain private text this long after it was sent."""
ASK_LATER = timedelta(weeks=8)
ON_WORDS = {"aan", "on", "ja", "yes"}
OFF_WORDS = {"uit", "off", "nee", "no"}
LEVEL_WORDS = {
    "kern": Level.CORE,
    "core": Level.CORE,
    "actief": Level.ACTIVE,
    "active": Level.ACTIVE,
    "perifeer": Level.PERIPHERAL,
    "peripheral": Level.PERIPHERAL,
}


# /niveau ------------------------------------------------------------------------------------


async def level(msg: Incoming, ctx: Context) -> list[Reply]:
    membership = _membership(ctx)
    word = msg.arguments.text("niveau")
    if not word:
        current = _level_text(ctx.t, membership.level)
        buttons = tuple(
            ctx.button(f"level.{option.value}", ACTION_LEVEL, option.value) for option in Level
        )
        return [ctx.reply("level.current", level=current, buttons=(buttons,))]
    chosen = LEVEL_WORDS.get(word)
    if chosen is None:
        raise UserError("level.usage")
    return _set_level(ctx, membership, chosen)


async def on_level(msg: Incoming, ctx: Context) -> list[Reply]:
    try:
        chosen = Level(msg.payload)
    except ValueError:
        raise UserError("error.stale_button") from None
    return _set_level(ctx, _membership(ctx), chosen)


def _set_level(ctx: Context, membership: Membership, chosen: Level) -> list[Reply]:
    membership.level = chosen
    return [ctx.reply(f"level.set.{chosen.value}", private=not ctx.is_private)]


def _level_text(t: Translator, current: Level | None) -> str:
    return t.plain(f"level.{current.value}" if current else "level.none")


def _membership(ctx: Context) -> Membership:
    ctx.require_community()
    if ctx.membership is None:
        raise UserError("error.no_community")
    return ctx.membership


# /nudges and /pauze ---------------------------------------------------------------------------


async def nudges(msg: Incoming, ctx: Context) -> list[Reply]:
    memberships = await ctx.repos.participation.memberships_of(ctx.member.id)
    word = msg.arguments.text("stand")
    if not word:
        enabled = any(m.nudges_enabled for m in memberships) if memberships else True
        return [ctx.reply("nudges.status_on" if enabled else "nudges.status_off")]
    if word not in ON_WORDS | OFF_WORDS:
        raise UserError("nudges.usage")
    enabled = word in ON_WORDS
    for membership in memberships:
        membership.nudges_enabled = enabled
        if enabled:
            _reset(membership)
    return [ctx.reply("nudges.on" if enabled else "nudges.off")]


def _reset(membership: Membership) -> None:
    """Start counting unanswered prompts afresh."""
    membership.unanswered_prompts = 0
    membership.prompt_check_at = None


async def pause(msg: Incoming, ctx: Context) -> list[Reply]:
    memberships = await ctx.repos.participation.memberships_of(ctx.member.id)
    words = msg.arguments.text("tot")
    if words.casefold() in OFF_WORDS | {"stop", "einde", "end"}:
        for membership in memberships:
            membership.paused_until = None
        return [ctx.reply("pause.ended")]
    for prefix in ("tot ", "until ", "till "):
        if words.casefold().startswith(prefix):
            words = words[len(prefix) :]
    if not words:
        raise UserError("pause.usage")
    result, rest = parse_moment(words, ctx.now(), ctx.zone(), need_time=False)
    if isinstance(result, Unclear) and result.problem is Problem.PAST:
        raise UserError("pause.past")
    if isinstance(result, Unclear) or rest.strip():
        raise UserError("pause.usage")
    last_day = result.start.date()
    if last_day < ctx.now().astimezone(ctx.zone()).date():
        raise UserError("when.past")
    until = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=ctx.zone())
    for membership in memberships:
        membership.paused_until = until
    return [ctx.reply("pause.set", date=format_date(last_day, "long", locale=ctx.language))]


# prompts and their answers --------------------------------------------------------------------


async def render_prompt(ctx: SendContext) -> list[Reply] | None:
    prompt = await ctx.repos.participation.prompt_for_send(ctx.send.id)
    membership = await _still_prompted(ctx, ctx.send.member_id)
    if prompt is None or membership is None or prompt.answered_at is not None:
        return None
    facts = await ctx.repos.participation.facts(ctx.community.id, prompt.member_id, ctx.clock.now())
    history = await ctx.repos.participation.recent_templates(prompt.member_id)
    template, values = choose(facts, history)
    prompt.template = template.key
    text = (
        ctx.t.text(
            "prompt.intro", community=ctx.community.title or ctx.t.plain("prompt.your_group")
        )
        + "\n\n"
        + ctx.t.text(f"prompt.tpl.{template.key}", **values)
        + "\n\n"
        + ctx.t.text("prompt.how_to_answer")
    )
    button = Button(ctx.t.plain("prompt.button_answer"), ACTION_ANSWER, str(prompt.id))
    return [Reply(text, ((button,),))]


async def _still_prompted(ctx: SendContext, member_id: int | None) -> Membership | None:
    membership = await ctx.repos.members.find_membership(ctx.community.id, member_id or 0)
    now = ctx.clock.now()
    if membership is None or membership.left_at is not None or not membership.nudges_enabled:
        return None
    if membership.paused_until is not None and membership.paused_until > now:
        return None
    return membership


async def on_answer(msg: Incoming, ctx: Context) -> list[Reply]:
    prompt = await ctx.repos.participation.prompt(payload_number(msg.payload))
    if prompt is None or prompt.member_id != ctx.member.id:
        raise UserError("error.stale_button")
    if prompt.answered_at is not None:
        return [ctx.reply("prompt.already_answered")]
    return await _start_answer(msg, ctx, prompt, None)


async def on_private_text(msg: Incoming, ctx: Context) -> list[Reply]:
    """Plain text in the private chat answers the member's open prompt, if there is one."""
    prompt = await ctx.repos.participation.open_prompt(ctx.member.id, ctx.now() - OPEN_FOR)
    if prompt is None or not msg.text.strip():
        return []
    return await _start_answer(msg, ctx, prompt, msg.text)


async def _start_answer(
    msg: Incoming, ctx: Context, prompt: Prompt, text: str | None
) -> list[Reply]:
    ctx.community = await ctx.repos.communities.get(prompt.community_id)
    ctx.membership = await ctx.repos.members.find_membership(prompt.community_id, ctx.member.id)
    values = {"prompt_id": str(prompt.id)}
    return await ctx.dialogs.start(msg, ctx, FORM, values, first_answer=text)


async def _answered(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    community = ctx.require_community()
    text = values["text"]
    if text is None:
        raise UserError("dialog.required")
    sharing = chosen(values.get(SHARING_FIELD), community_default(community))
    if await ctx.repos.reflections.saved_just_now(community.id, ctx.member.id, text, ctx.now()):
        return [ctx.reply("contribution.already_saved")]
    await ctx.repos.reflections.create(
        community.id, ctx.member.id, text, sharing.audience, sharing.attribution, ctx.now()
    )
    prompt = await ctx.repos.participation.prompt(payload_number(values.get("prompt_id") or ""))
    kind = ActivityKind.REFLECTION
    if prompt is not None and prompt.member_id == ctx.member.id:
        prompt.answered_at = ctx.now()
        kind = ActivityKind.PROMPT_ANSWER
    await ctx.repos.ledger.record(community.id, ctx.member.id, kind, ctx.now())
    return [
        ctx.reply("prompt.thanks", sharing=describe(ctx.t, sharing.audience, sharing.attribution))
    ]


# after three unanswered prompts -----------------------------------------------------------------


async def render_check(ctx: SendContext) -> list[Reply] | None:
    membership = await _still_prompted(ctx, ctx.send.member_id)
    if membership is None or membership.prompt_check_at is None:
        return None
    payload = str(ctx.community.id)
    buttons = tuple(
        Button(ctx.t.plain(key), action, payload)
        for key, action in (
            ("nudge.button_go_on", ACTION_GO_ON),
            ("nudge.button_later", ACTION_LATER),
            ("nudge.button_stop", ACTION_STOP),
        )
    )
    title = ctx.community.title or ctx.t.plain("prompt.your_group")
    return [Reply(ctx.t.text("nudge.check", community=title), (buttons,))]


async def _checked_membership(msg: Incoming, ctx: Context) -> Membership:
    membership = await ctx.repos.members.find_membership(payload_number(msg.payload), ctx.member.id)
    if membership is None:
        raise UserError("error.stale_button")
    return membership


async def on_go_on(msg: Incoming, ctx: Context) -> list[Reply]:
    membership = await _checked_membership(msg, ctx)
    membership.nudges_enabled = True
    _reset(membership)
    return [ctx.reply("nudge.going_on")]


async def on_later(msg: Incoming, ctx: Context) -> list[Reply]:
    membership = await _checked_membership(msg, ctx)
    membership.paused_until = ctx.now() + ASK_LATER
    _reset(membership)
    day = (ctx.now() + ASK_LATER).astimezone(ctx.zone()).date()
    return [ctx.reply("nudge.asking_later", date=format_date(day, "long", locale=ctx.language))]


async def on_stop(msg: Incoming, ctx: Context) -> list[Reply]:
    membership = await _checked_membership(msg, ctx)
    membership.nudges_enabled = False
    _reset(membership)
    return [ctx.reply("nudge.stopped")]


# a member the bot cannot message privately ------------------------------------------------------


async def render_mention(ctx: SendContext) -> list[Reply] | None:
    """One gentle line in the group; it says nothing about how much the member takes part."""
    membership = await _still_prompted(ctx, ctx.send.member_id)
    if membership is None:
        return None
    identities = await ctx.repos.members.identities_of(membership.member_id)
    here = [i for i in identities if i.platform == ctx.community.platform]
    if not here or here[0].reachable_privately:
        return None
    return [Reply(ctx.t.text("nudge.mention", name=here[0].display_name))]


def register(router: Router) -> None:
    router.command(
        "niveau",
        "level",
        level,
        help_key="help.cmd.niveau",
        args_key="help.args.niveau",
        options=(
            CommandOption(
                "niveau",
                "level",
                "option.niveau",
                choices=tuple(
                    OptionChoice(
                        o.value,
                        f"level.{o.value}",
                        aliases=tuple(w for w, chosen in LEVEL_WORDS.items() if chosen is o),
                    )
                    for o in Level
                ),
            ),
        ),
    )
    router.command(
        "nudges",
        "nudges",
        nudges,
        help_key="help.cmd.nudges",
        args_key="help.args.nudges",
        options=(
            CommandOption(
                "stand",
                "setting",
                "option.nudges",
                choices=(
                    OptionChoice("aan", "option.nudges.on", aliases=tuple(sorted(ON_WORDS))),
                    OptionChoice("uit", "option.nudges.off", aliases=tuple(sorted(OFF_WORDS))),
                ),
            ),
        ),
    )
    router.command(
        "pauze",
        "pause",
        pause,
        help_key="help.cmd.pauze",
        args_key="help.args.pauze",
        options=(CommandOption("tot", "until", "option.pauze", required=True),),
    )
    router.action(ACTION_LEVEL, on_level)
    router.action(ACTION_ANSWER, on_answer)
    router.action(ACTION_GO_ON, on_go_on)
    router.action(ACTION_LATER, on_later)
    router.action(ACTION_STOP, on_stop)
    router.on_private_text(on_private_text)
    router.renderer(KIND_PROMPT, render_prompt)
    router.renderer(KIND_CHECK, render_check)
    router.renderer(KIND_MENTION, render_mention)
    router.form(
        Form(
            FORM,
            "prompt.title",
            (
                Field(
                    "text",
                    "prompt.ask",
                    "prompt.label",
                    required=True,
                    multiline=True,
                    guard=True,
                ),
                sharing_field("prompt.ask_sharing", "prompt.label_sharing"),
            ),
            _answered,
        )
    )
