"""Capability 4: meetings and reminders, the commands, forms and buttons.

Coordinators plan meetings (once or recurring) and free reminders; reminders go to the group
at the community's offsets with RSVP buttons and an .ics file; members who come can ask for a
personal reminder; after a meeting those who came are invited to reflect on it. Every send is
a row in the durable outbox (bot/core/outbox.py), rendered from the data as it is when it falls
due (bot/handlers/meetings/rendering.py); planning lives in planning.py.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context, UserError
from bot.core.i18n import Value
from bot.core.outbox import to_group
from bot.core.router import Router
from bot.dialogs.engine import Field, Form, FormValues, InvalidAnswer, choices_of
from bot.handlers.meetings.offsets import offset_label, parse_offsets
from bot.handlers.meetings.planning import (
    KIND_AFTER,
    KIND_FREE,
    KIND_PERSONAL,
    KIND_REMINDER,
    create_meeting,
    plan_after,
    plan_personal,
    plan_reminders,
    replan,
)
from bot.handlers.meetings.rendering import (
    ACTION_REFLECT,
    ACTION_REMIND_ME,
    ACTION_RSVP,
    ANSWER_KEYS,
    describe_recurrence,
    ics,
    meeting_line,
    meeting_text,
    render_after,
    render_free,
    render_personal,
    render_reminder,
    rsvp_buttons,
    when_text,
)
from bot.model.markup import Text
from bot.model.messages import Button, ChatTarget, Incoming, Reply
from bot.model.messenger import DeliveryError
from bot.text.dates import Problem, Unclear, parse_moment
from bot.text.recurrence import Recurrence, parse_recurrence
from storage.models import Community, Meeting, MeetingKind, Role, RsvpAnswer
from storage.repositories.ledger import ActivityKind

FORM = "meeting"
FORM_EDIT = "meeting.edit"
AGENDA_SIZE = 6
SUBJECT = "meeting_id"


async def meeting_command(msg: Incoming, ctx: Context) -> list[Reply]:
    ctx.require_community()
    words = msg.args.split()
    verb = words[0].casefold() if words else ""
    if verb in ("annuleer", "cancel", "afzeggen") and len(words) >= 2:
        series = len(words) > 2 and words[2].casefold() in ("reeks", "series", "alle", "all")
        return await _cancel(ctx, _number(words[1]), series=series)
    if verb in ("wijzig", "bewerk", "edit") and len(words) >= 2:
        return await _edit(msg, ctx, _number(words[1]))
    if not words:
        return await ctx.dialogs.start(msg, ctx, FORM)
    return await _from_arguments(msg, ctx, msg.args)


def _number(word: str) -> int:
    word = word.lstrip("#")
    if not word.isdigit():
        raise UserError("meeting.usage")
    return int(word)


async def _from_arguments(msg: Incoming, ctx: Context, text: str) -> list[Reply]:
    rule, text = parse_recurrence(text)
    result, rest = parse_moment(text, ctx.now(), ctx.zone())
    title, _, place = rest.partition("|")
    title, kind = _kind_of(title.strip())
    known: FormValues = {
        "title": title or None,
        "place": place.strip() or None,
        "kind": kind.value,
        "repeat": rule.to_rule() if rule else "",
    }
    if isinstance(result, Unclear) or not title:
        values = {k: v for k, v in known.items() if v is not None}
        replies = [Reply(_problem_text(ctx, result))] if isinstance(result, Unclear) else []
        return replies + await ctx.dialogs.start(msg, ctx, FORM, values)
    return await _create(ctx, result.start, known)


def _kind_of(title: str) -> tuple[str, MeetingKind]:
    for prefix in ("publiek:", "public:"):
        if title.casefold().startswith(prefix):
            return title[len(prefix) :].strip(), MeetingKind.PUBLIC
    return title, MeetingKind.ATELIER


def _problem(ctx: Context, unclear: Unclear) -> tuple[str, dict[str, Value]]:
    """The catalog key and values that ask the member to say when more precisely."""
    if unclear.problem is Problem.AMBIGUOUS and unclear.candidates:
        options = " / ".join(when_text(ctx.t, c) for c in unclear.candidates)
        return "when.ambiguous", {"options": options}
    return f"when.{unclear.problem.value}", {}


def _problem_text(ctx: Context, unclear: Unclear) -> Text:
    key, values = _problem(ctx, unclear)
    return ctx.text(key, **values)


def _understand_when(answer: str, ctx: Context) -> str:
    result, _rest = parse_moment(answer, ctx.now(), ctx.zone())
    if isinstance(result, Unclear):
        key, values = _problem(ctx, result)
        raise InvalidAnswer(key, **values)
    return result.start.isoformat()


def _start_from(ctx: Context, value: str | None) -> datetime:
    """The stored answer (ISO with offset), or an edit's unchanged default (as shown)."""
    try:
        start = datetime.fromisoformat(value or "")
    except ValueError:
        start = None
    if start is not None and start.tzinfo is not None:
        return start
    try:
        return datetime.fromisoformat(_understand_when(value or "", ctx))
    except InvalidAnswer as problem:
        raise UserError(problem.key, **problem.values) from problem


