"""Reminder offsets as coordinators type them ("7d 1d 2u 15m") and as they are shown."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from babel.dates import format_timedelta
from babel.lists import format_list

_UNITS = {
    "w": timedelta(weeks=1), "week": timedelta(weeks=1), "weken": timedelta(weeks=1),
    "weeks": timedelta(weeks=1),
    "d": timedelta(days=1), "dag": timedelta(days=1), "dagen": timedelta(days=1),
    "day": timedelta(days=1), "days": timedelta(days=1),
    "u": timedelta(hours=1), "uur": timedelta(hours=1), "h": timedelta(hours=1),
    "hour": timedelta(hours=1), "hours": timedelta(hours=1),
    "m": timedelta(minutes=1), "min": timedelta(minutes=1), "minuten": timedelta(minutes=1),
    "minuut": timedelta(minutes=1), "minute": timedelta(minutes=1),
    "minutes": timedelta(minutes=1), "mins": timedelta(minutes=1),
}  # fmt: skip
_OFFSET = re.compile(rf"^(\d{{1,3}})\s*({'|'.join(sorted(_UNITS, key=len, reverse=True))})$")


def parse_offsets(text: str) -> list[timedelta]:
    """`7d 1d 2u 15m` → durations, longest first; raises ValueError on anything else."""
    offsets = []
    for word in text.casefold().replace(",", " ").split():
        match = _OFFSET.match(word)
        if match is None or int(match.group(1)) == 0:
            raise ValueError(word)
        offsets.append(int(match.group(1)) * _UNITS[match.group(2)])
    if not offsets or len(offsets) > 6:
        raise ValueError(text)
    return sorted(set(offsets), reverse=True)


def offsets_in_words(stored: str, language: str) -> str:
    """ "7d 1d 2u" as people say it: "7 dagen, 1 dag en 2 uur" / "7 days, 1 day and 2 hours"."""
    words = []
    for offset in parse_offsets(stored):
        minutes = int(offset.total_seconds() // 60)
        unit: Literal["day", "hour", "minute"] = (
            "day" if minutes % 1440 == 0 else "hour" if minutes % 60 == 0 else "minute"
        )
        words.append(format_timedelta(offset, granularity=unit, threshold=10_000, locale=language))
    return format_list(words, locale=language)


def offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    for unit, size in (("d", 1440), ("u", 60), ("m", 1)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"
