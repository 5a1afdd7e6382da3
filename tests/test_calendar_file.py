"""The meeting ``.ics`` file: round trip through icalendar, VTIMEZONE, RFC 5545 structure."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Component, Timezone, vRecur

from bot.text.calendar_file import PRODID, CalendarEvent, calendar_file, filename_for

AMS = ZoneInfo("Europe/Amsterdam")
STAMP = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
TEN_YEARS = timedelta(days=3653)


def _event(**changes: Any) -> CalendarEvent:
    event = CalendarEvent(
        uid="meeting-12@leeratelier",
        title="Atelierbijeenkomst",
        start=datetime(2026, 12, 3, 14, 0, tzinfo=AMS),
        end=datetime(2026, 12, 3, 16, 0, tzinfo=AMS),
        zone="Europe/Amsterdam",
        stamp=STAMP,
    )
    return replace(event, **changes)


def _parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def _vevent(data: bytes) -> Component:
    (vevent,) = _parse(data).walk("VEVENT")
    return vevent


def _vtimezone(data: bytes) -> Timezone:
    (vtimezone,) = _parse(data).walk("VTIMEZONE")
    assert isinstance(vtimezone, Timezone)
    return vtimezone


def _physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def _content_lines(data: bytes) -> list[str]:
    """Unfolded content lines (RFC 5545 §3.1: CRLF followed by one space or tab)."""
    return data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


# --- an independent reading of a VTIMEZONE (RFC 5545 §3.6.5) --------------------------------


def _vtimezone_changes(vtimezone: Component, until: datetime) -> list[tuple[datetime, timedelta]]:
    """Sorted (UTC instant, offset after it) for every onset of every observance.

    Onsets are DTSTART, RDATEs and RRULE instances, all local times in TZOFFSETFROM.
    RRULEs are expanded with dateutil, not with anything from bot.text.calendar_file.
    """
    changes: list[tuple[datetime, timedelta]] = []
    for observance in vtimezone.subcomponents:
        assert observance.name in ("STANDARD", "DAYLIGHT")
        first = observance["DTSTART"].dt
        assert isinstance(first, datetime) and first.tzinfo is None  # local time, RFC 5545
        offset_from = observance["TZOFFSETFROM"].td
        offset_to = observance["TZOFFSETTO"].td
        onsets = [first]
        rdates = observance.get("RDATE", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            onsets.extend(period.dt for period in rdate.dts)
        if "RRULE" in observance:
            rule = dict(observance["RRULE"])
            rule_until = rule.pop("UNTIL", [None])[0]
            assert rule_until is None or rule_until.utcoffset() == timedelta(0)  # UTC (§3.3.10)
            for onset in rrulestr(vRecur(rule).to_ical().decode(), dtstart=first):
                instant = (onset - offset_from).replace(tzinfo=UTC)
                if instant > until or (rule_until is not None and instant > rule_until):
                    break
                onsets.append(onset)
        changes.extend(((onset - offset_from).replace(tzinfo=UTC), offset_to) for onset in onsets)
    return sorted(changes)


def _offset_at(changes: list[tuple[datetime, timedelta]], instant: datetime) -> timedelta:
    index = bisect.bisect_right([at for at, _ in changes], instant) - 1
    assert index >= 0, f"{instant} precedes every observance"
    return changes[index][1]


def _instants(first: datetime, last: datetime, zone: ZoneInfo) -> Iterator[datetime]:
    """Every 6 hours, and every minute of a 6-hour stretch in which zoneinfo's offset changes."""
    current = first
    while current < last:
        following = current + timedelta(hours=6)
        yield current
        if current.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            minute = current + timedelta(minutes=1)
            while minute < following:
                yield minute
                minute += timedelta(minutes=1)
        current = following


# --- round trip ------------------------------------------------------------------------------


