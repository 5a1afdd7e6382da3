"""`/instellingen` | `/settings` for coordinators: when members count as passive, how often
they may be prompted and at what hour, and when the weekly digest goes out; `digest nu` sends
the digest at once, `voorbeeldvraag <naam>` previews (privately) the question a member would
get now."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel.dates import get_day_names

from bot.core.context import Context, UserError
from bot.core.outbox import Planner, to_group
from bot.core.router import Router
from bot.handlers.participation.prompt_templates import choose
from bot.handlers.participation.quiet_time import QUIET_FROM, QUIET_UNTIL
from bot.handlers.participation.sweep import DIGEST_STALE, KIND_DIGEST, next_digest
from bot.model.messages import Incoming, Reply
from storage.models import Community, Role
from storage.repositories import Repositories


@cache
def weekdays() -> dict[str, int]:
    """Day names in Dutch and English, long and short; read from Babel's locale data at the
    first use (loading it costs a tenth of a second at start-up otherwise)."""
    return {
        name.casefold(): index
        for language in ("nl", "en")
        for width in ("wide", "abbreviated")
        for index, name in get_day_names(width, locale=language).items()
    }


@dataclass(frozen=True)
class NumberSetting:
    words: tuple[str, ...]
    column: str
    lowest: int
    highest: int


NUMBERS = (
    NumberSetting(("passief", "passive"), "passive_after_days", 7, 365),
    NumberSetting(("lid", "member"), "passive_min_membership_days", 0, 365),
    NumberSetting(("interval",), "prompt_interval_days", 7, 180),
    NumberSetting(("uur", "hour"), "prompt_hour", QUIET_UNTIL.hour, QUIET_FROM.hour - 1),
)
DIGEST_WORDS = ("digest", "overzicht")
DIGEST_HOURS = range(24)
PREVIEW_WORDS = ("voorbeeldvraag", "preview")


async def settings(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    words = msg.args.casefold().split()
    if not words:
        return [_overview(ctx, community)]
    if words[0] in DIGEST_WORDS and words[1:] in (["nu"], ["now"]):
        ctx.plan(
            to_group(
                community, KIND_DIGEST, ctx.now(), ctx.now(), stale_at=ctx.now() + DIGEST_STALE
            )
        )
        return [ctx.reply("settings.digest_now")]
    if words[0] in PREVIEW_WORDS:
        return [await _preview(ctx, community, " ".join(msg.args.split()[1:]))]
    if words[0] in DIGEST_WORDS:
        weekday, hour = _digest_words(words[1:])
        await set_digest_time(ctx, ctx.repos, community, weekday, hour)
    else:
        _set_number(community, words)
    return [ctx.reply("settings.saved"), _overview(ctx, community)]


async def _preview(ctx: Context, community: Community, name: str) -> Reply:
    """The personal question `name` would get now, shown only to the coordinator, not sent."""
    if not name:
        raise UserError("settings.preview_usage")
    member = await ctx.repos.members.find_in_community(community.id, name)
    if member is None:
        raise UserError("settings.preview_unknown", name=name)
    facts = await ctx.repos.participation.facts(community.id, member.id, ctx.now())
    template, values = choose(facts, await ctx.repos.participation.recent_templates(member.id))
    text = (
        ctx.text("settings.preview_title", name=member.display_name)
        + "\n\n"
        + ctx.text("prompt.intro", community=community.title or ctx.t.plain("prompt.your_group"))
        + "\n\n"
        + ctx.text(f"prompt.tpl.{template.key}", **values)
    )
    return Reply(text, private=True)


def _set_number(community: Community, words: list[str]) -> None:
    setting = next((s for s in NUMBERS if words[0] in s.words), None)
    if setting is None or len(words) != 2 or not words[1].isdigit():
        raise UserError("settings.usage")
    value = int(words[1])
    if not setting.lowest <= value <= setting.highest:
        raise UserError("settings.out_of_range", lowest=setting.lowest, highest=setting.highest)
    setattr(community, setting.column, value)


def _digest_words(words: list[str]) -> tuple[int, int]:
    if len(words) != 2 or words[0] not in weekdays() or not words[1].isdigit():
        raise UserError("settings.usage")
    hour = int(words[1])
    if hour not in DIGEST_HOURS:
        raise UserError("settings.out_of_range", lowest=DIGEST_HOURS[0], highest=DIGEST_HOURS[-1])
    return weekdays()[words[0]], hour


async def set_digest_time(
    planner: Planner, repos: Repositories, community: Community, weekday: int, hour: int
) -> None:
    """When the weekly digest goes out (Monday is 0), from the chat or the web: the one
    already planned is withdrawn and the next one planned at the new time."""
    community.digest_weekday = weekday
    community.digest_hour = hour
    await repos.schedule.cancel_pending(community.id, KIND_DIGEST)
    due = next_digest(community, planner.now())
    planner.plan(to_group(community, KIND_DIGEST, due, planner.now(), stale_at=due + DIGEST_STALE))


def _overview(ctx: Context, community: Community) -> Reply:
    day = get_day_names("wide", locale=ctx.language)[community.digest_weekday]
    return ctx.reply(
        "settings.overview",
        passive=community.passive_after_days,
        member=community.passive_min_membership_days,
        interval=community.prompt_interval_days,
        hour=community.prompt_hour,
        digest_day=day,
        digest_hour=community.digest_hour,
    )


def register(router: Router) -> None:
    router.command(
        "instellingen",
        "settings",
        settings,
        help_key="help.cmd.instellingen",
        args_key="help.args.instellingen",
        role=Role.COORDINATOR,
    )
