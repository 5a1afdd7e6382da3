"""How meetings read: agenda lines, meeting texts, RSVP buttons, the .ics file, recurrence
wording, and the scheduled sends (group reminder, personal reminder, after-meeting, free)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_time, format_timedelta, get_day_names

from bot.core.i18n import Translator
from bot.core.outbox import SendContext
from bot.model.markup import Text
from bot.model.messages import Attachment, Button, Reply
from bot.text.calendar_file import CalendarEvent, calendar_file, filename_for
from bot.text.recurrence import Recurrence
from storage.models import Community, Meeting, MeetingKind, RsvpAnswer
from storage.repositories import Repositories

ACTION_RSVP = "rsvp"
ACTION_REMIND_ME = "mtg.remind"
ACTION_REFLECT = "mtg.reflect"
ANSWER_KEYS = {
    RsvpAnswer.YES: "meeting.rsvp_yes",
    RsvpAnswer.MAYBE: "meeting.rsvp_maybe",
    RsvpAnswer.NO: "meeting.rsvp_no",
}


def meeting_line(
    t: Translator,
    zone: ZoneInfo,
    meeting: Meeting,
    counts: Counter[RsvpAnswer],
    coming: Sequence[str] = (),
) -> Text:
    head = Text.bold(f"#{meeting.id} {meeting.title}")
    if meeting.kind is MeetingKind.PUBLIC:
        head = head + " " + t.text("meeting.public")
    parts = [head, when_moment(t, meeting.starts_at.astimezone(zone))]
    if meeting.place:
        parts.append(t.text("meeting.place", place=meeting.place))
    parts.append(
        t.text(
            "meeting.counts",
            yes=counts[RsvpAnswer.YES],
            maybe=counts[RsvpAnswer.MAYBE],
            no=counts[RsvpAnswer.NO],
        )
    )
    if coming:
        parts.append(coming_line(t, coming))
    return Text.join(parts)


COMING_SHOWN = 12


def coming_line(t: Translator, names: Sequence[str]) -> Text:
    """ "Ik kom: Anna, Bob en 3 anderen": members see who comes."""
    shown = ", ".join(names[:COMING_SHOWN])
    if len(names) > COMING_SHOWN:
        return t.text("meeting.coming_more", names=shown, more=len(names) - COMING_SHOWN)
    return t.text("meeting.coming", names=shown)


def holiday_of(t: Translator, day: date) -> str | None:
    """The name of the Dutch public holiday on `day`, in the member's language, if it is one."""
    import holidays  # its calendars for every country: loaded at the first agenda, not at start

    language = "nl" if t.language == "nl" else "en_US"
    return holidays.country_holidays("NL", years=day.year, language=language).get(day)


def meeting_text(t: Translator, zone: ZoneInfo, meeting: Meeting) -> Text:
    start = meeting.starts_at.astimezone(zone)
    end = meeting.ends_at.astimezone(zone)
    parts = [Text.bold(meeting.title)]
    if meeting.kind is MeetingKind.PUBLIC:
        parts.append(t.text("meeting.public"))
    parts.append(
        t.text(
            "meeting.when",
            when=when_moment(t, start),
            end=Text.moment(format_time(end, "HH:mm", locale=t.language), end, "t"),
        )
    )
    if meeting.place:
        parts.append(t.text("meeting.place", place=meeting.place))
    return Text.join(parts)


def when_moment(t: Translator, moment: datetime) -> Text:
    """The moment as text, marked so that Discord shows it in each member's own zone."""
    return Text.moment(when_text(t, moment), moment)


def when_text(t: Translator, moment: datetime) -> str:
    pattern = "EEEE d MMMM y 'om' HH:mm" if t.language == "nl" else "EEEE d MMMM y 'at' HH:mm"
    return format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=t.language)


def time_left(t: Translator, left: timedelta) -> str:
    """ "3 minuten", "45 minutes", "2 uur": rounded to the minute, in minutes below two hours."""
    minutes = max(1, round(left.total_seconds() / 60))
    return format_timedelta(timedelta(minutes=minutes), threshold=2, locale=t.language)


def short_when(t: Translator, moment: datetime) -> str:
    """ "do 10 dec. 19:00": for buttons and lists."""
    return format_datetime(moment, "EEE d MMM HH:mm", tzinfo=moment.tzinfo, locale=t.language)


BUTTON_LABEL_MAX = 32