def test_every_property_round_trips() -> None:
    event = _event(
        location="De Leeszaal, Rotterdam",
        description="We bespreken casussen.",
        url="https://leeratelier.example/bijeenkomst/12?x=1,2;3",
        sequence=3,
        rrule="FREQ=MONTHLY;BYDAY=1TH",
    )
    calendar = _parse(calendar_file(event))

    assert str(calendar["PRODID"]) == PRODID == "-//Leeratelier//NL"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == event.uid
    assert str(vevent["SUMMARY"]) == event.title
    assert str(vevent["LOCATION"]) == event.location
    assert str(vevent["DESCRIPTION"]) == event.description
    assert str(vevent["URL"]) == event.url
    assert vevent["SEQUENCE"] == 3
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert vevent["RRULE"].to_ical() == b"FREQ=MONTHLY;BYDAY=1TH"
    assert vevent["DTSTAMP"].dt == STAMP
    for name, instant in (("DTSTART", event.start), ("DTEND", event.end)):
        written = vevent[name]
        assert written.params["TZID"] == "Europe/Amsterdam"
        assert written.dt == instant
        assert written.dt.utcoffset() == instant.utcoffset()
        assert getattr(written.dt.tzinfo, "key", None) == "Europe/Amsterdam"


def test_an_instant_in_another_zone_is_written_in_the_event_zone() -> None:
    start = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # 14:00 in Amsterdam
    end = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("America/New_York"))  # 16:00 there
    data = calendar_file(_event(start=start, end=end))

    assert "DTSTART;TZID=Europe/Amsterdam:20261203T140000" in _content_lines(data)
    assert "DTEND;TZID=Europe/Amsterdam:20261203T160000" in _content_lines(data)
    vevent = _vevent(data)
    assert vevent["DTSTART"].dt == start
    assert vevent["DTEND"].dt == end


