"""Calendar files for the web: one event's `.ics`, and a member's subscription feed with
every coming meeting of their communities (a series as one RRULE with its moved or
cancelled occurrences as overrides, cancellations as STATUS:CANCELLED)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from bot.core.i18n import Translator
from bot.text.calendar_file import CalendarEvent, calendar_feed, calendar_file
from bot.text.recurrence import Recurrence
from storage.models import Community, Meeting


def _event(
    t: Translator, community: Community, meeting: Meeting, **overrides: object
) -> CalendarEvent:
    values: dict[str, object] = {
        "uid": f"meeting-{meeting.id}@leeratelier",
        "title": meeting.title,
        "start": meeting.starts_at,
        "end": meeting.ends_at,
        "zone": community.timezone,
        "location": meeting.place,
        "description": t.plain(
            "meeting.ics_description", community=community.title or "Leeratelier"
        ),
        "sequence": meeting.sequence,
        "cancelled": meeting.cancelled,
        "stamp": meeting.created_at,
    }
    values.update(overrides)
    return CalendarEvent(**values)  # type: ignore[arg-type]


def single(t: Translator, community: Community, meeting: Meeting) -> bytes:
    return calendar_file(_event(t, community, meeting))


def feed(
    t: Translator, communities: Sequence[Community], meetings: Sequence[Meeting], name: str
) -> bytes:
    by_id = {community.id: community for community in communities}
    events: list[CalendarEvent] = []
    singles = [m for m in meetings if m.series_id is None or not m.recurrence]
    for meeting in singles:
        events.append(_event(t, by_id[meeting.community_id], meeting))
    recurring = sorted(
        (m for m in meetings if m.series_id is not None and m.recurrence),
        key=lambda m: (m.series_id or 0, m.starts_at),
    )
    for _series, occurrences in groupby(recurring, key=lambda m: m.series_id):
        rows = list(occurrences)
        events += _series_events(t, by_id[rows[0].community_id], rows)
    return calendar_feed(events, name)


def _series_events(t: Translator, community: Community, rows: list[Meeting]) -> list[CalendarEvent]:
    """The coming occurrences of one series as a master event with an RRULE, plus an
    override (RECURRENCE-ID) for every occurrence that differs from what the rule says."""
    first = rows[0]
    zone = ZoneInfo(community.timezone)
    rule = Recurrence.from_rule(first.recurrence or "")
    uid = f"series-{first.series_id}@leeratelier"
    live = [m for m in rows if not m.cancelled]
    sequence = max(m.sequence for m in rows)
    if not live:
        return [_event(t, community, first, uid=uid, rrule=rule.rrule(), sequence=sequence)]
    rrule = rule.rrule()
    if rows[-1].cancelled:
        until = live[-1].starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        rrule += f";UNTIL={until}"
        rows = rows[: rows.index(live[-1]) + 1]
    master = _event(t, community, first, uid=uid, rrule=rrule, sequence=sequence, cancelled=False)
    events = [master]
    expected = first.starts_at
    length = first.ends_at - first.starts_at
    for position, meeting in enumerate(rows):
        if position:
            expected = rule.next_after(expected, zone).astimezone(UTC)
        same = (
            not meeting.cancelled
            and meeting.starts_at == expected
            and meeting.ends_at - meeting.starts_at == length
            and meeting.title == first.title
            and meeting.place == first.place
        )
        if not same:
            events.append(_event(t, community, meeting, uid=uid, recurrence_id=expected))
    return events


def newest(meetings: Sequence[Meeting]) -> datetime | None:
    return max((m.created_at for m in meetings), default=None)
