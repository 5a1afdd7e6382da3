"""The ``.ics`` file attached to meeting reminders.

:func:`calendar_file` turns a :class:`CalendarEvent` into a complete RFC 5545 ``VCALENDAR``
that members import into Outlook, Google Calendar or Apple Calendar; :func:`filename_for`
names the attachment.

Choices
-------
* **Times** are written as local wall time in the event's zone with ``TZID=<IANA name>``
  (``DTSTART;TZID=Europe/Amsterdam:20261203T140000``), so a recurring meeting keeps its
  14:00 on both sides of a DST change. A zone whose instants icalendar writes in UTC
  (``UTC``, ``Etc/UTC``) gets ``…Z`` times and needs no ``VTIMEZONE``.
* **VTIMEZONE: built here, not with icalendar's** ``Calendar.add_missing_timezones()``.
  Checked against icalendar 7.3 for Europe/Amsterdam, that helper
  (``Timezone.from_tzinfo``) is not right for this use:

  - it writes the spring onset as the wall time *after* the change (``DTSTART:…T030000``
    with ``TZOFFSETFROM:+0100``), while RFC 5545 §3.6.5 reads ``DTSTART`` in the
    ``TZOFFSETFROM`` offset: every CEST start lands an hour late (02:00 UTC instead of
    01:00 UTC). Parsing its own output back with icalendar shows the one-hour error on
    every last Sunday of March;
  - it lists every transition from 1970 to 2038 as ``RDATE`` values (≈2.4 kB) and stops
    in 2038: a monthly meeting that runs that long falls back to CET all summer;
  - Outlook is reported (in other projects' issue trackers) to mishandle ``RDATE``-based
    ``VTIMEZONE`` definitions, shifting events by an hour, while the form Outlook and Google
    write themselves works: one ``STANDARD`` and one ``DAYLIGHT`` with a yearly ``RRULE``.

  So :func:`_vtimezone` reads the zone's real transitions from :mod:`zoneinfo` (a day-by-day
  scan, then a bisection to the second) over a window from a year before the event to ten
  years after it ends, and writes each kind of transition as an open-ended yearly ``RRULE``
  (``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU``) with its ``DTSTART`` at the first onset in the
  window, expressed in ``TZOFFSETFROM`` as the RFC requires. For Europe/Amsterdam that is
  ``DAYLIGHT`` CEST ``+0100→+0200`` at 02:00 on the last Sunday of March and ``STANDARD``
  CET ``+0200→+0100`` at 03:00 on the last Sunday of October. A rule that stops within the
  window gets an ``UNTIL``; transitions that follow no yearly weekday rule are written as
  ``RDATE`` values; a zone without transitions gets a single observance.
* **No VALARM.** The bot sends its own reminders; an alarm in the file would ring a second
  time, and clients differ in whether they keep alarms of imported events at all. Members'
  own default alerts still apply.
* **METHOD** is ``PUBLISH``, or ``CANCEL`` with ``STATUS:CANCELLED`` for a cancelled meeting.
  Clients update an event they already have when ``UID`` matches and ``SEQUENCE`` is higher:
  callers bump ``sequence`` on every edit, including the cancellation. No ``ORGANIZER`` is
  written (there is no mailbox to name), although iTIP (RFC 5546) lists it for PUBLISH and
  CANCEL; how each client applies a CANCEL file without one is not tested here.
* **Text** (summary, location, description) is escaped and folded by icalendar (commas,
  semicolons, backslashes and newlines escaped; lines folded at 75 octets without splitting
  a UTF-8 sequence). Before that, CR LF and lone CR become LF, and other control characters
  (which RFC 5545 forbids in TEXT) and lone surrogates are dropped; everything else
  (emoji, right-to-left text, U+2028) is kept as is.
* ``URL`` is ``event.url``, or the location when the location is a single http(s) link.
* Instants are written to the second (microseconds are dropped); ``DTSTAMP`` is UTC.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:  # icalendar is imported when the first file is written, not at start
    from icalendar import Calendar, Event, Timezone, vRecur

__all__ = ["PRODID", "CalendarEvent", "calendar_feed", "calendar_file", "filename_for"]

PRODID = "-//Leeratelier//NL"

_MAX_FILENAME = 60
_FILENAME_PREFIX = "leeratelier"
# A year back so the observance in force at the start is described; ten years ahead so the
# yearly rules are confirmed by many transitions (a recurring event relies on them beyond).
_WINDOW_BEFORE = timedelta(days=366)
_WINDOW_AFTER = timedelta(days=3653)
_SCAN_STEP = timedelta(days=1)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_RECUR_PARTS = frozenset(
    {
        "FREQ",
        "UNTIL",
        "COUNT",
        "INTERVAL",
        "BYSECOND",
        "BYMINUTE",
        "BYHOUR",
        "BYDAY",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYMONTH",
        "BYSETPOS",
        "WKST",
    }
)
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)
# Letters that NFKD does not split into an ASCII base letter plus accents.
_TRANSLITERATION = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


@dataclass(frozen=True)
class CalendarEvent:
    """One meeting, as it goes into an ``.ics`` file."""

    uid: str  # stable per meeting, e.g. "meeting-12@leeratelier"
    title: str
    start: datetime  # aware (any zone); written in `zone` with TZID
    end: datetime  # aware, after start
    zone: str  # IANA name, e.g. "Europe/Amsterdam"
    location: str = ""  # a place or a link
    description: str = ""
    url: str = ""  # written as URL; if empty and location is a link, the location is used
    sequence: int = 0  # bump on every edit so clients update the event
    cancelled: bool = False  # STATUS:CANCELLED + METHOD:CANCEL
    rrule: str | None = None  # e.g. "FREQ=MONTHLY;BYDAY=4TH" for recurring meetings
    exdates: tuple[datetime, ...] = ()  # occurrences of the rule that do not take place
    stamp: datetime | None = None  # DTSTAMP (UTC); injected for reproducible output
    recurrence_id: datetime | None = None  # the occurrence of a series this event overrides


def calendar_file(event: CalendarEvent) -> bytes:
    """Return the complete ``VCALENDAR`` for ``event``: UTF-8, CRLF, folded at 75 octets.

    Raises ValueError for an unknown zone; a naive stamp or naive/inverted start and end; a
    start or end in the repeated hour after a DST change (a TZID time names the first of the
    two, so it would land an hour off); an empty or padded UID or one with control
    characters; a negative sequence; a URL with whitespace; an invalid RRULE.
    """
    vevent, zone, start, end = _event(event)
    cal = _calendar("CANCEL" if event.cancelled else "PUBLISH")
    if "TZID" in vevent["DTSTART"].params:  # not for UTC, which icalendar writes with Z
        first = start.astimezone(UTC) - _WINDOW_BEFORE
        last = end.astimezone(UTC) + _WINDOW_AFTER
        cal.add_component(_vtimezone(zone, first, last, start.astimezone(UTC)))
    cal.add_component(vevent)
    data: bytes = cal.to_ical()  # icalendar annotates this as Any
    return data


def calendar_feed(events: Sequence[CalendarEvent], name: str) -> bytes:
    """A subscription calendar (``METHOD:PUBLISH``) holding many events, with one
    ``VTIMEZONE`` per zone used, covering all of them. Events sharing a UID with a
    ``recurrence_id`` override one occurrence of a series (moved or cancelled)."""
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", _clean_text(name))
    built = [_event(event) for event in events]
    spans: dict[str, tuple[ZoneInfo, datetime, datetime]] = {}
    for vevent, zone, start, end in built:
        if "TZID" not in vevent["DTSTART"].params:
            continue
        key = str(zone)
        low, high = start.astimezone(UTC), end.astimezone(UTC)
        if key in spans:
            low, high = min(low, spans[key][1]), max(high, spans[key][2])
        spans[key] = (zone, low, high)
    for zone, low, high in spans.values():
        cal.add_component(_vtimezone(zone, low - _WINDOW_BEFORE, high + _WINDOW_AFTER, low))
    for vevent, *_ in built:
        cal.add_component(vevent)
    data: bytes = cal.to_ical()
    return data


def _calendar(method: str) -> Calendar:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def _event(event: CalendarEvent) -> tuple[Event, ZoneInfo, datetime, datetime]:
    zone = _zone(event.zone)
    start = _local(event.start, zone, "start")
    end = _local(event.end, zone, "end")
    if end <= start:
        raise ValueError("end must be after start")
    uid = event.uid
    if not uid.strip() or uid != uid.strip() or any(_is_control(char) for char in uid):
        raise ValueError("uid must be non-empty text without control characters or padding")
    if event.sequence < 0:
        raise ValueError("sequence must not be negative")
    stamp = event.stamp if event.stamp is not None else datetime.now(UTC)
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("stamp must be an aware datetime")

    from icalendar import Event

    vevent = Event()
    vevent.add("uid", uid)
    vevent.add("dtstamp", stamp.astimezone(UTC).replace(microsecond=0))
    vevent.add("dtstart", start)
    vevent.add("dtend", end)
    if event.recurrence_id is not None:
        vevent.add("recurrence-id", _local(event.recurrence_id, zone, "recurrence id"))
    vevent.add("summary", _clean_text(event.title))
    location = _clean_text(event.location)
    if location:
        vevent.add("location", location)
    description = _clean_text(event.description)
    if description:
        vevent.add("description", description)
    url = _url(event.url, location)
    if url:
        vevent.add("url", url)
    vevent.add("sequence", event.sequence)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.rrule is not None:
        vevent.add("rrule", _recurrence(event.rrule, zone))
        if event.exdates:
            vevent.add("exdate", [_local(moment, zone, "exdate") for moment in event.exdates])
    elif event.exdates:
        raise ValueError("exdates need an rrule")
    return vevent, zone, start, end


def filename_for(title: str, start: datetime) -> str:
    """Return e.g. ``leeratelier-2026-12-03-atelierbijeenkomst.ics``.

    The date is ``start``'s own calendar date (pass it in the meeting's zone). The slug is
    lower-case ASCII letters, digits and hyphens: accents folded, everything else dropped,
    cut at a word boundary so the whole name is at most 60 characters.
    """
    prefix = f"{_FILENAME_PREFIX}-{start.year:04d}-{start.month:02d}-{start.day:02d}"
    budget = _MAX_FILENAME - len(prefix) - len("-") - len(".ics")
    folded = unicodedata.normalize("NFKD", title.translate(_TRANSLITERATION))
    words = re.findall(r"[a-z0-9]+", folded.encode("ascii", "ignore").decode("ascii").lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > budget:
            if not slug:
                slug = word[:budget]
            break
        slug = candidate
    return f"{prefix}-{slug}.ics" if slug else f"{prefix}.ics"


# --- event fields ---------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _local(instant: datetime, zone: ZoneInfo, what: str) -> datetime:
    """``instant`` as wall time in ``zone``, refusing times a TZID cannot name."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime")
    local = instant.astimezone(zone).replace(microsecond=0)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        raise ValueError(
            f"{what} {local.isoformat()} is in the repeated hour of a DST change; "
            "a TZID time would name the earlier of the two"
        )
    return local


