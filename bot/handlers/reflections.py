"""Capability 3: quick reflections — one message, one reflection; its card, with the replies
and the button to reply (the forum part), for whoever may read it."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date

from bot.core.context import Context, UserError
from bot.core.router import Router
from bot.dialogs.forms import Field, Form, FormValues, answered_privately
from bot.dialogs.sharing import Sharing, all_sharings, community_default, describe
from bot.handlers import replies
from bot.model.markup import Text
from bot.model.messages import Button, Incoming, MemberTarget, Reply, payload_number
from bot.model.messenger import DeliveryError
from storage.models import Meeting, Reflection
from storage.repositories.experiments import shown_author
from storage.repositories.ledger import ActivityKind
from storage.repositories.replies import Subject

FORM = "reflection"
ACTION_LINK = "refl.link"
ACTION_SHARING = "refl.share"
ACTION_MEETING = "refl.meeting"
ACTION_VIEW = "refl.view"
ACTION_CHOOSE_PRIVATELY = "refl.choose"
RECENT_MEETING = timedelta(days=14)
LINKABLE = 3


async def reflect(msg: Incoming, ctx: Context) -> list[Reply]:
    ctx.require_community()
    return await ctx.dialogs.start(msg, ctx, FORM, first_answer=msg.args or None)


async def _saved(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    community = ctx.require_community()
    text = values["text"]
    if text is None:
        raise UserError("error.generic")
    if await ctx.repos.reflections.saved_just_now(community.id, ctx.member.id, text, ctx.now()):
        return [ctx.reply("contribution.already_saved")]
    default = community_default(community)
    reflection = await ctx.repos.reflections.create(
        community.id, ctx.member.id, text, default.audience, default.attribution, ctx.now()
    )
    await ctx.repos.ledger.record(community.id, ctx.member.id, ActivityKind.REFLECTION, ctx.now())
    rows: list[tuple[Button, ...]] = []
    about = await _meeting_to_offer(ctx, values.get("meeting_id"))
    if about is not None and values.get("meeting_id"):
        reflection.meeting_id = about.id
    elif about is not None:
        label = ctx.t.plain("reflection.button_meeting", title=about.title)
        rows.append((Button(label[:60], ACTION_MEETING, f"{reflection.id}:{about.id}"),))
    for experiment in await ctx.repos.experiments.latest_of(community.id, ctx.member.id, LINKABLE):
        label = ctx.t.plain("reflection.button_link", number=experiment.id, what=experiment.what)
        rows.append((Button(label[:60], ACTION_LINK, f"{reflection.id}:{experiment.id}"),))
    sharing = describe(ctx.t, reflection.audience, reflection.attribution)
    private = answered_privately(msg, ctx)
    if not private:
        # The group sees no sharing choice: it is offered in a private message.
        label = ctx.t.plain("reflection.button_choose_privately")
        rows.append((Button(label, ACTION_CHOOSE_PRIVATELY, str(reflection.id)),))
        return [Reply(ctx.text("reflection.saved_in_group", sharing=sharing), tuple(rows))]
    rows.append(_sharing_buttons(ctx, reflection))
    return [Reply(ctx.text("reflection.saved", sharing=sharing), tuple(rows), private=private)]


async def on_view(msg: Incoming, ctx: Context) -> list[Reply]:
    """The reflection's card, by the one read rule (the same as for replying to it)."""
    about = await replies.readable(ctx, f"reflection:{payload_number(msg.payload)}")
    reflection = about.contribution
    if not isinstance(reflection, Reflection):
        raise UserError("reply.not_found")
    return [Reply(await card(ctx, reflection), ((replies.reply_button(ctx, about.subject),),))]


async def card(ctx: Context, reflection: Reflection) -> Text:
    """The reflection with who wrote it (by the name rule), its audience and its replies."""
    authors = await ctx.repos.experiments.authors([reflection])
    author = authors.get(reflection.author_member_id or 0)
    meta = ctx.text(
        "reflection.meta",
        sharing=describe(ctx.t, reflection.audience, reflection.attribution),
        author=shown_author(reflection.attribution, author)
        or ctx.t.plain("sharing.anonymous_author"),
        date=format_date(reflection.created_at.astimezone(ctx.zone()), "long", locale=ctx.language),
    )
    parts = [
        ctx.text("reflection.card_title", number=reflection.id),
        meta,
        Text.plain(reflection.text),
    ]
    answers = replies.listing(ctx, await ctx.repos.replies.of(Subject("reflection", reflection.id)))
    if answers:
        parts.append(answers)
    return Text.join(parts, "\n\n")


