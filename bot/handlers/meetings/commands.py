"""Capability 4: meetings and reminders, the commands, forms and buttons.

Coordinators plan meetings (once or recurring) and free reminders; reminders go to the group
at the community's offsets with RSVP buttons and an .ics file; members who come can ask for a
personal reminder; after a meeting those who came are invited to reflect on it. Every send is
a row in the durable outbox (bot/core/outbox.py), rendered from the data as it is when it falls
due (bot/handlers/meetings/rendering.py); planning lives in planning.py.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.context import Context, UserError
from bot.core.i18n import Value
from bot.core.outbox import to_group
from bot.core.router import Router
from bot.dialogs.engine import ACTION_CHOOSE
from bot.dialogs.forms import Field, Form, FormValues, InvalidAnswer, choices_of
from bot.handlers.meetings.offsets import offset_label, offsets_in_words, parse_offsets
from bot.handlers.meetings.planning import (
    DURATION,
    KIND_AFTER,
    KIND_CHANGED,
    KIND_FREE,
    KIND_PERSONAL,
    KIND_REMINDER,
    PERSONAL_BEFORE,
    SOON,
    RsvpClosed,
    answer_rsvp,
    create_meeting,
    plan_personal,
    plan_reminders,
    replan,
    tell_attendees,
)
from bot.handlers.meetings.rendering import (
    ACTION_REFLECT,
    ACTION_REMIND_ME,
    ACTION_RSVP,
    ANSWER_KEYS,
    ORIGIN_LATE_REMINDER,
    ORIGIN_REMINDER,
    button_label,
    describe_recurrence,
    holiday_of,
    meeting_ics,
    meeting_line,
    meeting_text,
    reminder,
    render_after,
    render_changed,
    render_free,
    render_personal,
    render_reminder,
    rsvp_buttons,
    short_when,
    time_left,
    when_text,
)
from bot.model.markup import Text
from bot.model.messages import Button, ChatTarget, Incoming, Reply
from bot.model.messenger import DeliveryError
from bot.text.dates import Moment, Problem, Unclear, parse_length, parse_moment
from bot.text.recurrence import Recurrence, parse_recurrence
from storage.models import (
    Community,
    Meeting,
    MeetingKind,
    Role,
    RsvpAnswer,
    ScheduledSend,
    SendState,
)

FORM = "meeting"
FORM_EDIT = "meeting.edit"
QUICK_FORMS = {
    ("when", "title"): "meeting.quick",
    ("when",): "meeting.quick.when",
    ("title",): "meeting.quick.title",
}
ACTION_EDIT = "mtg.edit"
ACTION_CANCEL = "mtg.cancel"
EDIT_VERBS = ("wijzig", "bewerk", "edit", "change")
CANCEL_VERBS = ("annuleer", "cancel", "afzeggen")
LIST_VERBS = ("lijst", "list", "overzicht")
_PUBLIC = re.compile(r"(?<!\S)(?:publiek|public)\s*:", re.IGNORECASE)
AGENDA_SIZE = 6
AGENDA_BUTTONS = 3  # meetings with RSVP buttons under the agenda: the soonest
SUBJECT = "meeting_id"


async def meeting_command(msg: Incoming, ctx: Context) -> list[Reply]:
    ctx.require_community()
    words = msg.args.split()
    verb = words[0].casefold() if words else ""
    if verb in CANCEL_VERBS:
        if len(words) < 2:
            return await _which_meeting(ctx, ACTION_CANCEL)
        series = len(words) > 2 and words[2].casefold() in ("reeks", "series", "alle", "all")
        return await _cancel(ctx, _number(words[1]), series=series)
    if verb in EDIT_VERBS:
        if len(words) < 2:
            return await _which_meeting(ctx, ACTION_EDIT)
        return await _edit(msg, ctx, _number(words[1]))
    if not words:
        return await ctx.dialogs.start(msg, ctx, FORM)
    return await _from_arguments(msg, ctx, msg.args)


def _number(word: str) -> int:
    word = word.lstrip("#")
    if not word.isdigit():
        raise UserError("meeting.usage")
    return int(word)


async def _which_meeting(ctx: Context, action: str) -> list[Reply]:
    """`/bijeenkomst wijzig` without a number: which meeting? The upcoming ones as buttons."""
    community = ctx.require_community()
    upcoming = await ctx.repos.meetings.upcoming(community.id, ctx.now(), AGENDA_SIZE)
    if not upcoming:
        return [ctx.reply("agenda.empty")]
    key = "meeting.which_edit" if action == ACTION_EDIT else "meeting.which_cancel"
    lines = [ctx.text(key)]
    for meeting in upcoming:
        lines.append(
            Text.plain(f"#{meeting.id} {meeting.title} · ")
            + Text.plain(short_when(ctx.t, meeting.starts_at.astimezone(ctx.zone())))
        )
    buttons = tuple(
        (Button(button_label(f"#{m.id} {m.title}"), action, str(m.id)),) for m in upcoming
    )
    return [Reply(Text.join(lines, "\n"), buttons)]


async def on_edit(msg: Incoming, ctx: Context) -> list[Reply]:
    _require_coordinator(ctx)
    return await _edit(msg, ctx, _number(msg.payload))


async def on_cancel(msg: Incoming, ctx: Context) -> list[Reply]:
    _require_coordinator(ctx)
    return await _cancel(ctx, _number(msg.payload), series=False)


def _require_coordinator(ctx: Context) -> None:
    if not ctx.is_coordinator:
        raise UserError("error.coordinators_only", command="/bijeenkomst")


async def _from_arguments(msg: Incoming, ctx: Context, text: str) -> list[Reply]:
    """One line with everything; what is missing or unclear is asked once, the rest is kept."""
    text, kind = _kind_of(text)
    rule, text = parse_recurrence(text)
    result, rest = parse_moment(text, ctx.now(), ctx.zone())
    known: FormValues = {"kind": kind.value, "repeat": rule.to_rule() if rule else ""}
    if isinstance(result, Moment):
        length, rest = parse_length(rest, result.start)
        if isinstance(length, Problem):
            raise UserError("meeting.length_impossible")
        known["when"] = _interval(result.start, length)
    title, _, place = rest.partition("|")
    if title.strip():
        known["title"] = title.strip()[:255]
    if place.strip():
        known["place"] = place.strip()[:1000]
    else:
        known["place"] = ""
    if isinstance(result, Moment) and "title" in known:
        return await _create(ctx, known)
    missing = [name for name in ("when", "title") if name not in known]
    replies = await ctx.dialogs.start(msg, ctx, QUICK_FORMS[tuple(missing)], known)
    if isinstance(result, Unclear):
        return [
            _with_problem(ctx, reply, result) if reply.awaits_answer else reply for reply in replies
        ]
    return replies


def _with_problem(ctx: Context, question: Reply, unclear: Unclear) -> Reply:
    """The one question back: what was unclear, and (for two readings) each as a button."""
    key, values = _problem(ctx, unclear)
    if unclear.problem is Problem.AMBIGUOUS and unclear.candidates:
        key = "when.ambiguous_choose"
    choices = tuple(
        Button(short_when(ctx.t, c), ACTION_CHOOSE, c.strftime("%Y-%m-%d %H:%M"))
        for c in unclear.candidates[:3]
    )
    rows = ((choices,) if choices else ()) + question.buttons
    return replace(question, text=ctx.text(key, **values) + "\n\n" + question.text, buttons=rows)


def _interval(start: datetime, length: timedelta | None) -> str:
    """A form value: the start (ISO), or start/end (an ISO 8601 interval) when a length was said."""
    return (
        start.isoformat()
        if length is None
        else f"{start.isoformat()}/{(start + length).isoformat()}"
    )


def _kind_of(text: str) -> tuple[str, MeetingKind]:
    """`publiek:` (or `public:`) anywhere in the arguments makes a public event."""
    match = _PUBLIC.search(text)
    if match is None:
        return text, MeetingKind.ATELIER
    return " ".join((text[: match.start()] + " " + text[match.end() :]).split()), MeetingKind.PUBLIC


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
    """A typed moment, with an end time or duration when one is given ("do 19:30-21:00")."""
    result, rest = parse_moment(answer, ctx.now(), ctx.zone())
    if isinstance(result, Unclear):
        key, values = _problem(ctx, result)
        raise InvalidAnswer(key, **values)
    length, _rest = parse_length(rest, result.start)
    if isinstance(length, Problem):
        raise InvalidAnswer("meeting.length_impossible")
    return _interval(result.start, length)


def _when_from(ctx: Context, value: str | None) -> tuple[datetime, timedelta | None]:
    """The stored answer (ISO start, or start/end), or an edit's unchanged default (as shown)."""
    text = value or ""
    begin, _, end = text.partition("/")
    start: datetime | None
    finish: datetime | None
    try:
        start = datetime.fromisoformat(begin)
        finish = datetime.fromisoformat(end) if end else None
    except ValueError:
        start = finish = None
    if start is not None and start.tzinfo is not None:
        return start, (finish - start if finish is not None else None)
    try:
        return _when_from(ctx, _understand_when(text, ctx))
    except InvalidAnswer as problem:
        raise UserError(problem.key, **problem.values) from problem