def button_label(text: str, limit: int = BUTTON_LABEL_MAX) -> str:
    """A label that fits a button, cut at a word boundary (never mid-word) with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:-") + "…"


ORIGIN_REMINDER = "r"
ORIGIN_LATE_REMINDER = "rl"
"""Where RSVP buttons sit, carried in their payload (`12:ja:r`): a press on a reminder
replaces it with its counts brought up to date."""


def rsvp_buttons(
    t: Translator, meeting: Meeting, origin: str = ""
) -> tuple[tuple[Button, ...], ...]:
    suffix = f":{origin}" if origin else ""
    return (
        tuple(
            Button(t.plain(key), ACTION_RSVP, f"{meeting.id}:{answer.value}{suffix}")
            for answer, key in ANSWER_KEYS.items()
        ),
    )


async def meeting_ics(
    repos: Repositories, t: Translator, community: Community, meeting: Meeting
) -> Attachment:
    """The calendar file for a meeting: a series is one event with its RRULE, and an EXDATE for
    each occurrence of the rule that no longer takes place then (cancelled, or moved: a moved
    occurrence keeps its own file). A single meeting, or a moved occurrence, is its own event."""
    if meeting.series_id is None:
        return ics(t, community, meeting)
    head = await repos.meetings.by_id(meeting.series_id)
    if head is None:
        return ics(t, community, meeting)
    members = [head, *await repos.meetings.series(head.id, head.starts_at)]
    rules = [m.recurrence for m in members if m.recurrence]
    zone = ZoneInfo(community.timezone)
    if not rules:  # the whole series was cancelled
        return _series_file(t, community, head, None, (), sum(m.sequence for m in members), True)
    rule = Recurrence.from_rule(rules[0])
    live = {m.starts_at.astimezone(UTC) for m in members if not m.cancelled}
    if meeting.starts_at.astimezone(UTC) not in _rule_times(rule, head, members, zone):
        return ics(t, community, meeting)  # moved off the rule: its own event
    skipped = tuple(
        moment
        for moment in _rule_times(rule, head, members, zone)
        if moment.astimezone(UTC) not in live
    )
    sequence = sum(m.sequence for m in members)
    ended = [m for m in members if m.recurrence and not m.cancelled]
    until = None
    if members[-1].cancelled and members[-1].recurrence is None and ended:
        until = max(m.starts_at for m in ended)  # "annuleer N reeks": the series stops there
        skipped = tuple(moment for moment in skipped if moment <= until)
    return _series_file(t, community, head, rule, skipped, sequence, False, until)


def _rule_times(
    rule: Recurrence, head: Meeting, members: Sequence[Meeting], zone: ZoneInfo
) -> list[datetime]:
    last = max(m.starts_at for m in members)
    times = [head.starts_at.astimezone(zone)]
    while times[-1] < last:
        times.append(rule.next_after(times[-1], zone))
    return [moment for moment in times if moment <= last]


def _series_file(
    t: Translator,
    community: Community,
    head: Meeting,
    rule: Recurrence | None,
    skipped: tuple[datetime, ...],
    sequence: int,
    cancelled: bool,
    until: datetime | None = None,
) -> Attachment:
    rrule = rule.rrule() if rule is not None else None
    if rrule is not None and until is not None:
        rrule += f";UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    event = CalendarEvent(
        uid=f"series-{head.id}@leeratelier",
        title=head.title,
        start=head.starts_at,
        end=head.ends_at,
        zone=community.timezone,
        location=head.place,
        url=head.place if head.place.startswith(("https://", "http://")) else "",
        description=t.plain("meeting.ics_description", community=community.title or "Leeratelier"),
        sequence=sequence,
        cancelled=cancelled,
        rrule=rrule,
        exdates=skipped,
    )
    return Attachment(
        filename_for(head.title, head.starts_at.astimezone(ZoneInfo(community.timezone))),
        calendar_file(event),
        "text/calendar",
    )


def ics(t: Translator, community: Community, meeting: Meeting) -> Attachment:
    """The calendar file of one occurrence (each occurrence of a series is its own event)."""
    event = CalendarEvent(
        uid=f"meeting-{meeting.id}@leeratelier",
        title=meeting.title,
        start=meeting.starts_at,
        end=meeting.ends_at,
        zone=community.timezone,
        location=meeting.place,
        url=meeting.place if meeting.place.startswith(("https://", "http://")) else "",
        description=t.plain("meeting.ics_description", community=community.title or "Leeratelier"),
        sequence=meeting.sequence,
        cancelled=meeting.cancelled,
    )
    return Attachment(
        filename_for(meeting.title, meeting.starts_at.astimezone(ZoneInfo(community.timezone))),
        calendar_file(event),
        "text/calendar",
    )


async def render_reminder(ctx: SendContext) -> list[Reply] | None:
    meeting = await ctx.repos.meetings.by_id(ctx.send.meeting_id or 0)
    if meeting is None or meeting.cancelled:
        return None
    counts = (await ctx.repos.meetings.counts([meeting.id]))[meeting.id]
    reply = reminder(ctx.t, ZoneInfo(ctx.community.timezone), meeting, counts, late=ctx.late)
    attachment = await meeting_ics(ctx.repos, ctx.t, ctx.community, meeting)
    return [replace(reply, attachment=attachment)]


def reminder(
    t: Translator, zone: ZoneInfo, meeting: Meeting, counts: Counter[RsvpAnswer], *, late: bool
) -> Reply:
    """A meeting's reminder in the group, with its RSVP counts and buttons (the .ics comes
    with it when it is sent, and stays when an RSVP updates the counts)."""
    text = t.text("reminder.title") + "\n\n" + meeting_text(t, zone, meeting)
    text = (
        text
        + "\n"
        + t.text(
            "meeting.counts",
            yes=counts[RsvpAnswer.YES],
            maybe=counts[RsvpAnswer.MAYBE],
            no=counts[RsvpAnswer.NO],
        )
    )
    if late:
        text = text + "\n\n" + t.text("reminder.late")
    origin = ORIGIN_LATE_REMINDER if late else ORIGIN_REMINDER
    return Reply(text, rsvp_buttons(t, meeting, origin))


async def _attended(ctx: SendContext) -> Meeting | None:
    """The meeting of a personal send, if it still takes place and the member still comes."""
    meeting = await ctx.repos.meetings.by_id(ctx.send.meeting_id or 0)
    if meeting is None or meeting.cancelled or ctx.send.member_id is None:
        return None
    answer = await ctx.repos.meetings.answer_of(meeting.id, ctx.send.member_id)
    return meeting if answer is RsvpAnswer.YES else None


async def render_personal(ctx: SendContext) -> list[Reply] | None:
    meeting = await _attended(ctx)
    if meeting is None:
        return None
    left = meeting.starts_at - ctx.clock.now()
    if left <= timedelta(0):
        return None
    text = (
        ctx.t.text("reminder.personal_in", left=time_left(ctx.t, left))
        + "\n\n"
        + meeting_text(ctx.t, ZoneInfo(ctx.community.timezone), meeting)
    )
    return [Reply(text)]


async def render_after(ctx: SendContext) -> list[Reply] | None:
    meeting = await _attended(ctx)
    if meeting is None:
        return None
    button = Button(ctx.t.plain("meeting.button_reflect"), ACTION_REFLECT, str(meeting.id))
    return [Reply(ctx.t.text("meeting.after", title=meeting.title), ((button,),))]


async def render_changed(ctx: SendContext) -> list[Reply] | None:
    """A personal note to someone who comes: the meeting moved (as it is now) or is cancelled."""
    meeting = await ctx.repos.meetings.by_id(ctx.send.meeting_id or 0)
    if meeting is None:
        return None
    zone = ZoneInfo(ctx.community.timezone)
    if ctx.send.payload.get("change") == "cancelled":
        when = when_text(ctx.t, meeting.starts_at.astimezone(zone))
        return [Reply(ctx.t.text("meeting.told_cancelled", title=meeting.title, when=when))]
    if meeting.cancelled or ctx.send.payload.get("sequence") != meeting.sequence:
        return None  # changed again since: the later note says how it is
    text = ctx.t.text("meeting.told_moved") + "\n\n" + meeting_text(ctx.t, zone, meeting)
    return [Reply(text, attachment=ics(ctx.t, ctx.community, meeting))]


async def render_free(ctx: SendContext) -> list[Reply] | None:
    text = str(ctx.send.payload.get("text", ""))
    if not text:
        return None
    body = ctx.t.text("remind.message", text=text)
    if ctx.late:
        body = body + "\n\n" + ctx.t.text("reminder.late")
    return [Reply(body)]


def describe_recurrence(t: Translator, rule: Recurrence) -> str:
    """The rule in words from the catalogs: "elke 4e donderdag van de maand", "every 2 weeks".

    Weekday names come from CLDR (Babel), ordinals ("4th", "4e") from the catalog entry that
    CLDR's ordinal plural category of the number selects."""
    n = rule.interval
    day = _day_name(t, rule.weekday) if rule.weekday is not None else ""
    if rule.kind == "weekly":
        key = "recurrence.weekly" if n == 1 else "recurrence.weeks"
        return t.plain(key + ("_on" if day else ""), n=n, day=day)
    if rule.kind == "monthly_day":
        key = "recurrence.monthly_day" if n == 1 else "recurrence.months_day"
        return t.plain(key, n=n, which=_ordinal(t, rule.day or 1))
    which = t.plain("recurrence.last") if rule.nth == -1 else _ordinal(t, rule.nth or 1)
    key = "recurrence.monthly_nth" if n == 1 else "recurrence.months_nth"
    return t.plain(key, n=n, which=which, day=day)


def _day_name(t: Translator, weekday: int) -> str:
    return str(get_day_names("wide", locale=t.language)[weekday])


def _ordinal(t: Translator, number: int) -> str:
    return t.plain(f"recurrence.ordinal.{Locale.parse(t.language).ordinal_form(number)}", n=number)