def _fields(*, editing: bool) -> tuple[Field, ...]:
    fields = (
        Field(
            "when",
            "meeting.ask.when",
            "meeting.label.when",
            required=not editing,
            max_length=100,
            understand=_understand_when,
        ),
        Field(
            "title",
            "meeting.ask.title",
            "meeting.label.title",
            required=not editing,
            max_length=255,
        ),
        Field("place", "meeting.ask.place", "meeting.label.place", max_length=1000),
    )
    if editing:
        return fields
    return (
        *fields,
        Field(
            "kind",
            "meeting.ask.kind",
            "meeting.label.kind",
            choices=choices_of(MeetingKind, "meeting.kind"),
        ),
        Field(
            "repeat",
            "meeting.ask.repeat",
            "meeting.label.repeat",
            max_length=100,
            parse=_parse_repeat,
        ),
    )


async def _create(ctx: Context, start: datetime, values: FormValues) -> list[Reply]:
    repeat = values.get("repeat")
    rule = Recurrence.from_rule(repeat) if repeat else None
    if rule is not None:
        start = rule.first_on_or_after(start, ctx.zone())
    meetings = await create_meeting(
        ctx,
        start,
        values.get("title") or "",
        values.get("place") or "",
        MeetingKind(values.get("kind") or MeetingKind.ATELIER.value),
        rule,
    )
    first = meetings[0]
    text = (
        ctx.text("meeting.created", number=first.id)
        + "\n\n"
        + meeting_text(ctx.t, ctx.zone(), first)
    )
    if rule is not None:
        dates = ", ".join(
            when_text(ctx.t, m.starts_at.astimezone(ctx.zone())) for m in meetings[1:]
        )
        text = (
            text
            + "\n"
            + ctx.text("meeting.series", rule=describe_recurrence(ctx.t, rule), next=dates or "—")
        )
    return [
        Reply(
            text, rsvp_buttons(ctx.t, first), attachment=ics(ctx.t, ctx.require_community(), first)
        )
    ]