def _fields(*, editing: bool, quick: bool = False) -> tuple[Field, ...]:
    """The form's questions; `quick` asks only what a one-line command left open."""
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
    if quick:
        return fields[:2]
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


async def _create(ctx: Context, values: FormValues) -> list[Reply]:
    start, length = _when_from(ctx, values.get("when"))
    repeat = values.get("repeat")
    rule = Recurrence.from_rule(repeat) if repeat else None
    if rule is not None:
        start = rule.first_on_or_after(start, ctx.zone())
    title = values.get("title") or ""
    community = ctx.require_community()
    twice = await ctx.repos.meetings.same_planned(community.id, title, start)
    meetings = await create_meeting(
        ctx,
        start,
        title,
        values.get("place") or "",
        MeetingKind(values.get("kind") or MeetingKind.ATELIER.value),
        rule,
        length or DURATION,
    )
    first = meetings[0]
    text = (
        ctx.text("meeting.created", number=first.id)
        + "\n\n"
        + meeting_text(ctx.t, ctx.zone(), first)
    )
    if length is None:
        text = text + "\n" + ctx.text("meeting.default_length")
    if rule is not None:
        dates = ", ".join(
            when_text(ctx.t, m.starts_at.astimezone(ctx.zone())) for m in meetings[1:]
        )
        text = (
            text
            + "\n"
            + ctx.text("meeting.series", rule=describe_recurrence(ctx.t, rule), next=dates or "—")
        )
    for warning in _warnings(ctx, meetings, twice=twice):
        text = text + "\n" + warning
    return [
        Reply(
            text,
            rsvp_buttons(ctx.t, first),
            attachment=await meeting_ics(ctx.repos, ctx.t, ctx.require_community(), first),
        )
    ]