TRICKY_TEXTS = [
    "komma, puntkomma; dubbele punt: backslash \\ slash /",
    "aanhalingstekens \"dubbel\" en 'enkel'",
    "regel 1\nregel 2\n\nregel 4\n",
    "letterlijk \\n en \\, en \\; en \\\\",
    "emoji 🎉👩🏽‍🏫🇳🇱 en ❤️",
    "עברית: פגישה, חודשית; ערבית: اجتماع شهري \u200f(RTL)\u200e",
    "combining: e\u0301 vs é, Ångström, Ĳsselmeer, ﬁ-ligatuur",
    "line separator\u2028paragraph separator\u2029tab\there",
    "  leading and trailing spaces  ",
    "BEGIN:VEVENT\nEND:VCALENDAR",
    "x" * 74 + "é" + "y" * 200,
    "🎉" * 300,
    ("Lange beschrijving met é, 🎉, עברית; en komma's, " * 60).strip(),
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
@pytest.mark.parametrize("field", ["title", "location", "description"])
def test_tricky_text_round_trips_exactly(field: str, text: str) -> None:
    data = calendar_file(_event(**{field: text}))
    name = {"title": "SUMMARY", "location": "LOCATION", "description": "DESCRIPTION"}[field]
    assert str(_vevent(data)[name]) == text


def test_text_is_escaped_on_the_wire() -> None:
    data = calendar_file(_event(title="a, b; c\\ d\ne: f"))
    assert "SUMMARY:a\\, b\\; c\\\\ d\\ne: f" in _content_lines(data)


def test_line_breaks_and_control_characters_are_normalised() -> None:
    title = "a\r\nb\rc\x00d\x07e\x0bf\x1bg\x7fh\x85i\ud83dj\tk\nl"
    data = calendar_file(_event(title=title))
    assert str(_vevent(data)["SUMMARY"]) == "a\nb\ncdefghij\tk\nl"
    assert not re.search(rb"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]", data)


def test_long_text_is_folded_without_splitting_characters() -> None:
    text = "é🎉ש" * 400 + ", ; \\ \n" * 20
    data = calendar_file(_event(description=text, location="🎉" * 100))
    lines = _physical_lines(data)
    assert sum(line.startswith(b" ") for line in lines) > 50
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")  # a fold never cuts a multi-byte sequence
    assert str(_vevent(data)["DESCRIPTION"]) == text


# --- VTIMEZONE -------------------------------------------------------------------------------


def test_amsterdam_vtimezone_has_cet_and_cest_with_yearly_rules() -> None:
    vtimezone = _vtimezone(calendar_file(_event()))
    assert str(vtimezone["TZID"]) == "Europe/Amsterdam"
    (standard,) = vtimezone.walk("STANDARD")
    (daylight,) = vtimezone.walk("DAYLIGHT")

    assert str(standard["TZNAME"]) == "CET"
    assert standard["TZOFFSETFROM"].to_ical() == "+0200"
    assert standard["TZOFFSETTO"].to_ical() == "+0100"
    assert standard["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    # Onsets are local times in TZOFFSETFROM: 03:00 CEST and 02:00 CET = 01:00 UTC.
    assert standard["DTSTART"].dt == datetime(2026, 10, 25, 3, 0)

    assert str(daylight["TZNAME"]) == "CEST"
    assert daylight["TZOFFSETFROM"].to_ical() == "+0100"
    assert daylight["TZOFFSETTO"].to_ical() == "+0200"
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert daylight["DTSTART"].dt == datetime(2026, 3, 29, 2, 0)

    # What Outlook understands: one rule each, no RDATE lists, no end.
    for observance in (standard, daylight):
        assert "RDATE" not in observance
        assert "UNTIL" not in observance["RRULE"]


def test_vtimezone_comes_before_the_event_and_covers_its_start() -> None:
    data = calendar_file(_event(start=datetime(2026, 2, 5, 14, tzinfo=AMS)))
    calendar = _parse(data)
    names = [component.name for component in calendar.subcomponents]
    assert names == ["VTIMEZONE", "VEVENT"]
    onsets = [observance["DTSTART"].dt for observance in calendar.walk("VTIMEZONE")[0].walk()[1:]]
    assert min(onsets) <= datetime(2026, 2, 5, 14)


ZONE_CASES = [
    ("Europe/Amsterdam", datetime(2026, 12, 3, 14)),
    ("Europe/Amsterdam", datetime(2026, 7, 2, 14)),
    ("Europe/Amsterdam", datetime(1995, 6, 1, 14)),  # the EU moved the autumn change in 1996
    ("America/New_York", datetime(2026, 7, 1, 9)),
    ("Australia/Sydney", datetime(2026, 7, 1, 9)),  # southern hemisphere
    ("Australia/Lord_Howe", datetime(2026, 7, 1, 9)),  # half-hour DST
    ("Europe/Dublin", datetime(2026, 7, 1, 9)),  # negative DST in tzdata
    ("Asia/Tokyo", datetime(2026, 7, 1, 9)),  # no DST
    ("Asia/Kolkata", datetime(2026, 7, 1, 9)),  # no DST, half-hour offset
    ("Africa/Casablanca", datetime(2026, 7, 1, 9)),  # Ramadan changes: no yearly rule
    ("America/Santiago", datetime(2026, 7, 1, 9)),  # "first Sunday on or after the 2nd"
    ("America/Sao_Paulo", datetime(2018, 7, 1, 9)),  # DST abolished in 2019
    ("Europe/Moscow", datetime(2010, 7, 1, 9)),  # permanent offsets from 2011 and 2014
]


@pytest.mark.parametrize(("zone", "wall"), ZONE_CASES)
def test_vtimezone_gives_zoneinfo_offsets_from_the_event_to_ten_years_after(
    zone: str, wall: datetime
) -> None:
    tz = ZoneInfo(zone)
    start = wall.replace(tzinfo=tz)
    data = calendar_file(_event(zone=zone, start=start, end=start + timedelta(hours=2)))
    vtimezone = _vtimezone(data)
    assert str(vtimezone["TZID"]) == zone
    first = start.astimezone(UTC)
    last = first + timedelta(hours=2) + TEN_YEARS
    changes = _vtimezone_changes(vtimezone, last)

    wrong = [
        instant
        for instant in _instants(first, last, tz)
        if _offset_at(changes, instant) != instant.astimezone(tz).utcoffset()
    ]
    assert wrong == []


def test_icalendar_reads_the_vtimezone_like_zoneinfo() -> None:
    """A second, independent reader: icalendar's Timezone.to_tz (dateutil's tzical)."""
    vtimezone = _vtimezone(calendar_file(_event()))
    vtimezone["TZID"] = "Leeratelier/Test"  # so it cannot fall back on the IANA name
    tz = vtimezone.to_tz(lookup_tzid=False)
    assert not isinstance(tz, ZoneInfo)
    first = datetime(2026, 12, 3, 13, tzinfo=UTC)
    last = datetime(2036, 12, 31, tzinfo=UTC)  # icalendar stops open rules at 2038
    wrong = [
        instant
        for instant in _instants(first, last, AMS)
        if instant.astimezone(tz).utcoffset() != instant.astimezone(AMS).utcoffset()
    ]
    assert wrong == []


def test_a_recurring_meeting_is_covered_for_decades() -> None:
    data = calendar_file(_event(rrule="FREQ=MONTHLY;BYDAY=1TH"))
    changes = _vtimezone_changes(_vtimezone(data), datetime(2061, 1, 1, tzinfo=UTC))
    for year in (2030, 2045, 2060):
        summer = datetime(year, 7, 5, 12, tzinfo=UTC)
        winter = datetime(year, 1, 5, 12, tzinfo=UTC)
        assert _offset_at(changes, summer) == timedelta(hours=2)
        assert _offset_at(changes, winter) == timedelta(hours=1)


def test_a_zone_without_dst_gets_a_single_observance() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    start = datetime(2026, 7, 1, 9, tzinfo=tokyo)
    vtimezone = _vtimezone(
        calendar_file(_event(zone="Asia/Tokyo", start=start, end=start + timedelta(hours=1)))
    )
    (standard,) = vtimezone.subcomponents
    assert standard.name == "STANDARD"
    assert standard["TZOFFSETFROM"].to_ical() == standard["TZOFFSETTO"].to_ical() == "+0900"
    assert standard["DTSTART"].dt <= datetime(2026, 7, 1, 9)


def test_dublin_summer_time_is_daylight() -> None:
    dublin = ZoneInfo("Europe/Dublin")
    start = datetime(2026, 7, 1, 9, tzinfo=dublin)
    vtimezone = _vtimezone(
        calendar_file(_event(zone="Europe/Dublin", start=start, end=start + timedelta(hours=1)))
    )
    (daylight,) = vtimezone.walk("DAYLIGHT")
    (standard,) = vtimezone.walk("STANDARD")
    assert (str(daylight["TZNAME"]), daylight["TZOFFSETTO"].to_ical()) == ("IST", "+0100")
    assert (str(standard["TZNAME"]), standard["TZOFFSETTO"].to_ical()) == ("GMT", "+0000")


def test_a_rule_that_stops_gets_an_until_in_utc() -> None:
    start = datetime(1995, 6, 1, 14, tzinfo=AMS)
    vtimezone = _vtimezone(calendar_file(_event(start=start, end=start + timedelta(hours=2))))
    rules = {
        (str(observance["TZNAME"]), observance["RRULE"].to_ical())
        for observance in vtimezone.subcomponents
    }
    # Until 1995 back to CET on the last Sunday of September, from 1996 in October.
    assert ("CET", b"FREQ=YEARLY;UNTIL=19950925T010000Z;BYDAY=-1SU;BYMONTH=9") in rules
    assert ("CET", b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10") in rules
    assert ("CEST", b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3") in rules


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC"])
def test_utc_is_written_with_z_and_needs_no_vtimezone(zone: str) -> None:
    start = datetime(2026, 12, 3, 13, tzinfo=UTC)
    data = calendar_file(_event(zone=zone, start=start, end=start + timedelta(hours=2)))
    assert "DTSTART:20261203T130000Z" in _content_lines(data)
    assert _parse(data).walk("VTIMEZONE") == []
    assert _vevent(data)["DTSTART"].dt == start


# --- local wall time across DST --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "offset"),
    [(date(2026, 7, 2), timedelta(hours=2)), (date(2026, 1, 8), timedelta(hours=1))],
)
def test_14_00_local_stays_14_00_in_summer_and_winter(day: date, offset: timedelta) -> None:
    start = datetime(day.year, day.month, day.day, 14, tzinfo=AMS)
    data = calendar_file(_event(start=start, end=start + timedelta(hours=2)))
    assert f"DTSTART;TZID=Europe/Amsterdam:{day:%Y%m%d}T140000" in _content_lines(data)
    parsed = _vevent(data)["DTSTART"].dt
    assert (parsed.hour, parsed.minute, parsed.utcoffset()) == (14, 0, offset)
    # A client that only has the VTIMEZONE puts the same wall time at the same instant.
    changes = _vtimezone_changes(_vtimezone(data), start.astimezone(UTC) + timedelta(days=1))
    assert _offset_at(changes, start.astimezone(UTC)) == offset
    assert start.astimezone(UTC) == datetime(day.year, day.month, day.day, 14, tzinfo=UTC) - offset


def test_recurring_meeting_keeps_its_wall_time_across_dst_changes() -> None:
    data = calendar_file(_event(start=datetime(2026, 1, 8, 14, tzinfo=AMS), rrule="FREQ=MONTHLY"))
    vevent = _vevent(data)
    changes = _vtimezone_changes(_vtimezone(data), datetime(2029, 1, 1, tzinfo=UTC))
    rule = rrulestr(vevent["RRULE"].to_ical().decode(), dtstart=vevent["DTSTART"].dt)
    occurrences = list(itertools.islice(rule, 24))
    assert {occurrence.utcoffset() for occurrence in occurrences} == {
        timedelta(hours=1),
        timedelta(hours=2),
    }
    for occurrence in occurrences:
        assert (occurrence.hour, occurrence.minute) == (14, 0)
        assert _offset_at(changes, occurrence.astimezone(UTC)) == occurrence.utcoffset()


def test_the_repeated_hour_is_refused_rather_than_written_an_hour_off() -> None:
    second = datetime(2026, 10, 25, 2, 30, tzinfo=AMS, fold=1)  # 01:30 UTC, CET
    with pytest.raises(ValueError, match="repeated hour"):
        calendar_file(_event(start=second, end=second + timedelta(hours=1)))
    first = second.replace(fold=0)  # 00:30 UTC, CEST: the time a TZID names
    data = calendar_file(_event(start=first, end=first + timedelta(hours=1)))
    assert _vevent(data)["DTSTART"].dt.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


# --- RFC 5545 structure ----------------------------------------------------------------------

STRUCTURE_CASES = {
    "plain": _event(),
    "everything": _event(
        title="🎉 Feest, ja; echt \\ " + "lang " * 40,
        location="https://meet.example.org/abc?x=1",
        description="regel\n" * 30 + "עברית",
        sequence=7,
        rrule="FREQ=MONTHLY;BYDAY=4TH",
    ),
    "cancelled": _event(cancelled=True, sequence=2),
    "utc": _event(zone="UTC"),
    "tokyo": _event(zone="Asia/Tokyo"),
    "summer": _event(
        start=datetime(2026, 7, 2, 14, tzinfo=AMS), end=datetime(2026, 7, 2, 16, tzinfo=AMS)
    ),
}
structure = pytest.mark.parametrize("event", STRUCTURE_CASES.values(), ids=STRUCTURE_CASES.keys())


@structure
def test_every_line_ends_with_crlf(event: CalendarEvent) -> None:
    data = calendar_file(event)
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r") == data.count(b"\r\n")


@structure
def test_lines_are_folded_at_75_octets_with_a_single_space(event: CalendarEvent) -> None:
    data = calendar_file(event)
    lines = _physical_lines(data)
    assert not lines[0].startswith((b" ", b"\t"))
    for line in lines:
        assert len(line) <= 75, line
        assert not line.startswith(b"\t")
        line.decode("utf-8")
    for line in _content_lines(data):
        assert re.match(r"[A-Z][A-Z0-9-]*[;:]", line), line


@structure
def test_begin_and_end_are_balanced_and_nested(event: CalendarEvent) -> None:
    parents = {
        "VCALENDAR": None,
        "VTIMEZONE": "VCALENDAR",
        "STANDARD": "VTIMEZONE",
        "DAYLIGHT": "VTIMEZONE",
        "VEVENT": "VCALENDAR",
    }
    stack: list[str] = []
    for line in _content_lines(calendar_file(event)):
        if line.startswith("BEGIN:"):
            name = line[len("BEGIN:") :]
            assert parents[name] == (stack[-1] if stack else None), line
            stack.append(name)
        elif line.startswith("END:"):
            assert stack and stack.pop() == line[len("END:") :], line
        else:
            assert stack, line
    assert stack == []


@structure
def test_required_properties_are_present_once(event: CalendarEvent) -> None:
    lines = _content_lines(calendar_file(event))
    calendar_part = lines[: lines.index("BEGIN:VEVENT")]
    vevent_part = lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT")]

    def count(part: list[str], name: str) -> int:
        return sum(bool(re.match(rf"{name}[;:]", line)) for line in part)

    for name in ("PRODID", "VERSION", "CALSCALE", "METHOD"):
        assert count(calendar_part, name) == 1, name
    assert "PRODID:-//Leeratelier//NL" in lines
    assert "VERSION:2.0" in lines
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS"):
        assert count(vevent_part, name) == 1, name
    (dtstamp,) = [line for line in vevent_part if line.startswith("DTSTAMP")]
    assert re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", dtstamp)
    assert lines.count("BEGIN:VEVENT") == 1
    assert "BEGIN:VALARM" not in lines  # reminders come from the bot


@structure
def test_every_tzid_used_has_a_vtimezone(event: CalendarEvent) -> None:
    lines = _content_lines(calendar_file(event))
    used = {match[1] for line in lines if (match := re.search(r";TZID=([^:;]+)", line))}
    defined = {line[len("TZID:") :] for line in lines if line.startswith("TZID:")}
    assert used == defined
    assert lines.index("BEGIN:VEVENT") > max(
        (index for index, line in enumerate(lines) if line == "END:VTIMEZONE"), default=-1
    )


def test_dtstamp_is_utc_whatever_zone_it_was_given_in() -> None:
    stamp = datetime(2026, 11, 1, 10, 30, 15, 999, tzinfo=AMS)
    data = calendar_file(_event(stamp=stamp))
    assert "DTSTAMP:20261101T093015Z" in _content_lines(data)


def test_dtstamp_defaults_to_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    stamp = _vevent(calendar_file(_event(stamp=None)))["DTSTAMP"].dt
    assert before <= stamp <= datetime.now(UTC)
    assert stamp.utcoffset() == timedelta(0)


def test_output_is_reproducible() -> None:
    assert calendar_file(_event()) == calendar_file(_event())


# --- cancellation, recurrence, links ---------------------------------------------------------


def test_a_cancelled_meeting_is_a_cancel() -> None:
    data = calendar_file(_event(cancelled=True, sequence=4))
    calendar = _parse(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent["SEQUENCE"] == 4
    assert str(vevent["UID"]) == "meeting-12@leeratelier"


def test_a_meeting_is_published_and_confirmed() -> None:
    lines = _content_lines(calendar_file(_event()))
    assert "METHOD:PUBLISH" in lines
    assert "STATUS:CONFIRMED" in lines
    assert "SEQUENCE:0" in lines


def test_rrule_is_written_only_when_given() -> None:
    assert "RRULE" not in _vevent(calendar_file(_event()))
    for rule in (
        "FREQ=MONTHLY;BYDAY=4TH",
        "RRULE:FREQ=MONTHLY;BYDAY=4TH",
        "freq=monthly;byday=4th",
    ):
        assert "RRULE:FREQ=MONTHLY;BYDAY=4TH" in _content_lines(calendar_file(_event(rrule=rule)))


def test_rrule_until_is_written_in_utc() -> None:
    lines = _content_lines(calendar_file(_event(rrule="FREQ=MONTHLY;BYDAY=1TH;UNTIL=20271231")))
    assert "RRULE:FREQ=MONTHLY;UNTIL=20271231T225959Z;BYDAY=1TH" in lines
    local = _content_lines(calendar_file(_event(rrule="FREQ=WEEKLY;UNTIL=20270701T140000")))
    assert "RRULE:FREQ=WEEKLY;UNTIL=20270701T120000Z" in local


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "garbage",
        "FREQ=SOMETIMES",
        "FREQ=DAILY;BYDAY=XX",
        "FREQ=DAILY;FOO=1",
        "BYDAY=MO",
        "FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z",
        "FREQ=DAILY\r\nX-INJECTED:1",
    ],
)
def test_invalid_rrule_is_refused(rule: str) -> None:
    with pytest.raises(ValueError):
        calendar_file(_event(rrule=rule))


def test_a_link_as_location_is_also_the_url() -> None:
    vevent = _vevent(calendar_file(_event(location="https://meet.example.org/abc,def")))
    assert str(vevent["LOCATION"]) == "https://meet.example.org/abc,def"
    assert str(vevent["URL"]) == "https://meet.example.org/abc,def"


def test_an_explicit_url_wins_and_a_place_is_no_url() -> None:
    vevent = _vevent(calendar_file(_event(location="https://a.example", url="https://b.example")))
    assert str(vevent["URL"]) == "https://b.example"
    vevent = _vevent(calendar_file(_event(location="Utrecht, zaal 3")))
    assert "URL" not in vevent


def test_empty_location_and_description_are_left_out() -> None:
    vevent = _vevent(calendar_file(_event()))
    assert "LOCATION" not in vevent
    assert "DESCRIPTION" not in vevent
    assert "URL" not in vevent


# --- refused input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"start": datetime(2026, 12, 3, 14)},
        {"end": datetime(2026, 12, 3, 16)},
        {"stamp": datetime(2026, 11, 1)},
        {"end": datetime(2026, 12, 3, 14, tzinfo=AMS)},
        {"end": datetime(2026, 12, 3, 13, tzinfo=AMS)},
        {"zone": "Europe/Leeratelier"},
        {"zone": "../etc/passwd"},
        {"uid": ""},
        {"uid": " meeting-12@leeratelier"},
        {"uid": "meeting\n12"},
        {"sequence": -1},
        {"url": "https://example.org/met spatie"},
    ],
    ids=lambda changes: next(iter(changes)),
)
def test_invalid_input_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        calendar_file(_event(**changes))


