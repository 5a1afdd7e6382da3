"""When the bot may send personal prompts: working days, daytime, not on Dutch holidays."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)
SATURDAY = 5


@lru_cache(maxsize=32)
def _dutch_holidays(year: int) -> frozenset[date]:
    import holidays  # its calendars for every country: loaded at the first check, not at start

    return frozenset(holidays.country_holidays("NL", years=year))


def is_holiday(day: date) -> bool:
    return day in _dutch_holidays(day.year)


def is_prompt_day(day: date) -> bool:
    """A weekday that is no Dutch public holiday."""
    return day.weekday() < SATURDAY and not is_holiday(day)


def is_quiet(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    return not is_prompt_day(local.date()) or not QUIET_UNTIL <= local.time() < QUIET_FROM


def quiet_from(moment: datetime, zone: ZoneInfo) -> datetime:
    """The start of the quiet hours on the local day of `moment`: prompts are stale then."""
    local = moment.astimezone(zone)
    return datetime.combine(local.date(), QUIET_FROM, tzinfo=zone)


def next_prompt_moment(after: datetime, zone: ZoneInfo, hour: int) -> datetime:
    """The first prompt day at `hour` (local) that is not before `after`."""
    day = after.astimezone(zone).date()
    for offset in range(0, 30):
        candidate = datetime.combine(day + timedelta(days=offset), time(hour), tzinfo=zone)
        if candidate >= after and is_prompt_day(candidate.date()):
            return candidate
    raise AssertionError("no working day within 30 days")