async def on_choose_privately(msg: Incoming, ctx: Context) -> list[Reply]:
    """The sharing choice of a reflection saved in the group, asked in a private message."""
    reflection = await ctx.repos.reflections.get_own(payload_number(msg.payload), ctx.member.id)
    if reflection is None:
        raise UserError("error.stale_button")
    sharing = describe(ctx.t, reflection.audience, reflection.attribution)
    choice = Reply(
        ctx.text("reflection.choose_sharing", sharing=sharing),
        (_sharing_buttons(ctx, reflection),),
    )
    if ctx.is_private:
        return [choice]
    try:
        await ctx.messenger.send(MemberTarget(msg.platform, msg.user.user_id), [choice])
    except DeliveryError:
        return [ctx.reply("reflection.start_private_first")]
    return [ctx.reply("reflection.choice_sent_privately")]


def _sharing_buttons(ctx: Context, reflection: Reflection) -> tuple[Button, ...]:
    """One button per other choice of audience and attribution."""
    current = Sharing(reflection.audience, reflection.attribution)
    return tuple(
        ctx.button(f"sharing.choice.{s.value}", ACTION_SHARING, f"{reflection.id}:{s.value}")
        for s in all_sharings()
        if s != current
    )


async def _meeting_to_offer(ctx: Context, chosen: str | None) -> Meeting | None:
    """The meeting a reflection is about: the one invited for, or else the last one."""
    community = ctx.require_community()
    if chosen and chosen.isdigit():
        return await ctx.repos.meetings.get(community.id, int(chosen))
    return await ctx.repos.meetings.last_ended(community.id, ctx.now(), ctx.now() - RECENT_MEETING)


async def on_meeting(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    number, meeting_id = await _own_reflection(ctx, msg.payload)
    reflection = await ctx.repos.reflections.get_own(number, ctx.member.id)
    meeting = await ctx.repos.meetings.get(community.id, payload_number(meeting_id))
    if reflection is None or meeting is None:
        raise UserError("error.stale_button")
    reflection.meeting_id = meeting.id
    return [ctx.reply("reflection.linked_meeting", title=meeting.title)]


async def _own_reflection(ctx: Context, payload: str) -> tuple[int, str]:
    number, _, rest = payload.partition(":")
    if not number.isdigit():
        raise UserError("error.stale_button")
    return int(number), rest


async def on_link(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    number, experiment = await _own_reflection(ctx, msg.payload)
    reflection = await ctx.repos.reflections.get_own(number, ctx.member.id)
    linked = await ctx.repos.experiments.get(community.id, payload_number(experiment))
    if reflection is None or linked is None or linked.author_member_id != ctx.member.id:
        raise UserError("error.stale_button")
    reflection.experiment_id = linked.id
    return [ctx.reply("reflection.linked", number=linked.id)]


async def on_sharing(msg: Incoming, ctx: Context) -> list[Reply]:
    number, level = await _own_reflection(ctx, msg.payload)
    reflection = await ctx.repos.reflections.get_own(number, ctx.member.id)
    sharing = Sharing.parse(level)
    if reflection is None or sharing is None:
        raise UserError("error.stale_button")
    reflection.audience, reflection.attribution = sharing.audience, sharing.attribution
    described = describe(ctx.t, reflection.audience, reflection.attribution)
    return [ctx.reply("reflection.sharing_set", sharing=described)]


def register(router: Router) -> None:
    router.command(
        "reflectie",
        "reflect",
        reflect,
        help_key="help.cmd.reflectie",
        args_key="help.args.reflectie",
    )
    router.action(ACTION_LINK, on_link)
    router.action(ACTION_SHARING, on_sharing)
    router.action(ACTION_MEETING, on_meeting)
    router.action(ACTION_VIEW, on_view)
    router.action(ACTION_CHOOSE_PRIVATELY, on_choose_privately)
    router.form(
        Form(
            FORM,
            "reflection.title",
            (
                Field(
                    "text",
                    "reflection.ask",
                    "reflection.label",
                    required=True,
                    multiline=True,
                    guard=True,
                ),
            ),
            _saved,
        )
    )