# --- filename_for ----------------------------------------------------------------------------

DAY = datetime(2026, 12, 3, 14, tzinfo=AMS)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Atelierbijeenkomst", "leeratelier-2026-12-03-atelierbijeenkomst.ics"),
        (
            "Café crème – Ærø, Straße & Łódź",
            "leeratelier-2026-12-03-cafe-creme-aero-strasse-lodz.ics",
        ),
        ("🎉 Feest! 🎉", "leeratelier-2026-12-03-feest.ics"),
        ("🎉🎉🎉", "leeratelier-2026-12-03.ics"),
        ("", "leeratelier-2026-12-03.ics"),
        ("ｆｕｌｌｗｉｄｔｈ ﬁle", "leeratelier-2026-12-03-fullwidth-file.ics"),
        ("../../etc/passwd", "leeratelier-2026-12-03-etc-passwd.ics"),
        ('CON <>:"/\\|?* NUL', "leeratelier-2026-12-03-con-nul.ics"),
        ("Ĳsselmeer — Ångström", "leeratelier-2026-12-03-ijsselmeer-angstrom.ics"),
        ("פגישה Intervisie", "leeratelier-2026-12-03-intervisie.ics"),
        ("a" * 100, "leeratelier-2026-12-03-" + "a" * 33 + ".ics"),
        (
            "Intervisie over lastige gesprekken met ouders en leerlingen",
            "leeratelier-2026-12-03-intervisie-over-lastige.ics",
        ),
    ],
)
def test_filename_slugs(title: str, expected: str) -> None:
    assert filename_for(title, DAY) == expected
    assert len(expected) <= 60


@pytest.mark.parametrize("title", [*TRICKY_TEXTS, "-- x --", "A" * 500, "\x00\n\t", "Ω≈ç√∫"])
def test_filenames_are_safe_everywhere(title: str) -> None:
    name = filename_for(title, DAY)
    assert len(name) <= 60
    assert re.fullmatch(r"leeratelier-2026-12-03(-[a-z0-9]+)*\.ics", name), name


def test_filename_uses_the_date_of_start_as_given() -> None:
    late = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # 00:30 on the 4th in Amsterdam
    assert filename_for("x", late) == "leeratelier-2026-12-03-x.ics"
    assert filename_for("x", late.astimezone(AMS)) == "leeratelier-2026-12-04-x.ics"