async def _form_done(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    return await _create(ctx, _start_from(ctx, values["when"]), values)


def _parse_repeat(answer: str) -> str:
    rule, _rest = parse_recurrence(answer)
    if rule is None:
        raise InvalidAnswer("meeting.repeat_unclear")
    return rule.to_rule()


async def _edit(msg: Incoming, ctx: Context, number: int) -> list[Reply]:
    meeting = await _meeting(ctx, number)
    local = meeting.starts_at.astimezone(ctx.zone())
    defaults = {
        "when": local.strftime("%Y-%m-%d %H:%M"),
        "title": meeting.title,
        "place": meeting.place or None,
    }
    return await ctx.dialogs.start(
        msg, ctx, FORM_EDIT, values={SUBJECT: str(number)}, defaults=defaults
    )


async def _edited(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    community = ctx.require_community()
    meeting = await _meeting(ctx, int(values.get(SUBJECT) or 0))
    start = _start_from(ctx, values["when"])
    duration = meeting.ends_at - meeting.starts_at
    meeting.starts_at, meeting.ends_at = start, start + duration
    meeting.title = values.get("title") or meeting.title
    meeting.place = values.get("place") or ""
    meeting.sequence += 1
    await replan(ctx, community, meeting)
    text = (
        ctx.text("meeting.changed", number=meeting.id)
        + "\n\n"
        + meeting_text(ctx.t, ctx.zone(), meeting)
    )
    reply = Reply(text, rsvp_buttons(ctx.t, meeting), attachment=ics(ctx.t, community, meeting))
    return await _tell_group(ctx, community, reply)


async def _meeting(ctx: Context, number: int) -> Meeting:
    meeting = await ctx.repos.meetings.get(ctx.require_community().id, number)
    if meeting is None or meeting.cancelled:
        raise UserError("meeting.not_found", number=number)
    return meeting


async def _cancel(ctx: Context, number: int, *, series: bool) -> list[Reply]:
    community = ctx.require_community()
    meeting = await _meeting(ctx, number)
    affected = [meeting]
    if series and meeting.series_id is not None:
        affected = [
            meeting,
            *[m for m in await ctx.repos.meetings.series(meeting.series_id, meeting.starts_at)],
        ]
    for item in affected:
        item.cancelled = True
        item.recurrence = None if series else item.recurrence
        item.sequence += 1
        await ctx.repos.schedule.cancel_for_meeting(item.id)
    text = ctx.text(
        "meeting.cancelled",
        title=meeting.title,
        when=when_text(ctx.t, meeting.starts_at.astimezone(ctx.zone())),
    )
    if len(affected) > 1:
        text = text + "\n" + ctx.text("meeting.cancelled_series", count=len(affected))
    reply = Reply(text, attachment=ics(ctx.t, community, meeting))
    return await _tell_group(ctx, community, reply)


async def _tell_group(ctx: Context, community: Community, reply: Reply) -> list[Reply]:
    """Changes concern everybody: said in the group, also when decided in a private chat."""
    if not ctx.is_private:
        return [reply]
    try:
        await ctx.messenger.send(ChatTarget(community.platform, community.chat_id), [reply])
    except DeliveryError:
        return [reply, ctx.reply("meeting.group_unreachable")]
    return [ctx.reply("meeting.told_group")]


async def agenda(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    upcoming = await ctx.repos.meetings.upcoming(community.id, ctx.now(), AGENDA_SIZE)
    if not upcoming:
        return [ctx.reply("agenda.empty")]
    counts = await ctx.repos.meetings.counts([m.id for m in upcoming])
    lines = [ctx.text("agenda.title")]
    for meeting in upcoming:
        lines.append(Text.plain("") + meeting_line(ctx.t, ctx.zone(), meeting, counts[meeting.id]))
    buttons = tuple(
        (
            Button(
                f"#{m.id} " + ctx.t.plain("meeting.rsvp_yes"),
                ACTION_RSVP,
                f"{m.id}:{RsvpAnswer.YES.value}",
            ),
        )
        for m in upcoming[:3]
    )
    return [Reply(Text.join(lines, "\n\n"), buttons)]


async def on_rsvp(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    number, _, answer_word = msg.payload.partition(":")
    try:
        answer = RsvpAnswer(answer_word)
    except ValueError:
        raise UserError("error.stale_button") from None
    meeting = await ctx.repos.meetings.get(community.id, _number(number))
    if meeting is None or meeting.cancelled or meeting.ends_at <= ctx.now():
        raise UserError("meeting.rsvp_closed")
    first = await ctx.repos.meetings.answer(meeting.id, ctx.member.id, answer, ctx.now())
    if first:
        await ctx.repos.ledger.record(community.id, ctx.member.id, ActivityKind.RSVP, ctx.now())
    if answer is RsvpAnswer.YES:
        plan_after(ctx, community, meeting, ctx.member.id, ctx.identity.user_id)
    counts = (await ctx.repos.meetings.counts([meeting.id]))[meeting.id]
    text = ctx.text(
        "meeting.rsvp_noted",
        answer=ctx.t.plain(ANSWER_KEYS[answer]),
        title=meeting.title,
        yes=counts[RsvpAnswer.YES],
        maybe=counts[RsvpAnswer.MAYBE],
    )
    buttons: tuple[tuple[Button, ...], ...] = ()
    if answer is RsvpAnswer.YES and ctx.identity.reachable_privately:
        buttons = ((ctx.button("meeting.button_remind_me", ACTION_REMIND_ME, str(meeting.id)),),)
    elif answer is RsvpAnswer.YES:
        text = text + " " + ctx.text("meeting.start_for_reminder")
    return [Reply(text, buttons, private=True)]


async def on_remind_me(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    meeting = await _meeting(ctx, _number(msg.payload))
    if await ctx.repos.meetings.answer_of(meeting.id, ctx.member.id) is not RsvpAnswer.YES:
        raise UserError("meeting.remind_only_attendees")
    await ctx.repos.meetings.set_wants_reminder(meeting.id, ctx.member.id)
    plan_personal(ctx, community, meeting, ctx.member.id, ctx.identity.user_id)
    return [ctx.reply("meeting.remind_me_set", title=meeting.title, private=True)]


async def on_reflect(msg: Incoming, ctx: Context) -> list[Reply]:
    meeting = await ctx.repos.meetings.by_id(_number(msg.payload))
    if meeting is None:
        raise UserError("error.stale_button")
    return await ctx.dialogs.start(msg, ctx, "reflection", {"meeting_id": str(meeting.id)})


async def remind(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    result, text = parse_moment(msg.args, ctx.now(), ctx.zone())
    if isinstance(result, Unclear):
        raise UserError("remind.usage_problem", problem=_problem_text(ctx, result))
    if not text.strip():
        raise UserError("remind.usage")
    ctx.plan(
        to_group(
            community, KIND_FREE, result.start, ctx.now(), payload={"text": text.strip()[:2000]}
        )
    )
    return [ctx.reply("remind.planned", when=when_text(ctx.t, result.start))]


async def offsets(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    if not msg.args.strip():
        return [ctx.reply("offsets.current", offsets=community.reminder_offsets)]
    try:
        chosen = parse_offsets(msg.args)
    except ValueError:
        raise UserError("offsets.usage") from None
    community.reminder_offsets = " ".join(offset_label(o) for o in chosen)
    for meeting in await ctx.repos.meetings.upcoming(community.id, ctx.now(), 100):
        await ctx.repos.schedule.cancel_for_meeting(meeting.id, (KIND_REMINDER,))
        plan_reminders(ctx, community, meeting)
    return [ctx.reply("offsets.set", offsets=community.reminder_offsets)]


def register(router: Router) -> None:
    router.command(
        "bijeenkomst",
        "meeting",
        meeting_command,
        help_key="help.cmd.bijeenkomst",
        args_key="help.args.bijeenkomst",
        role=Role.COORDINATOR,
    )
    router.command("agenda", "agenda", agenda, help_key="help.cmd.agenda")
    router.command(
        "herinner",
        "remind",
        remind,
        help_key="help.cmd.herinner",
        args_key="help.args.herinner",
        role=Role.COORDINATOR,
    )
    router.command(
        "herinneringen",
        "reminders",
        offsets,
        help_key="help.cmd.herinneringen",
        args_key="help.args.herinneringen",
        role=Role.COORDINATOR,
    )
    router.action(ACTION_RSVP, on_rsvp)
    router.action(ACTION_REMIND_ME, on_remind_me)
    router.action(ACTION_REFLECT, on_reflect)
    router.renderer(KIND_REMINDER, render_reminder)
    router.renderer(KIND_PERSONAL, render_personal)
    router.renderer(KIND_AFTER, render_after)
    router.renderer(KIND_FREE, render_free)
    router.form(
        Form(FORM, "meeting.form_title", _fields(editing=False), _form_done, role=Role.COORDINATOR)
    )
    router.form(
        Form(
            FORM_EDIT,
            "meeting.form_title_edit",
            _fields(editing=True),
            _edited,
            role=Role.COORDINATOR,
        )
    )