def _warnings(ctx: Context, meetings: list[Meeting], *, twice: bool) -> list[Text]:
    """A public holiday on a planned day, and the same meeting planned twice."""
    found = []
    for meeting in meetings:
        day = meeting.starts_at.astimezone(ctx.zone()).date()
        holiday = holiday_of(ctx.t, day)
        if holiday:
            found.append(
                ctx.text(
                    "meeting.on_holiday",
                    holiday=holiday,
                    date=when_text(ctx.t, meeting.starts_at.astimezone(ctx.zone())),
                )
            )
    if twice:
        found.append(ctx.text("meeting.planned_twice"))
    return found


async def _form_done(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    return await _create(ctx, values)


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
    start, length = _when_from(ctx, values["when"])
    duration = length or meeting.ends_at - meeting.starts_at
    meeting.starts_at, meeting.ends_at = start, start + duration
    meeting.title = values.get("title") or meeting.title
    meeting.place = values.get("place") or ""
    meeting.sequence += 1
    await replan(ctx, community, meeting)
    await tell_attendees(ctx, community, meeting, "moved")
    text = (
        ctx.text("meeting.changed", number=meeting.id)
        + "\n\n"
        + meeting_text(ctx.t, ctx.zone(), meeting)
    )
    attachment = await meeting_ics(ctx.repos, ctx.t, community, meeting)
    reply = Reply(text, rsvp_buttons(ctx.t, meeting), attachment=attachment)
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
        await tell_attendees(ctx, community, item, "cancelled")
    text = ctx.text(
        "meeting.cancelled",
        title=meeting.title,
        when=when_text(ctx.t, meeting.starts_at.astimezone(ctx.zone())),
    )
    if len(affected) > 1:
        text = text + "\n" + ctx.text("meeting.cancelled_series", count=len(affected))
    reply = Reply(text, attachment=await meeting_ics(ctx.repos, ctx.t, community, meeting))
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
    found = await ctx.repos.meetings.upcoming(community.id, ctx.now(), AGENDA_SIZE + 1)
    upcoming = found[:AGENDA_SIZE]
    if not upcoming:
        return [ctx.reply("agenda.empty")]
    ids = [m.id for m in upcoming]
    counts = await ctx.repos.meetings.counts(ids)
    coming = await ctx.repos.meetings.coming_names(ids)
    lines = [ctx.text("agenda.title")]
    for meeting in upcoming:
        line = meeting_line(ctx.t, ctx.zone(), meeting, counts[meeting.id], coming[meeting.id])
        lines.append(Text.plain("") + line)
    if len(found) > AGENDA_SIZE:
        lines.append(ctx.text("agenda.more", shown=AGENDA_SIZE))
    buttons = tuple(
        tuple(
            Button(f"#{m.id} " + ctx.t.plain(key), ACTION_RSVP, f"{m.id}:{answer.value}")
            for answer, key in ANSWER_KEYS.items()
        )
        for m in upcoming[:AGENDA_BUTTONS]
    )
    return [Reply(Text.join(lines, "\n\n"), buttons)]


async def on_rsvp(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    number, _, rest = msg.payload.partition(":")
    answer_word, _, origin = rest.partition(":")
    try:
        answer = RsvpAnswer(answer_word)
    except ValueError:
        raise UserError("error.stale_button") from None
    meeting = await ctx.repos.meetings.get(community.id, _number(number))
    try:
        if meeting is None:
            raise RsvpClosed
        await answer_rsvp(ctx, ctx.repos, community, meeting, ctx.member.id, answer)
    except RsvpClosed:
        raise UserError("meeting.rsvp_closed") from None
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
    noted = Reply(text, buttons, private=True)
    if origin not in (ORIGIN_REMINDER, ORIGIN_LATE_REMINDER) or ctx.is_private:
        return [noted]
    # The reminder in the group shows the new counts, in the group's language.
    group_t = ctx.catalogs.translator(community.language)
    late = origin == ORIGIN_LATE_REMINDER
    updated = reminder(group_t, ZoneInfo(community.timezone), meeting, counts, late=late)
    return [noted, replace(updated, replaces_origin=True)]


async def on_remind_me(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    meeting = await _meeting(ctx, _number(msg.payload))
    if await ctx.repos.meetings.answer_of(meeting.id, ctx.member.id) is not RsvpAnswer.YES:
        raise UserError("meeting.remind_only_attendees")
    left = meeting.starts_at - ctx.now()
    if left <= timedelta(0):
        raise UserError("meeting.already_started", title=meeting.title)
    if left <= SOON:
        return [
            ctx.reply(
                "meeting.starts_soon",
                title=meeting.title,
                left=time_left(ctx.t, left),
                private=True,
            )
        ]
    await ctx.repos.meetings.set_wants_reminder(meeting.id, ctx.member.id)
    plan_personal(ctx, community, meeting, ctx.member.id, ctx.identity.user_id)
    if left <= PERSONAL_BEFORE:
        return [
            ctx.reply(
                "meeting.remind_me_now",
                title=meeting.title,
                left=time_left(ctx.t, left),
                private=True,
            )
        ]
    return [ctx.reply("meeting.remind_me_set", title=meeting.title, private=True)]


async def on_reflect(msg: Incoming, ctx: Context) -> list[Reply]:
    """A reflection on a meeting of the presser's own community (the invitation comes by
    direct message, so it is saved in the meeting's community, not the latest one)."""
    meeting = await ctx.repos.meetings.by_id(_number(msg.payload))
    membership = (
        await ctx.repos.members.find_membership(meeting.community_id, ctx.member.id)
        if meeting is not None
        else None
    )
    if meeting is None or membership is None or membership.left_at is not None:
        raise UserError("error.stale_button")
    ctx.community = await ctx.repos.communities.get(meeting.community_id)
    ctx.membership = membership
    return await ctx.dialogs.start(msg, ctx, "reflection", {"meeting_id": str(meeting.id)})


async def remind(msg: Incoming, ctx: Context) -> list[Reply]:
    """`/herinner <wanneer> <tekst>`, and `lijst`, `wijzig N <wanneer> [tekst]`, `annuleer N`."""
    community = ctx.require_community()
    verb, _, rest = msg.args.strip().partition(" ")
    verb = verb.casefold()
    if verb in LIST_VERBS:
        return await _free_reminders(ctx, community)
    if verb in CANCEL_VERBS:
        send = await _free_reminder(ctx, community, rest)
        send.state = SendState.CANCELLED
        return [
            ctx.reply("remind.cancelled", number=send.id, text=str(send.payload.get("text", "")))
        ]
    if verb in EDIT_VERBS:
        which, _, change = rest.strip().partition(" ")
        send = await _free_reminder(ctx, community, which)
        start, text = _free_moment(ctx, change, required_text=False)
        send.due_at = start
        ctx.planned.append(start)
        if text:
            send.payload = {**send.payload, "text": text}
        when = when_text(ctx.t, start)
        return [ctx.reply("remind.changed", number=send.id, when=when)]
    start, text = _free_moment(ctx, msg.args, required_text=True)
    send = to_group(community, KIND_FREE, start, ctx.now(), payload={"text": text})
    number = await ctx.repos.schedule.numbered(send)
    ctx.planned.append(send.due_at)
    return [ctx.reply("remind.planned_numbered", number=number, when=when_text(ctx.t, start))]


def _free_moment(ctx: Context, typed: str, *, required_text: bool) -> tuple[datetime, str]:
    result, text = parse_moment(typed, ctx.now(), ctx.zone())
    if isinstance(result, Unclear):
        raise UserError("remind.usage_problem", problem=_problem_text(ctx, result))
    if required_text and not text.strip():
        raise UserError("remind.usage")
    return result.start, text.strip()[:2000]


async def _free_reminder(ctx: Context, community: Community, number: str) -> ScheduledSend:
    word = number.strip().lstrip("#")
    if not word.isdigit():
        raise UserError("remind.which")
    send = await ctx.repos.schedule.get(int(word))
    if (
        send is None
        or send.community_id != community.id
        or send.kind != KIND_FREE
        or send.state is not SendState.PENDING
    ):
        raise UserError("remind.not_found", number=int(word))
    return send


async def _free_reminders(ctx: Context, community: Community) -> list[Reply]:
    pending = await ctx.repos.schedule.pending(community.id, KIND_FREE)
    if not pending:
        return [ctx.reply("remind.none")]
    lines = [ctx.text("remind.list_title")]
    for send in pending:
        when = short_when(ctx.t, send.due_at.astimezone(ctx.zone()))
        lines.append(Text.plain(f"#{send.id} · {when} · {send.payload.get('text', '')}"))
    lines.append(ctx.text("remind.list_hint"))
    return [Reply(Text.join(lines, "\n"))]


async def offsets(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    if not msg.args.strip():
        words = offsets_in_words(community.reminder_offsets, ctx.language)
        return [ctx.reply("offsets.now", offsets=words)]
    try:
        chosen = parse_offsets(msg.args)
    except ValueError:
        raise UserError("offsets.explained") from None
    community.reminder_offsets = " ".join(offset_label(o) for o in chosen)
    for meeting in await ctx.repos.meetings.upcoming(community.id, ctx.now(), 100):
        await ctx.repos.schedule.cancel_for_meeting(meeting.id, (KIND_REMINDER,))
        plan_reminders(ctx, community, meeting)
    words = offsets_in_words(community.reminder_offsets, ctx.language)
    return [ctx.reply("offsets.changed", offsets=words)]


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
    router.renderer(KIND_CHANGED, render_changed)
    router.form(
        Form(FORM, "meeting.form_title", _fields(editing=False), _form_done, role=Role.COORDINATOR)
    )
    router.action(ACTION_EDIT, on_edit)
    router.action(ACTION_CANCEL, on_cancel)
    for missing, name in QUICK_FORMS.items():
        fields = tuple(f for f in _fields(editing=False, quick=True) if f.name in missing)
        router.form(Form(name, "meeting.form_title", fields, _form_done, role=Role.COORDINATOR))
    router.form(
        Form(
            FORM_EDIT,
            "meeting.form_title_edit",
            _fields(editing=True),
            _edited,
            role=Role.COORDINATOR,
        )
    )