def _clean_text(value: str) -> str:
    """Normalise line breaks to LF and drop what RFC 5545 TEXT cannot carry."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in value if char in "\t\n" or not _is_control(char))


def _is_control(char: str) -> bool:
    """A C0/C1 control or DEL (RFC 5545 CONTROL, plus C1), or a lone surrogate (not UTF-8)."""
    return unicodedata.category(char) in ("Cc", "Cs")


def _url(url: str, location: str) -> str:
    if url:
        if any(char.isspace() or _is_control(char) for char in url):
            raise ValueError("url must not contain whitespace or control characters")
        return url
    stripped = location.strip()
    return stripped if _LINK.fullmatch(stripped) else ""


def _recurrence(rule: str, zone: ZoneInfo) -> vRecur:
    """Parse and check an RRULE value; a date or local UNTIL becomes UTC (RFC 5545 §3.3.10)."""
    text = rule.strip()
    if text[:6].upper() == "RRULE:":
        text = text[6:]
    if not text or any(char.isspace() for char in text):
        raise ValueError(f"invalid rrule {rule!r}")
    from icalendar import vRecur

    try:
        recur: vRecur = vRecur.from_ical(text)  # annotated as Any
    except ValueError as exc:
        raise ValueError(f"invalid rrule {rule!r}: {exc}") from exc
    unknown = set(recur) - _RECUR_PARTS
    if "FREQ" not in recur or unknown:
        raise ValueError(f"invalid rrule {rule!r}")
    if "UNTIL" in recur and "COUNT" in recur:
        raise ValueError("an rrule cannot have both UNTIL and COUNT")
    if "UNTIL" in recur:
        until = recur["UNTIL"][0]
        if isinstance(until, datetime):
            if until.tzinfo is None:
                until = until.replace(tzinfo=zone)
        else:  # a date: up to the end of that day in the meeting's zone
            until = datetime.combine(until, time(23, 59, 59), tzinfo=zone)
        recur["UNTIL"] = [until.astimezone(UTC)]
    return recur


# --- VTIMEZONE ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    offset: timedelta
    dst: timedelta
    name: str


@dataclass(frozen=True)
class _Transition:
    at: datetime  # UTC
    before: _State
    after: _State

    @property
    def onset(self) -> datetime:
        """Local wall time of the change in the offset before it (RFC 5545 §3.6.5)."""
        return (self.at + self.before.offset).replace(tzinfo=None)

    @property
    def daylight(self) -> bool:
        # Zones with a negative DST (Europe/Dublin in tzdata) call winter time "DST";
        # calendars expect the summer offset in DAYLIGHT, as tzdata's rearguard format has it.
        return self.after.dst > timedelta(0) or (
            self.after.dst == timedelta(0) and self.before.dst < timedelta(0)
        )


@dataclass
class _Observance:
    daylight: bool
    offset_from: timedelta
    offset_to: timedelta
    name: str
    onsets: list[datetime] = field(default_factory=list)
    byday: str | None = None  # yearly rule "BYMONTH=<month of onsets>;BYDAY=<byday>"
    until: datetime | None = None  # UTC, when the yearly rule stops inside the window


def _state(zone: ZoneInfo, instant: datetime) -> _State:
    local = instant.astimezone(zone)
    offset = local.utcoffset()
    if offset is None:  # a ZoneInfo always answers
        raise RuntimeError("the zone gave no UTC offset")
    dst = local.dst() or timedelta(0)
    return _State(offset, dst, local.tzname() or _format_offset(offset))


def _format_offset(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _transitions(zone: ZoneInfo, first: datetime, last: datetime) -> list[_Transition]:
    """Every change of offset, DST or abbreviation in ``[first, last]``, to the second."""
    found: list[_Transition] = []
    current, state = first, _state(zone, first)
    while current < last:
        probe = min(current + _SCAN_STEP, last)
        if _state(zone, probe) == state:
            current = probe
            continue
        low, high = current, probe  # state(low) == state != state(high)
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) // 2
            middle = middle.replace(microsecond=0)
            if middle <= low:
                middle = low + timedelta(seconds=1)
            if _state(zone, middle) == state:
                low = middle
            else:
                high = middle
        after = _state(zone, high)
        found.append(_Transition(high, state, after))
        current, state = high, after
    return found


def _yearly_byday(onsets: Sequence[datetime]) -> str | None:
    """The BYDAY of a yearly rule producing exactly ``onsets`` (one a year), if there is one.

    All onsets must share month, weekday and time of day, fall in consecutive years, and be
    either all the last such weekday of the month (``-1SU``) or all the n-th (``2SU``).
    """
    if len(onsets) < 2:
        return None
    head = onsets[0]
    for year_offset, onset in enumerate(onsets):
        if (
            onset.year != head.year + year_offset
            or onset.month != head.month
            or onset.weekday() != head.weekday()
            or onset.time() != head.time()
        ):
            return None
    weekday = _WEEKDAYS[head.weekday()]
    if all(o.day > calendar.monthrange(o.year, o.month)[1] - 7 for o in onsets):
        return f"-1{weekday}"
    nths = {(o.day - 1) // 7 + 1 for o in onsets}
    return f"{nths.pop()}{weekday}" if len(nths) == 1 else None


def _rule_date(year: int, month: int, byday: str) -> date:
    """The day ``BYMONTH=month;BYDAY=byday`` picks in ``year`` (byday like "-1SU", "2SU")."""
    nth, weekday = int(byday[:-2]), _WEEKDAYS.index(byday[-2:])
    if nth < 0:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)  # nth is 1-4 (a fifth weekday is always the last one)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _observances(transitions: Sequence[_Transition], last: datetime) -> list[_Observance]:
    """Group transitions into STANDARD/DAYLIGHT observances, yearly rules where they fit."""
    by_kind: dict[tuple[bool, timedelta, timedelta, str], list[datetime]] = {}
    for transition in transitions:
        kind = (
            transition.daylight,
            transition.before.offset,
            transition.after.offset,
            transition.after.name,
        )
        by_kind.setdefault(kind, []).append(transition.onset)

    observances: list[_Observance] = []
    for (daylight, offset_from, offset_to, name), onsets in by_kind.items():
        runs: list[list[datetime]] = []
        for onset in onsets:
            if runs and _yearly_byday([*runs[-1], onset]) is not None:
                runs[-1].append(onset)
            else:
                runs.append([onset])
        irregular = _Observance(daylight, offset_from, offset_to, name)
        for run in runs:
            byday = _yearly_byday(run)
            if byday is None:
                irregular.onsets.extend(run)
                continue
            ruled = _Observance(daylight, offset_from, offset_to, name, run, byday)
            final = run[-1]
            following = datetime.combine(
                _rule_date(final.year + 1, final.month, byday), final.time()
            )
            if (following - offset_from).replace(tzinfo=UTC) <= last:
                # The rule would have fired again inside the window but did not: it ends.
                # Any UNTIL from the last onset (inclusive) to the next ends it the same way;
                # a day of slack keeps readers that compare UNTIL with the local onset
                # (dateutil's tzical, behind icalendar's Timezone.to_tz) from losing the last.
                ruled.until = (final - offset_from).replace(tzinfo=UTC) + timedelta(days=1)
            observances.append(ruled)
        if irregular.onsets:
            observances.append(irregular)
    return observances


def _vtimezone(zone: ZoneInfo, first: datetime, last: datetime, start: datetime) -> Timezone:
    """A VTIMEZONE for ``zone``, exact from the event's ``start`` to ``last`` (UTC instants).

    Its observances start at the transitions found from ``first`` on; if none precedes
    ``start``, the state in force at ``first`` is written as an observance of its own.
    Open-ended yearly rules carry on beyond ``last``, as zoneinfo's own rules do.
    """
    transitions = _transitions(zone, first, last)
    observances = _observances(transitions, last)
    if not transitions or transitions[0].at > start:
        state = _state(zone, first)
        onset = (first + state.offset).replace(tzinfo=None, microsecond=0)
        observances.append(
            _Observance(state.dst > timedelta(0), state.offset, state.offset, state.name, [onset])
        )
    observances.sort(key=lambda observance: observance.onsets[0])

    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    vtimezone = Timezone()
    vtimezone.add("tzid", zone.key)
    for observance in observances:
        component = TimezoneDaylight() if observance.daylight else TimezoneStandard()
        component.add("dtstart", observance.onsets[0])
        component.add("tzoffsetfrom", observance.offset_from)
        component.add("tzoffsetto", observance.offset_to)
        component.add("tzname", observance.name)
        if observance.byday is not None:
            rule: dict[str, object] = {
                "FREQ": "YEARLY",
                "BYMONTH": observance.onsets[0].month,
                "BYDAY": observance.byday,
            }
            if observance.until is not None:
                rule["UNTIL"] = observance.until
            component.add("rrule", rule)
        elif len(observance.onsets) > 1:
            component.add("rdate", observance.onsets[1:])
        vtimezone.add_component(component)
    return vtimezone
